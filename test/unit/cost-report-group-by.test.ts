import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildCostReport,
  isGroupBy,
  ReportOptionError,
  untaggedKey,
} from '../../lambdas/core/accounting/cost-report.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import { parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';

const NOV = { from: '2026-11-01', to: '2026-11-30' } as const;

const exampleRecords = async (): Promise<LedgerRecord[]> => {
  const out: LedgerRecord[] = [];
  const lines = readFileSync('examples/ledger-month.jsonl', 'utf8').split('\n');
  for await (const record of parseLedgerLines(lines, 'examples/ledger-month.jsonl')) out.push(record);
  return out;
};

const micros = (usd: number) => Math.round(usd * 1_000_000);
const sumMicros = (rows: readonly { actualUsd: number }[]) =>
  rows.reduce((s, r) => s + micros(r.actualUsd), 0);

describe('cost report groupings by tag, region and instance type', () => {
  it('groups the example month by cost-center tag with totals equal to the team totals', async () => {
    const records = await exampleRecords();
    const byTeam = await buildCostReport(records, { ...NOV, groupBy: 'team' });
    const byTag = await buildCostReport(records, { ...NOV, groupBy: 'tag:cost-center' });
    expect(byTag.rows.length).toBeGreaterThan(1);
    expect(byTag.rows.every((r) => r.key.startsWith('cc-') || r.key === '(no cost-center)')).toBe(true);
    expect(byTag.totals).toEqual(byTeam.totals);
    expect(sumMicros(byTag.rows)).toBe(micros(byTeam.totals.actualUsd));
    // Rows of a tag mix teams: none claims one.
    expect(byTag.rows.every((r) => r.team === null)).toBe(true);
  });

  it('groups by region and by instance type, each row the usage recorded there', async () => {
    const records = await exampleRecords();
    const total = (await buildCostReport(records, { ...NOV, groupBy: 'team' })).totals.actualUsd;
    for (const groupBy of ['region', 'instance-type'] as const) {
      const report = await buildCostReport(records, { ...NOV, groupBy });
      expect(sumMicros(report.rows)).toBe(micros(total));
      const field = groupBy === 'region' ? 'region' : 'instanceType';
      const seen = new Set(records.flatMap((r) => (r.kind === 'usage' ? [r[field]] : [])));
      for (const row of report.rows) expect(seen.has(row.key)).toBe(true);
    }
  });

  it('puts usage without the tag under one row named for the missing key', async () => {
    const report = await buildCostReport(
      [
        {
          kind: 'usage',
          instanceId: 'i-1',
          jobId: 'j-1',
          allocationId: 'a-1',
          team: 'vision',
          project: 'p',
          region: 'us-east-1',
          availabilityZone: 'use1-az1',
          instanceType: 'g6.xlarge',
          purchaseOption: 'on-demand',
          unitPriceUsdPerHour: 1,
          onDemandPriceUsdPerHour: 1,
          startedAt: '2026-11-03T00:00:00Z',
          stoppedAt: '2026-11-03T02:00:00Z',
          interrupted: false,
        },
      ],
      { ...NOV, groupBy: 'tag:owner' },
    );
    expect(report.rows.map((r) => [r.key, r.actualUsd])).toEqual([[untaggedKey('tag:owner'), 2]]);
  });

  it('accepts tag:KEY and the fixed names, and refuses anything else naming the option', async () => {
    expect(isGroupBy('tag:cost-center')).toBe(true);
    expect(isGroupBy('region')).toBe(true);
    expect(isGroupBy('tag:')).toBe(false);
    expect(isGroupBy('az')).toBe(false);
    await expect(buildCostReport([], { ...NOV, groupBy: 'tag:' as 'team' })).rejects.toThrow(
      ReportOptionError,
    );
    await expect(buildCostReport([], { ...NOV, groupBy: 'tag:' as 'team' })).rejects.toThrow(
      /groupBy: must be one of .* or tag:KEY/,
    );
  });
});
