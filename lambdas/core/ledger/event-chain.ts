import { createHash } from 'node:crypto';

/**
 * Tamper-evident job history. Each event carries the hash of the one before it, and its own hash
 * covers its content and that link, so changing, dropping or reordering any stored event is
 * detectable from the events alone (`verifyChain`, `qm audit verify`).
 */

/** A JSON value: what event data may contain, so hashing never meets a Date, a function or NaN. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** The `prevHash` of the first event of every job. */
export const GENESIS_HASH = '0'.repeat(64);

/** One link of a job's event chain. */
export interface ChainedEvent {
  readonly jobId: string;
  /** 1 for the first event, then consecutive. */
  readonly seq: number;
  readonly type: string;
  /** ISO 8601 instant, from the injected clock. */
  readonly at: string;
  readonly data: JsonObject;
  readonly prevHash: string;
  /** Hex SHA-256 of `canonicalJson({ jobId, seq, type, at, data, prevHash })`. */
  readonly hash: string;
}

/** What a caller supplies for a new event; seq and hashes follow from the previous event. */
export interface NewEvent {
  readonly jobId: string;
  readonly type: string;
  readonly at: string;
  readonly data: JsonObject;
}

const describe = (path: string) => (path === '' ? 'value' : path);

const canonical = (value: JsonValue, path: string): string => {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${describe(path)}: ${value} is not valid JSON`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        const items: readonly JsonValue[] = value;
        return `[${items.map((item, i) => canonical(item, `${path}[${i}]`)).join(',')}]`;
      }
      const object = value as JsonObject;
      const keys = Object.keys(object).sort();
      return `{${keys
        .map((key) => {
          const item = object[key];
          if (item === undefined)
            throw new TypeError(`${describe(path)}.${key}: undefined is not valid JSON`);
          return `${JSON.stringify(key)}:${canonical(item, path === '' ? key : `${path}.${key}`)}`;
        })
        .join(',')}}`;
    }
    default:
      throw new TypeError(`${describe(path)}: a ${typeof value} is not valid JSON`);
  }
};

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, numbers as JavaScript prints
 * them. Equal values always give equal strings, which is what makes hashes comparable.
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export const canonicalJson = (value: JsonValue): string => canonical(value, '');

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const toJson = (value: unknown, path: string): JsonValue => {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${describe(path)}: ${value} is not valid JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown, i) => toJson(item, `${path}[${i}]`));
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      // Absent optional fields are simply not part of the record, as in JSON.stringify.
      if (item === undefined) continue;
      out[key] = toJson(item, path === '' ? key : `${path}.${key}`);
    }
    return out;
  }
  throw new TypeError(`${describe(path)}: a ${typeof value} is not valid JSON`);
};

/**
 * Checks a typed domain value (an interface such as `DecisionRecord`) is plain JSON and returns it
 * as a `JsonValue`; absent optional fields are dropped. Throws a TypeError naming the first bad path.
 */
export const toJsonValue = (value: unknown): JsonValue => toJson(value, '');

/** Like `toJsonValue`, for values that must be JSON objects (event data). */
export const toJsonObject = (value: unknown): JsonObject => {
  const json = toJsonValue(value);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TypeError('value: expected a JSON object');
  }
  return json as JsonObject;
};

/** Hex SHA-256 of a string's UTF-8 bytes. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The hash an event must carry, computed from its content and link. */
export const eventHash = (event: Omit<ChainedEvent, 'hash'>): string =>
  sha256Hex(
    canonicalJson({
      jobId: event.jobId,
      seq: event.seq,
      type: event.type,
      at: event.at,
      data: event.data,
      prevHash: event.prevHash,
    }),
  );

/**
 * The next link: seq and prevHash follow from `prev` (or start the chain when `prev` is undefined).
 * Only the head's jobId, seq and hash are needed, so a stored job's head pointer will do.
 * @example const first = appendEvent(undefined, { jobId: 'j1', type: 'RECEIVED', at, data: {} });
 */
export const appendEvent = (
  prev: Pick<ChainedEvent, 'jobId' | 'seq' | 'hash'> | undefined,
  next: NewEvent,
): ChainedEvent => {
  if (prev !== undefined && prev.jobId !== next.jobId) {
    throw new TypeError(`appendEvent: previous event belongs to job ${prev.jobId}, not ${next.jobId}`);
  }
  const unhashed = {
    jobId: next.jobId,
    seq: prev === undefined ? 1 : prev.seq + 1,
    type: next.type,
    at: next.at,
    data: next.data,
    prevHash: prev === undefined ? GENESIS_HASH : prev.hash,
  };
  return { ...unhashed, hash: eventHash(unhashed) };
};

/** Why a chain fails verification. */
export type ChainFault = 'altered' | 'broken-link' | 'missing-seq' | 'reordered' | 'wrong-job';

export type ChainVerdict =
  | { readonly ok: true; readonly length: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** Position in the given array of the first bad event. */
      readonly index: number;
      readonly seq: number;
      readonly reason: ChainFault;
      readonly detail: string;
    };

/**
 * Verifies a job's events as stored, in seq order as read. Reports the first bad event:
 * `altered` (content no longer matches its hash), `broken-link` (prevHash is not the previous
 * event's hash), `missing-seq` (a gap), `reordered` (out of order or repeated), `wrong-job`.
 */
export const verifyChain = (events: readonly ChainedEvent[]): ChainVerdict => {
  const jobId = events[0]?.jobId;
  let prevHash = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    const expectedSeq = index + 1;
    const fail = (reason: ChainFault, detail: string): ChainVerdict => ({
      ok: false,
      index,
      seq: event.seq,
      reason,
      detail,
    });
    if (event.jobId !== jobId) return fail('wrong-job', `event belongs to job ${event.jobId}, not ${jobId}`);
    if (event.seq !== expectedSeq) {
      const laterHasExpected = events.slice(index + 1).some((e) => e.seq === expectedSeq);
      return event.seq > expectedSeq && !laterHasExpected
        ? fail('missing-seq', `expected seq ${expectedSeq}, found ${event.seq}`)
        : fail('reordered', `expected seq ${expectedSeq} at position ${index}, found ${event.seq}`);
    }
    let recomputed: string;
    try {
      recomputed = eventHash(event);
    } catch (err) {
      return fail('altered', `content is not canonical JSON: ${(err as Error).message}`);
    }
    if (recomputed !== event.hash)
      return fail('altered', `content hashes to ${recomputed}, stored ${event.hash}`);
    if (event.prevHash !== prevHash) {
      return fail('broken-link', `prevHash ${event.prevHash} is not the previous event's hash ${prevHash}`);
    }
    prevHash = event.hash;
  }
  return { ok: true, length: events.length, headHash: prevHash };
};
