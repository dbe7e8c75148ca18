import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCostReport,
  type CostReport,
  GROUP_BYS,
  periodsIn,
  ReportOptionError,
  reportWindow,
} from '../../lambdas/core/accounting/cost-report.js';
import type { LedgerRecord, LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';
import { generateLedgerMonth } from '../support/ledger-export-fixtures.js';

const micros = (usd: number) => Math.round(usd * 1_000_000);
/** Every instance type as an 8-GPU H100 host: enough for the gpu-model grouping to run. */
const acceleratorsOf = () => ({ gpuModel: 'H100', gpuCount: 8 });
const NOV = { from: '2026-11-01', to: '2026-11-30' } as const;

const usage = (over: Partial<LedgerUsage>): LedgerUsage => ({
  kind: 'usage',
  instanceId: 'i-1',
  jobId: 'job-1',
  allocationId: 'a-1',
  team: 'vision',
  project: 'detector',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'p5.48xlarge',
  purchaseOption: 'spot',
  unitPriceUsdPerHour: 20,
  onDemandPriceUsdPerHour: 50,
  startedAt: '2026-11-03T00:00:00Z',
  stoppedAt: '2026-11-03T10:00:00Z',
  interrupted: false,
  ...over,
});

const SMALL: LedgerRecord[] = [
  { kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 1000 },
  { kind: 'budget', team: 'nlp', period: '2026-11', limitUsd: 500 },
  usage({}),
  usage({
    instanceId: 'i-2',
    jobId: 'job-2',
    team: 'nlp',
    project: 'llm',
    purchaseOption: 'on-demand',
    unitPriceUsdPerHour: 50,
    startedAt: '2026-11-03T20:00:00Z',
    stoppedAt: '2026-11-04T04:00:00Z',
  }),
  usage({ instanceId: 'i-3', jobId: 'job-3', interrupted: true, lastCheckpointAt: '2026-11-03T08:00:00Z' }),
];

describe('cost report', () => {
  it('groups by team with actual, on-demand equivalent, savings, interrupted cost and budget used', async () => {
    const report = await buildCostReport(SMALL, { ...NOV, groupBy: 'team' });
    expect(report.rows.map((r) => r.key)).toEqual(['nlp', 'vision']);
    const vision = report.rows.find((r) => r.key === 'vision');
    expect(vision).toMatchObject({
      actualUsd: 400,
      onDemandEquivalentUsd: 1000,
      savingsUsd: 600,
      savingsPct: 60,
      interruptedUsd: 40,
      spotUsd: 400,
      onDemandUsd: 0,
      budgetUsd: 1000,
      budgetUsedPct: 40,
      instanceHours: 20,
    });
    expect(report.totals).toMatchObject({ actualUsd: 800, budgetUsd: 1500 });
    expect(report.topJobs.map((j) => j.jobId)).toEqual(['job-2', 'job-1', 'job-3']);
  });

  it('splits an interval that crosses midnight between day rows', async () => {
    const report = await buildCostReport(SMALL, { ...NOV, groupBy: 'day' });
    expect(report.rows.map((r) => [r.key, r.actualUsd])).toEqual([
      ['2026-11-03', 600],
      ['2026-11-04', 200],
    ]);
    expect(report.rows.every((r) => r.team === null)).toBe(true);
  });

  it('keeps projects of different teams apart and reports estimate accuracy from allocations in the window', async () => {
    const records: LedgerRecord[] = [
      ...generateLedgerMonth({ jobs: 40, seed: 7 }),
      ...generateLedgerMonth({ jobs: 5, seed: 8, month: '2026-10' }),
    ];
    const report = await buildCostReport(records, { ...NOV, groupBy: 'project' });
    for (const row of report.rows) expect(row.key.startsWith(`${row.team}/`)).toBe(true);
    const estimate = records
      .filter(
        (r) => r.kind === 'job' && r.allocation !== null && r.allocation.allocatedAt.startsWith('2026-11'),
      )
      .reduce((s, r) => s + (r.kind === 'job' ? micros(r.allocation?.expectedCostUsd ?? 0) : 0), 0);
    expect(micros(report.totals.estimateUsd)).toBe(estimate);
    expect(report.totals.estimateAccuracy).toBeCloseTo(
      report.totals.actualUsd / report.totals.estimateUsd,
      3,
    );
  });

  it('reports budget use per month for month rows, summing every team limit', async () => {
    const report = await buildCostReport(SMALL, { ...NOV, groupBy: 'month' });
    expect(report.rows).toEqual([
      expect.objectContaining({ key: '2026-11', budgetUsd: 1500, budgetUsedPct: 53.33 }),
    ]);
  });

  it('leaves out usage and budgets outside the window', async () => {
    const report = await buildCostReport(SMALL, { from: '2026-11-04', to: '2026-11-30', groupBy: 'job' });
    expect(report.rows.map((r) => [r.key, r.actualUsd])).toEqual([['job-2', 200]]);
    const december = await buildCostReport(SMALL, { from: '2026-12-01', to: '2026-12-31', groupBy: 'team' });
    expect(december.totals).toMatchObject({ actualUsd: 0, budgetUsd: null });
  });

  it('names the bad option', async () => {
    await expect(
      buildCostReport([], { from: '2026-11-31', to: '2026-12-01', groupBy: 'team' }),
    ).rejects.toThrow(/^from: must be a date YYYY-MM-DD; got "2026-11-31"/);
    await expect(
      buildCostReport([], { from: '2026-11-02', to: '2026-11-01', groupBy: 'team' }),
    ).rejects.toThrow(ReportOptionError);
    await expect(buildCostReport([], { ...NOV, groupBy: 'week' as 'team' })).rejects.toThrow(
      /groupBy: must be one of/,
    );
  });

  it('lists the months a window touches', () => {
    expect(periodsIn(reportWindow('2026-11-15', '2027-01-02'))).toEqual(['2026-11', '2026-12', '2027-01']);
  });

  it('totals equal Σ usage hours × stored unit price to the cent, for any grouping, and rows add up to totals', async () => {
    const usageArb = fc.record({
      team: fc.constantFrom('vision', 'nlp', '<script>'),
      project: fc.constantFrom('a', 'b'),
      job: fc.integer({ min: 1, max: 8 }),
      startSec: fc.integer({ min: 0, max: 29 * 86_400 }),
      durationSec: fc.integer({ min: 0, max: 3 * 86_400 }),
      priceMicros: fc.integer({ min: 0, max: 120_000_000 }),
      spot: fc.boolean(),
      interrupted: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(usageArb, { maxLength: 40 }),
        fc.constantFrom(...GROUP_BYS),
        async (draws, groupBy) => {
          const base = Date.parse('2026-11-01T00:00:00Z');
          const iso = (sec: number) => new Date(base + sec * 1000).toISOString().replace('.000Z', 'Z');
          const records = draws.map((d, i) =>
            usage({
              instanceId: `i-${i}`,
              jobId: `job-${d.job}`,
              team: d.team,
              project: d.project,
              purchaseOption: d.spot ? 'spot' : 'on-demand',
              unitPriceUsdPerHour: d.priceMicros / 1_000_000,
              startedAt: iso(d.startSec),
              stoppedAt: iso(d.startSec + d.durationSec),
              interrupted: d.interrupted,
            }),
          );
          // The window is the whole of November; anything running past it is clipped at Dec 1.
          const endSec = 30 * 86_400;
          const expected = draws.reduce(
            (s, d) =>
              s +
              (Math.max(0, Math.min(d.startSec + d.durationSec, endSec) - d.startSec) / 3600) *
                (d.priceMicros / 1e6),
            0,
          );
          const report: CostReport = await buildCostReport(records, { ...NOV, groupBy, acceleratorsOf });
          expect(Math.abs(report.totals.actualUsd - expected)).toBeLessThan(0.005);
          const sum = (k: 'actualUsd' | 'onDemandEquivalentUsd' | 'interruptedUsd' | 'spotUsd') =>
            report.rows.reduce((s, r) => s + micros(r[k]), 0);
          expect(sum('actualUsd')).toBe(micros(report.totals.actualUsd));
          expect(sum('onDemandEquivalentUsd')).toBe(micros(report.totals.onDemandEquivalentUsd));
          expect(sum('interruptedUsd')).toBe(micros(report.totals.interruptedUsd));
          expect(sum('spotUsd')).toBe(micros(report.totals.spotUsd));
          expect(micros(report.totals.spotUsd) + micros(report.totals.onDemandUsd)).toBe(
            micros(report.totals.actualUsd),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same totals for every grouping of a generated month', async () => {
    const totals = await Promise.all(
      GROUP_BYS.map(
        async (groupBy) =>
          (await buildCostReport(generateLedgerMonth({ jobs: 300 }), { ...NOV, groupBy, acceleratorsOf }))
            .totals,
      ),
    );
    for (const t of totals) expect(t).toEqual(totals[0]);
  });
});
