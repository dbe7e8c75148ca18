import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLedgerFile, writeLedgerFile } from '../../lambdas/adapters/ledger-export-file.js';
import { applyAllocation, receiveJob } from '../../lambdas/core/ledger/job-change.js';
import {
  jobLine,
  LedgerParseError,
  type LedgerRecord,
  ledgerLine,
  ledgerTextLines,
  parseLedgerLine,
  parseLedgerLines,
  parseNumberedLedgerLines,
} from '../../lambdas/core/ledger/ledger-export.js';
import { generateLedgerMonth } from '../support/ledger-export-fixtures.js';
import { allocationFor, jobRequest } from '../support/ledger-fixtures.js';

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const USAGE = {
  kind: 'usage',
  instanceId: 'i-1',
  jobId: 'j',
  allocationId: 'a',
  team: 't',
  project: 'p',
  region: 'us-east-1',
  availabilityZone: null,
  instanceType: 'g5.xlarge',
  purchaseOption: 'spot',
  unitPriceUsdPerHour: 0.4,
  onDemandPriceUsdPerHour: 1.006,
  startedAt: '2026-11-01T00:00:00Z',
  stoppedAt: '2026-11-01T01:00:00Z',
  interrupted: false,
};

describe('ledger export format', () => {
  it('writes lines that read back as the same records', async () => {
    const records = [...generateLedgerMonth({ jobs: 25, seed: 9 })];
    const text = ['# header', '', ...records.map(ledgerLine)].join('\n');
    expect(await collect(parseLedgerLines(ledgerTextLines(text)))).toEqual(records);
  });

  it('exports a job record from the state machine with its stored unit price and price book', () => {
    const received = receiveJob({ request: jobRequest('job-x') }, '2026-11-02T00:00:00Z');
    const { job } = applyAllocation(
      received.job,
      allocationFor(received.job, 52.5, 1000, '2026-11'),
      '2026-11-02T00:01:00Z',
    );
    const line = jobLine(job, '2026-07-20');
    expect(line.allocation).toMatchObject({
      allocationId: 'job-x-a1',
      priceBookId: 'book-2026-03-01',
      priceBookAsOf: '2026-07-20',
      unitPriceUsdPerHour: 12.5,
      expectedCostUsd: 52.5,
      reservedUsd: 52.5,
    });
    expect(parseLedgerLine(ledgerLine(line), 1)).toEqual(line);
  });

  it('names the line and the field of a bad record', async () => {
    const lines = [
      '# ok',
      JSON.stringify(USAGE),
      JSON.stringify({ ...USAGE, stoppedAt: '2026-11-01T01:00:00.5Z' }),
    ];
    await expect(collect(parseLedgerLines(lines, 'month.jsonl'))).rejects.toThrow(
      'month.jsonl:3: stoppedAt: must be a UTC date-time to the second: YYYY-MM-DDTHH:mm:ssZ',
    );
    const cases: Array<[string, string]> = [
      ['{"kind":"usage"', '(root)'],
      ['[1]', '(root)'],
      ['{"kind":"invoice"}', 'kind'],
      [JSON.stringify({ ...USAGE, unitPriceUsdPerHour: -1 }), 'unitPriceUsdPerHour'],
      [JSON.stringify({ ...USAGE, purchaseOption: 'reserved' }), 'purchaseOption'],
      [JSON.stringify({ ...USAGE, stoppedAt: '2026-10-31T00:00:00Z' }), 'stoppedAt'],
      [JSON.stringify({ ...USAGE, interrupted: true, stoppedAt: null }), 'stoppedAt'],
      [JSON.stringify({ kind: 'budget', team: 't', period: '2026-13', limitUsd: 1 }), 'period'],
    ];
    for (const [text, field] of cases) {
      const error = (() => {
        try {
          parseLedgerLine(text, 7);
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(LedgerParseError);
      expect(error).toMatchObject({ line: 7, field });
    }
  });

  it('numbers records by their line in the file', async () => {
    const numbered = await collect(parseNumberedLedgerLines(['# header', '', JSON.stringify(USAGE)]));
    expect(numbered.map((n) => n.line)).toEqual([3]);
  });

  it('refuses to write a record its readers would reject', () => {
    expect(() => ledgerLine({ ...USAGE, unitPriceUsdPerHour: Number.NaN } as LedgerRecord)).toThrow(
      /^ledger usage record: unitPriceUsdPerHour:/,
    );
  });

  it('never crashes on arbitrary text: a record or a LedgerParseError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          parseLedgerLine(text, 1);
        } catch (error) {
          expect(error).toBeInstanceOf(LedgerParseError);
        }
      }),
    );
  });

  it('round-trips through a file, header lines first, streamed both ways', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qm-ledger-'));
    try {
      const file = path.join(dir, 'month.jsonl');
      const records = [...generateLedgerMonth({ jobs: 50, seed: 4 })];
      expect(await writeLedgerFile(file, records, ['generated for a test'])).toBe(records.length);
      expect(readFileSync(file, 'utf8').startsWith('# generated for a test\n{"kind":"budget"')).toBe(true);
      expect(await collect(readLedgerFile(file))).toEqual(records);
      await expect(collect(readLedgerFile(path.join(dir, 'missing.jsonl')))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
