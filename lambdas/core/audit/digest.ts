import { canonicalJson, type JsonObject, sha256Hex } from '../ledger/event-chain.js';
import type { ChainHead } from '../ports.js';

/**
 * A digest of the ledger's chain heads, as CloudTrail's digest files are of its log files: which
 * chains moved in an interval and where each then ended, linked to the digest before it by that
 * digest's hash. Signed, it lets an export be held against heads someone outside the tables
 * vouched for (issue 13 part 2; docs/audit.md).
 */

export const DIGEST_VERSION = 1;

export interface Digest {
  readonly version: typeof DIGEST_VERSION;
  /** 1 for the first digest, then consecutive. */
  readonly sequence: number;
  /** Exclusive start of the interval; null for the first digest, which covers everything before `end`. */
  readonly start: string | null;
  /** Inclusive end of the interval. */
  readonly end: string;
  /** Every chain with an event in the interval, ordered by chain id. */
  readonly heads: readonly ChainHead[];
  /** The previous digest's key in the digest store; null for the first. */
  readonly previousDigestKey: string | null;
  /** Hex SHA-256 of the previous digest's canonical bytes; null for the first. */
  readonly previousDigestHash: string | null;
}

const digestObject = (digest: Digest): JsonObject => ({
  version: digest.version,
  sequence: digest.sequence,
  start: digest.start,
  end: digest.end,
  heads: digest.heads.map((h) => ({
    chainId: h.chainId,
    eventCount: h.eventCount,
    headHash: h.headHash,
    lastEventAt: h.lastEventAt,
  })),
  previousDigestKey: digest.previousDigestKey,
  previousDigestHash: digest.previousDigestHash,
});

/** The text that is signed and hashed: canonical JSON (sorted keys, no spaces) of the digest's fields. */
export const digestText = (digest: Digest): string => canonicalJson(digestObject(digest));

/** The bytes that are signed: UTF-8 of `digestText`. */
export const digestBytes = (digest: Digest): Uint8Array => new TextEncoder().encode(digestText(digest));

/** What the next digest names as `previousDigestHash`. */
export const digestHash = (digest: Digest): string => sha256Hex(digestText(digest));

/**
 * The store key of a digest: the sequence first, zero-padded, so keys sort in sequence order, then
 * the interval's end for whoever lists them.
 * @example digestKey(3, '2026-11-01T03:00:00.000Z') // '0000000003-20261101T030000Z.json'
 */
export const digestKey = (sequence: number, end: string): string => {
  const compact = new Date(end)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${String(sequence).padStart(10, '0')}-${compact}.json`;
};
