import { describe, expect, it } from 'vitest';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import type { LedgerRecord, LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';
import { costReportCsvLines, formatCostReportTable } from '../../lambdas/core/reports/cost-report-format.js';

const usage = (
  jobId: string,
  team: string,
  usdPerHour: number,
  startedAt: string,
  stoppedAt: string,
): LedgerUsage => ({
  kind: 'usage',
  instanceId: `i-${jobId}`,
  jobId,
  allocationId: `${jobId}-a1`,
  team,
  project: 'p',
  region: 'us-east-1',
  availabilityZone: 'use1-az1',
  instanceType: 'g6.xlarge',
  purchaseOption: 'on-demand',
  unitPriceUsdPerHour: usdPerHour,
  onDemandPriceUsdPerHour: usdPerHour,
  startedAt,
  stoppedAt,
  interrupted: false,
});

/**
 * A ten-day window (Nov 11–20) and its previous period (Nov 1–10), by hand:
 * vision 50 + 20 before, 40 + 60 in the window; nlp 200 before, nothing after; speech 20 in the
 * window only; a stretch in October belongs to neither.
 */
const RECORDS: LedgerRecord[] = [
  usage('v-1', 'vision', 10, '2026-11-05T00:00:00Z', '2026-11-05T05:00:00Z'),
  usage('v-2', 'vision', 10, '2026-11-10T22:00:00Z', '2026-11-11T04:00:00Z'),
  usage('v-3', 'vision', 10, '2026-11-15T00:00:00Z', '2026-11-15T06:00:00Z'),
  usage('n-1', 'nlp', 20, '2026-11-03T00:00:00Z', '2026-11-03T10:00:00Z'),
  usage('s-1', 'speech', 5, '2026-11-12T00:00:00Z', '2026-11-12T04:00:00Z'),
  usage('o-1', 'vision', 100, '2026-10-30T00:00:00Z', '2026-10-30T10:00:00Z'),
];
const WINDOW = { from: '2026-11-11', to: '2026-11-20' } as const;

describe('previous period side by side', () => {
  it('meters the same-length period before --from in the same pass (hand computed)', async () => {
    const report = await buildCostReport(RECORDS, { ...WINDOW, groupBy: 'team' });
    expect(report.previousPeriod).toEqual({ from: '2026-11-01', to: '2026-11-10' });
    const team = (name: string) => report.teams.find((t) => t.team === name);
    expect(team('vision')?.actualUsd).toBe(100);
    expect(team('vision')?.previous).toEqual({ actualUsd: 70, changeUsd: 30, changePct: 42.86 });
    // A team that spent only in the previous period is still a line, so totals are its sum.
    expect(team('nlp')).toMatchObject({
      actualUsd: 0,
      previous: { actualUsd: 200, changeUsd: -200, changePct: -100 },
    });
    // Nothing before: no percentage to give.
    expect(team('speech')?.previous).toEqual({ actualUsd: 0, changeUsd: 20, changePct: null });
    expect(report.totals.actualUsd).toBe(120);
    expect(report.totals.previous).toEqual({ actualUsd: 270, changeUsd: -150, changePct: -55.56 });
    // Rows are this window's keys; nlp spent only before, so its 200 are in the totals alone.
    expect(report.rows.map((r) => [r.key, r.previous?.actualUsd])).toEqual([
      ['speech', 0],
      ['vision', 70],
    ]);
    // The window's own counts leave the previous period out.
    expect(report.intervals).toBe(3);
    expect(report.jobs).toBe(3);
  });

  it('compares no day rows (their dates are not in the previous period) but still the totals', async () => {
    const report = await buildCostReport(RECORDS, { ...WINDOW, groupBy: 'day' });
    expect(report.rows.map((r) => r.key)).toEqual(['2026-11-11', '2026-11-12', '2026-11-15']);
    expect(report.rows.every((r) => r.previous === null)).toBe(true);
    expect(report.totals.previous.actualUsd).toBe(270);
  });

  it('takes as many days as the window: November is compared with 2–31 October', async () => {
    const report = await buildCostReport(RECORDS, { from: '2026-11-01', to: '2026-11-30', groupBy: 'team' });
    expect(report.previousPeriod).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(report.totals.previous.actualUsd).toBe(1000);
    expect(report.totals.actualUsd).toBe(390);
  });

  it('prints previous, change and change % in the text table and the CSV', async () => {
    const report = await buildCostReport(RECORDS, { ...WINDOW, groupBy: 'team' });
    const text = formatCostReportTable(report);
    expect(text).toContain('Previous period 2026-11-01 to 2026-11-10: 270.00 (change -150.00, -55.6 %)');
    const vision = text.split('\n').find((l) => l.startsWith('vision')) ?? '';
    expect(vision).toMatch(/70\.00\s+\+30\.00\s+\+42\.9 %/);
    const csv = costReportCsvLines(report);
    const header = csv[0]?.split(',') ?? [];
    const previousAt = header.indexOf('previousActualUsd');
    expect(header.slice(previousAt, previousAt + 3)).toEqual(['previousActualUsd', 'changeUsd', 'changePct']);
    expect(
      csv
        .at(-1)
        ?.split(',')
        .slice(previousAt, previousAt + 3),
    ).toEqual(['270', '-150', '-55.56']);
  });
});
