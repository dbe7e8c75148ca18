import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDigestKeyPair, keyFileDigestSigner } from '../../lambdas/adapters/key-file-digest-signer.js';
import { publicKeyVerifier } from '../../lambdas/adapters/public-key-verifier.js';
import { type Digest, digestHash, digestKey, digestText } from '../../lambdas/core/audit/digest.js';
import { verifyDigests } from '../../lambdas/core/audit/digest-verifier.js';
import { nextDigest } from '../../lambdas/core/audit/next-digest.js';
import { parseSignedDigest, signedDigestText } from '../../lambdas/core/audit/signed-digest.js';
import { appendEvent, type JsonObject } from '../../lambdas/core/ledger/event-chain.js';
import {
  eventLine,
  type LedgerRecord,
  ledgerTextLines,
  parseLedgerLine,
} from '../../lambdas/core/ledger/ledger-export.js';
import type { JobEvent } from '../../lambdas/core/ports.js';
import { writeDigest } from '../../lambdas/core/use-cases/write-digest.js';
import { exportHeadSource, MemoryDigestStore } from '../support/digest-fixtures.js';

const RECORDS: LedgerRecord[] = ledgerTextLines(readFileSync('examples/ledger-month.jsonl', 'utf8')).flatMap(
  (text, i) => {
    const record = parseLedgerLine(text, i + 1);
    return record === undefined ? [] : [record];
  },
);

const KEYS = generateDigestKeyPair();
const verifier = publicKeyVerifier(KEYS.publicKeyPem);
const DAY = 86_400_000;
/** Daily digests from the month's start to a day after its last event. */
const ENDS = Array.from({ length: 32 }, (_, i) =>
  new Date(Date.parse('2026-11-01T00:00:00Z') + i * DAY).toISOString(),
);

const isEvent = (r: LedgerRecord): r is Extract<LedgerRecord, { kind: 'event' }> => r.kind === 'event';
const eventsOf = (records: readonly LedgerRecord[], chainId: string) =>
  records.filter(isEvent).filter((r) => r.jobId === chainId);

let store: MemoryDigestStore;
let digests: { key: string; digest: Digest }[];

beforeAll(async () => {
  store = new MemoryDigestStore();
  const deps = { ledger: exportHeadSource(RECORDS), store, signer: keyFileDigestSigner(KEYS.privateKeyPem) };
  for (const end of ENDS) await writeDigest(deps, end);
  digests = store.stored().map(({ key, text }) => ({ key, digest: parseSignedDigest(text, key).digest }));
});

/** The first digest naming a chain: where a tamper of it is found from. */
const firstNaming = (chainId: string): number =>
  digests.find((d) => d.digest.heads.some((h) => h.chainId === chainId))?.digest.sequence ?? -1;

/** The digest whose interval holds an instant. */
const holding = (at: string): number =>
  digests.find(
    (d) =>
      (d.digest.start === null || Date.parse(at) > Date.parse(d.digest.start)) &&
      Date.parse(at) <= Date.parse(d.digest.end),
  )?.digest.sequence ?? -1;

const JOB = 'nlp-0004';

/** A job's whole chain re-hashed with its unit price halved, and the job record's head to match. */
const rewritten = (records: readonly LedgerRecord[], jobId: string): LedgerRecord[] => {
  let prev: JobEvent | undefined;
  const out = records.map((r) => {
    if (!isEvent(r) || r.jobId !== jobId) return r;
    const data = structuredClone(r.data) as unknown as { usage?: { unitPriceUsdPerHour: number } };
    if (r.type === 'USAGE_STARTED' && data.usage !== undefined) data.usage.unitPriceUsdPerHour /= 2;
    prev = appendEvent(prev, { jobId, type: r.type, at: r.at, data: data as unknown as JsonObject });
    return eventLine(prev);
  });
  return out.map((r) =>
    r.kind === 'job' && r.jobId === jobId && prev !== undefined ? { ...r, headHash: prev.hash } : r,
  );
};

