import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendEvent,
  type ChainedEvent,
  canonicalJson,
  eventHash,
  GENESIS_HASH,
  type JsonValue,
  sha256Hex,
  toJsonObject,
  toJsonValue,
  verifyChain,
} from '../../lambdas/core/ledger/event-chain.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

const chainOf = (length: number, jobId = 'job-1'): ChainedEvent[] => {
  const events: ChainedEvent[] = [];
  for (let i = 0; i < length; i++) {
    events.push(appendEvent(events.at(-1), { jobId, type: `STEP_${i}`, at: at(i), data: { i, note: 'x' } }));
  }
  return events;
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: 'x', c: 2.5 }] })).toBe(
      '{"a":[true,null,{"c":2.5,"d":"x"}],"b":1}',
    );
  });

  it('gives the same string for objects that differ only in key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed as JsonValue)).toBe(canonicalJson(object as JsonValue));
      }),
    );
  });

  it('parses back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = toJsonValue(value);
        expect(JSON.parse(canonicalJson(json))).toEqual(JSON.parse(JSON.stringify(json)));
      }),
    );
  });

  it('refuses values that are not JSON, naming where they are', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow('a.b: NaN is not valid JSON');
    expect(() => toJsonValue({ when: new Date(0) })).toThrow('when: a object is not valid JSON');
    expect(() => toJsonValue({ list: [1, () => 2] })).toThrow('list[1]: a function is not valid JSON');
  });

  it('drops absent optional fields when converting typed records', () => {
    expect(toJsonObject({ a: 1, b: undefined })).toEqual({ a: 1 });
    expect(() => toJsonObject([1])).toThrow('expected a JSON object');
  });
});

describe('event chain', () => {
  it('starts at seq 1 from the genesis hash and links each event to the previous one', () => {
    const [first, second] = chainOf(2);
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, prevHash: first?.hash });
  });

  it('hashes the canonical JSON of jobId, seq, type, at, data and prevHash', () => {
    const event = appendEvent(undefined, { jobId: 'j', type: 'RECEIVED', at: at(0), data: { z: 1, a: 2 } });
    const expected = sha256Hex(
      `{"at":"${at(0)}","data":{"a":2,"z":1},"jobId":"j","prevHash":"${GENESIS_HASH}","seq":1,"type":"RECEIVED"}`,
    );
    expect(event.hash).toBe(expected);
    expect(eventHash(event)).toBe(expected);
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact chain and reports its head', () => {
    const events = chainOf(50);
    expect(verifyChain(events)).toEqual({ ok: true, length: 50, headHash: events[49]?.hash });
    expect(verifyChain([])).toEqual({ ok: true, length: 0, headHash: GENESIS_HASH });
  });

  it('refuses to link an event to another job’s chain', () => {
    const [first] = chainOf(1, 'job-a');
    expect(() => appendEvent(first, { jobId: 'job-b', type: 'X', at: at(1), data: {} })).toThrow(
      'previous event belongs to job job-a, not job-b',
    );
  });

  it('finds an altered event', () => {
    const events = chainOf(5);
    const tampered = events.map((e) => (e.seq === 3 ? { ...e, data: { i: 99, note: 'x' } } : e));
    expect(verifyChain(tampered)).toMatchObject({ ok: false, index: 2, seq: 3, reason: 'altered' });
  });

  it('finds an event replaced by a re-hashed forgery at the link after it', () => {
    const events = chainOf(5);
    const forged = appendEvent(events[1], {
      jobId: 'job-1',
      type: 'STEP_2',
      at: at(2),
      data: { i: 2, note: 'y' },
    });
    const tampered = events.map((e) => (e.seq === 3 ? forged : e));
    expect(verifyChain(tampered)).toMatchObject({ ok: false, seq: 4, reason: 'broken-link' });
  });

  it('finds a missing seq', () => {
    const events = chainOf(5);
    expect(verifyChain(events.filter((e) => e.seq !== 4))).toMatchObject({
      ok: false,
      index: 3,
      seq: 5,
      reason: 'missing-seq',
    });
    expect(verifyChain(events.slice(1))).toMatchObject({ ok: false, index: 0, reason: 'missing-seq' });
  });

  it('finds reordered and repeated events', () => {
    const [a, b, c, d] = chainOf(4) as [ChainedEvent, ChainedEvent, ChainedEvent, ChainedEvent];
    expect(verifyChain([a, c, b, d])).toMatchObject({ ok: false, index: 1, seq: 3, reason: 'reordered' });
    expect(verifyChain([a, b, b, c])).toMatchObject({ ok: false, index: 2, seq: 2, reason: 'reordered' });
  });

  it('finds an event from another job mixed in', () => {
    const events = chainOf(3);
    const [stranger] = chainOf(1, 'job-2');
    expect(verifyChain([...events, { ...(stranger as ChainedEvent), seq: 4 }])).toMatchObject({
      ok: false,
      index: 3,
      reason: 'wrong-job',
    });
  });

  it('detects any single-field change to any event of a chain', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.constantFrom('type', 'at', 'data'),
        (n, k, field) => {
          const events = chainOf(n);
          const index = k % n;
          const changed = events.map((e, i) =>
            i !== index ? e : { ...e, [field]: field === 'data' ? { i: -1 } : `${String(e[field])}!` },
          );
          const verdict = verifyChain(changed);
          expect(verdict).toMatchObject({ ok: false, index, reason: 'altered' });
        },
      ),
    );
  });
});
