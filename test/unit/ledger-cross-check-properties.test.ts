import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCostReport, GROUP_BYS } from '../../lambdas/core/accounting/cost-report.js';
import { verifyLedgerRecords } from '../../lambdas/core/audit/ledger-verifier.js';
import { recordsFromChains } from '../../lambdas/core/ledger/chain-records.js';
import { type LedgerRecord, parseLedgerLine } from '../../lambdas/core/ledger/ledger-export.js';
import { generateChainedLedger } from '../support/chained-ledger-fixtures.js';

/** Every figure of the cost report, under every grouping, for November. */
const figures = async (records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>) => {
  const all: LedgerRecord[] = [];
  for await (const r of records) all.push(r);
  return Promise.all(
    GROUP_BYS.map((groupBy) => buildCostReport(all, { from: '2026-11-01', to: '2026-11-30', groupBy })),
  );
};

type Path = readonly (string | number)[];

/** Paths to every primitive value of a record but its kind. */
const leaves = (value: unknown, path: Path = []): Path[] => {
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) =>
      path.length === 0 && k === 'kind' ? [] : leaves(v, [...path, Array.isArray(value) ? Number(k) : k]),
    );
  return [path];
};

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** A plausible edit of one value: what someone editing an export by hand would do. */
const edited = (value: unknown): unknown => {
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') return Number.isInteger(value) ? value + 1 : value * 0.5;
  if (typeof value !== 'string') return undefined;
  if (INSTANT.test(value)) {
    const shifted = new Date(Date.parse(value) + 3_600_000).toISOString();
    return value.includes('.') ? shifted : shifted.replace('.000Z', 'Z');
  }
  if (value === 'spot') return 'on-demand';
  if (value === 'on-demand') return 'spot';
  if (/^[0-9a-f]{64}$/.test(value)) return `${value[0] === 'a' ? 'b' : 'a'}${value.slice(1)}`;
  return `${value}x`;
};

const withValue = (record: LedgerRecord, path: Path, value: unknown): LedgerRecord => {
  const copy = structuredClone(record) as unknown as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = value;
  return copy as unknown as LedgerRecord;
};

/** The record as the export would carry it, or undefined when the edit makes the line invalid. */
const reparsed = (record: LedgerRecord): LedgerRecord | undefined => {
  try {
    return parseLedgerLine(JSON.stringify(record), 1);
  } catch {
    return undefined;
  }
};

describe('ledger under the chain: properties over generated ledgers', () => {
  const ledgers: { records: LedgerRecord[]; figures: string }[] = [];

  beforeAll(async () => {
    for (const seed of [1, 2, 3]) {
      const records = await generateChainedLedger({ jobs: 24, seed });
      ledgers.push({ records, figures: JSON.stringify(await figures(records)) });
    }
  });

  it('gives the same report from the chained facts alone as from the records, to the micro-dollar', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 30 }),
        async (seed, jobs) => {
          const records = await generateChainedLedger({ jobs, seed });
          const unchained = { usage: 0, budget: 0, job: 0 };
          const fromChain = await figures(recordsFromChains(records, unchained));
          expect(unchained).toEqual({ usage: 0, budget: 0, job: 0 });
          // Amounts are whole micro-dollars over 1e6: equal numbers are equal to the micro-dollar.
          expect(fromChain).toEqual(await figures(records));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('detects any single-field change to any record, or the change moves no report figure', async () => {
    let detected = 0;
    let harmless = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (which, recordAt, leafAt) => {
          const ledger = ledgers[which];
          if (ledger === undefined) throw new Error('no ledger');
          const index = Math.floor(recordAt * ledger.records.length);
          const record = ledger.records[index] as LedgerRecord;
          const paths = leaves(record);
          const path = paths[Math.floor(leafAt * paths.length)] as Path;
          let value: unknown = record;
          for (const key of path) value = (value as Record<string | number, unknown>)[key];
          const next = edited(value);
          if (next === undefined) return;
          const changed = reparsed(withValue(record, path, next));
          if (changed === undefined) return;
          const records = ledger.records.map((r, i) => (i === index ? changed : r));
          if (!verifyLedgerRecords(records).ok) {
            detected += 1;
            return;
          }
          harmless += 1;
          expect(JSON.stringify(await figures(records)), `${record.kind} ${path.join('.')}`).toBe(
            ledger.figures,
          );
        },
      ),
      { numRuns: 400 },
    );
    // The edits are mostly detected; the rest touch facts no report shows (tags, account names).
    expect(detected).toBeGreaterThan(harmless);
  });
});