describe('the digest model', () => {
  it('links each digest to the one before by key and the SHA-256 of its canonical bytes', () => {
    expect(digests.map((d) => d.digest.sequence)).toEqual(ENDS.map((_, i) => i + 1));
    expect(digests[0]?.digest).toMatchObject({
      start: null,
      previousDigestKey: null,
      previousDigestHash: null,
    });
    for (let i = 1; i < digests.length; i++) {
      const [before, after] = [digests[i - 1], digests[i]] as [(typeof digests)[0], (typeof digests)[0]];
      expect(after.digest.start).toBe(before.digest.end);
      expect(after.digest.previousDigestKey).toBe(before.key);
      expect(after.digest.previousDigestHash).toBe(digestHash(before.digest));
    }
    expect(digests[1]?.key).toBe('0000000002-20261102T000000Z.json');
    expect(digestKey(12, '2026-11-01T03:04:05.678Z')).toBe('0000000012-20261101T030405Z.json');
  });

  it('names every chain moved in its interval with its head there, and each event is in exactly one digest', () => {
    const named = digests.flatMap((d) => d.digest.heads);
    const chains = new Set(RECORDS.filter(isEvent).map((e) => e.jobId));
    expect(new Set(named.map((h) => h.chainId))).toEqual(chains);
    const last = eventsOf(RECORDS, JOB).at(-1) as JobEvent;
    const final = digests[holding(last.at) - 1]?.digest.heads.find((h) => h.chainId === JOB);
    expect(final).toEqual({ chainId: JOB, eventCount: last.seq, headHash: last.hash, lastEventAt: last.at });
  });

  it('has canonical bytes: sorted keys, no spaces, independent of field order', () => {
    const d = digests[0]?.digest as Digest;
    const reordered = Object.fromEntries(Object.entries(d).reverse()) as unknown as Digest;
    expect(digestText(reordered)).toBe(digestText(d));
    expect(digestText(d).startsWith('{"end":"2026-11-01T00:00:00.000Z","heads":[')).toBe(true);
  });

  it('refuses a next digest that does not end after the previous one', () => {
    const previous = digests.at(-1) as { key: string; digest: Digest };
    expect(() => nextDigest(previous, previous.digest.end, [])).toThrow(RangeError);
    expect(() => nextDigest(undefined, 'yesterday', [])).toThrow(RangeError);
  });
});

