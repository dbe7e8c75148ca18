import { createHash } from 'node:crypto';
import type { Rejection, RejectionInput } from '../ports.js';

/** DynamoDB's item limit: attribute names plus values, as UTF-8 bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;
/**
 * What a stored record may take of an item, leaving room for keys, attribute names and the
 * adapter's own attributes (index keys, kind): far more than they need.
 */
export const RECORD_BUDGET_BYTES = MAX_ITEM_BYTES - 8 * 1024;
/** Issues kept in full; the rest are counted. Enough to fix a message, small enough to read. */
export const MAX_KEPT_ISSUES = 50;
/** Characters of the reason kept; the issues carry the detail. */
export const MAX_REASON_CHARS = 2_000;
/** Bytes of a raw body kept when the whole body does not fit. */
export const BODY_PREFIX_BYTES = 4_096;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string, as DynamoDB counts a string value. */
export const utf8Bytes = (text: string): number => encoder.encode(text).length;

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
export const utf8Prefix = (text: string, maxBytes: number): string => {
  if (utf8Bytes(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
};

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** Bytes a rejection takes as stored: every field's value plus its name. */
export const rejectionBytes = (r: Rejection): number =>
  Object.entries(r).reduce(
    (sum, [name, value]) =>
      sum + utf8Bytes(name) + utf8Bytes(typeof value === 'string' ? value : JSON.stringify(value)),
    0,
  );

/**
 * The REJECTED record as every ledger adapter stores it, within {@link RECORD_BUDGET_BYTES}
 * whatever the input: a message with 7,000 unknown keys yields 7,000 issues, and their full list
 * (with the reason spelling all of them out) would not fit in one DynamoDB item. So the record
 * keeps a bounded reason, the first issues and their count, and the raw body in full when it
 * fits; otherwise its first bytes, with its length and SHA-256 always recorded so the original
 * can be matched. Pure: both adapters apply it, so they agree on what is kept.
 */
export const boundRejection = (input: RejectionInput): Rejection => {
  const issues = input.issues ?? [];
  const kept = issues
    .slice(0, MAX_KEPT_ISSUES)
    .map((i) => ({ field: clip(i.field, 200), message: clip(i.message, 500) }));
  const rawBodyBytes = utf8Bytes(input.rawBody);
  const base = {
    messageId: input.messageId,
    reason: clip(input.reason, MAX_REASON_CHARS),
    issues: kept,
    issueCount: issues.length,
    rawBodyBytes,
    rawBodySha256: createHash('sha256').update(input.rawBody, 'utf8').digest('hex'),
    at: input.at,
  };
  const whole: Rejection = { ...base, rawBody: input.rawBody, rawBodyTruncated: false };
  if (rejectionBytes(whole) <= RECORD_BUDGET_BYTES) return whole;
  return { ...base, rawBody: utf8Prefix(input.rawBody, BODY_PREFIX_BYTES), rawBodyTruncated: true };
};