describe('qm audit verify --digests, on the example month', () => {
  it('verifies the clean export: every signature, every link, every chain head', () => {
    const verdict = verifyDigests(store.stored(), verifier, RECORDS);
    expect(verdict.findings).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, digests: 32, signed: 32, firstSequence: 1, lastSequence: 32 });
    expect(verdict.uncoveredEvents).toBe(0);
  });

  it('names a deleted job, from the first digest that signed its head', () => {
    const records = RECORDS.filter((r) => !('jobId' in r) || r.jobId !== JOB);
    const verdict = verifyDigests(store.stored(), verifier, records);
    expect(verdict.ok).toBe(false);
    expect(verdict.findings.map((f) => [f.kind, f.chainId, f.fromSequence])).toEqual([
      ['deleted-chain', JOB, firstNaming(JOB)],
    ]);
  });

  it('names a chain rewritten and re-hashed with its head, which the plain chain audit cannot', () => {
    const verdict = verifyDigests(store.stored(), verifier, rewritten(RECORDS, JOB));
    expect(verdict.findings.map((f) => [f.kind, f.chainId, f.fromSequence])).toEqual([
      ['rewritten-chain', JOB, firstNaming(JOB)],
    ]);
    expect(verdict.findings[0]?.detail).toContain('rewritten and re-hashed');
  });

  it('names a forged head: an event appended and the job head moved to it', () => {
    const last = eventsOf(RECORDS, JOB).at(-1) as JobEvent;
    const forged = appendEvent(last, {
      jobId: JOB,
      type: 'CANCELLED',
      at: new Date(Date.parse(last.at) + 1000).toISOString(),
      data: {},
    });
    const records = [
      ...RECORDS.map((r) =>
        r.kind === 'job' && r.jobId === JOB ? { ...r, eventCount: forged.seq, headHash: forged.hash } : r,
      ),
      eventLine(forged),
    ];
    const verdict = verifyDigests(store.stored(), verifier, records);
    expect(verdict.findings.map((f) => [f.kind, f.chainId, f.fromSequence])).toEqual([
      ['forged-head', JOB, holding(forged.at)],
    ]);
  });

  it('names a whole job forged into a signed interval as a head no digest names', () => {
    const event = appendEvent(undefined, {
      jobId: 'ghost-1',
      type: 'RECEIVED',
      at: '2026-11-10T12:00:00Z',
      data: {},
    });
    const verdict = verifyDigests(store.stored(), verifier, [...RECORDS, eventLine(event)]);
    expect(verdict.findings.map((f) => [f.kind, f.chainId, f.fromSequence])).toEqual([
      ['forged-head', 'ghost-1', holding(event.at)],
    ]);
  });

  it('names a chain whose last events are gone', () => {
    const last = eventsOf(RECORDS, JOB).at(-1) as JobEvent;
    const records = RECORDS.filter((r) => !(isEvent(r) && r.jobId === JOB && r.seq === last.seq));
    const verdict = verifyDigests(store.stored(), verifier, records);
    expect(verdict.findings.map((f) => [f.kind, f.chainId, f.fromSequence])).toEqual([
      ['missing-events', JOB, holding(last.at)],
    ]);
  });

  it('names a missing digest and from which digest on the chain of digests is broken', () => {
    const stored = store.stored().filter((_, i) => i !== 9);
    const verdict = verifyDigests(stored, verifier, RECORDS);
    const gap = verdict.findings.filter((f) => f.kind === 'missing-digest');
    expect(gap.map((f) => [f.kind, f.fromSequence])).toEqual([['missing-digest', 11]]);
    expect(gap[0]?.detail).toContain('digest 10 missing');
    // Whatever moved only in the lost interval is no longer vouched for.
    expect(verdict.uncoveredEvents).toBeGreaterThan(0);
  });

  it('names a digest edited after signing, or signed by another key, and does not trust its heads', () => {
    const stored = store.stored();
    const edited = parseSignedDigest(stored[4]?.text as string, 'x');
    const heads = edited.digest.heads.map((h, i) => (i === 0 ? { ...h, headHash: 'f'.repeat(64) } : h));
    const other = generateDigestKeyPair();
    const tampered = stored.map((s, i) =>
      i === 4
        ? { ...s, text: signedDigestText({ ...edited, digest: { ...edited.digest, heads } }) }
        : i === 6
          ? { ...s, text: s.text.replace(/"signature": "[^"]+"/, `"signature": "${'A'.repeat(96)}"`) }
          : s,
    );
    const verdict = verifyDigests(tampered, verifier, RECORDS);
    expect(verdict.findings.filter((f) => f.kind === 'bad-signature').map((f) => f.fromSequence)).toEqual([
      5, 7,
    ]);
    const foreign = verifyDigests(store.stored(), publicKeyVerifier(other.publicKeyPem), RECORDS);
    expect(foreign.signed).toBe(0);
    expect(foreign.findings.filter((f) => f.kind === 'bad-signature')).toHaveLength(32);
  });

  it('counts events after the last digest as not covered yet, not as tampering', () => {
    const verdict = verifyDigests(store.stored().slice(0, 20), verifier, RECORDS);
    expect(verdict.ok).toBe(true);
    expect(verdict.coveredUntil).toBe(ENDS[19]);
    expect(verdict.uncoveredEvents).toBe(
      RECORDS.filter(isEvent).filter((e) => e.at > (ENDS[19] as string)).length,
    );
  });
});

describe('writeDigest', () => {
  it('writes consecutive digests, each over the heads since the last one, and never over a stored key', async () => {
    const s = new MemoryDigestStore();
    const deps = {
      ledger: exportHeadSource(RECORDS),
      store: s,
      signer: keyFileDigestSigner(KEYS.privateKeyPem),
    };
    const first = await writeDigest(deps, '2026-11-05T00:00:00Z');
    const second = await writeDigest(deps, '2026-11-05T01:00:00Z');
    expect(second.signed.digest).toMatchObject({
      sequence: 2,
      start: '2026-11-05T00:00:00Z',
      previousDigestKey: first.key,
      previousDigestHash: digestHash(first.signed.digest),
    });
    expect(second.signed.digest.heads).toEqual(
      await exportHeadSource(RECORDS).listChainHeads({
        after: '2026-11-05T00:00:00Z',
        until: '2026-11-05T01:00:00Z',
      }),
    );
    await expect(writeDigest(deps, '2026-11-05T01:00:00Z')).rejects.toThrow(RangeError);
    expect(
      verifyDigests(
        s.stored(),
        verifier,
        RECORDS.filter((r) => !isEvent(r) || r.at <= '2026-11-05T01:00:00Z'),
      ).ok,
    ).toBe(true);
  });
});
