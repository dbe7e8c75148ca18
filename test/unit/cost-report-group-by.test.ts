import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import {
  buildCostReport,
  isGroupBy,
  ReportOptionError,
  untaggedKey,
} from '../../lambdas/core/accounting/cost-report.js';
import {
  type AcceleratorsOf,
  UNKNOWN_GPU_MODEL,
} from '../../lambdas/core/accounting/instance-accelerators.js';
import { isGpuModel } from '../../lambdas/core/jobs/gpu-model.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import { parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';

const NOV = { from: '2026-11-01', to: '2026-11-30' } as const;

const exampleRecords = async (): Promise<LedgerRecord[]> => {
  const out: LedgerRecord[] = [];
  const lines = readFileSync('examples/ledger-month.jsonl', 'utf8').split('\n');
  for await (const record of parseLedgerLines(lines, 'examples/ledger-month.jsonl')) out.push(record);
  return out;
};

/** Accelerators per instance type as the bundled price book states them (what `qm report` uses). */
const bookAccelerators = (): AcceleratorsOf => {
  const byType = new Map(loadStaticPriceBook().offers.map((o) => [o.instanceType, o]));
  return (type) => {
    const o = byType.get(type);
    return o === undefined ? undefined : { gpuModel: o.gpuModel, gpuCount: o.gpuCount };
  };
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

  it('groups the example month by GPU model with totals equal to the team totals', async () => {
    const records = await exampleRecords();
    const acceleratorsOf = bookAccelerators();
    const byTeam = await buildCostReport(records, { ...NOV, groupBy: 'team', acceleratorsOf });
    const byModel = await buildCostReport(records, { ...NOV, groupBy: 'gpu-model', acceleratorsOf });
    const byType = await buildCostReport(records, { ...NOV, groupBy: 'instance-type', acceleratorsOf });
    expect(byModel.instanceTypesWithoutAccelerators).toEqual([]);
    expect(byModel.rows.length).toBeGreaterThan(1);
    expect(byModel.rows.every((r) => isGpuModel(r.key) && r.team === null)).toBe(true);
    expect(byModel.totals).toEqual(byTeam.totals);
    expect(sumMicros(byModel.rows)).toBe(micros(byTeam.totals.actualUsd));
    // Each model's row is the sum of the instance types that carry it.
    for (const row of byModel.rows) {
      const types = byType.rows.filter((t) => acceleratorsOf(t.key)?.gpuModel === row.key);
      expect(sumMicros(types)).toBe(micros(row.actualUsd));
    }
  });

  it('files instance types the lookup does not know under one row and names them', async () => {
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
          instanceType: 'x9.future',
          purchaseOption: 'on-demand',
          unitPriceUsdPerHour: 3,
          onDemandPriceUsdPerHour: 3,
          startedAt: '2026-11-03T00:00:00Z',
          stoppedAt: '2026-11-03T02:00:00Z',
          interrupted: false,
        },
      ],
      { ...NOV, groupBy: 'gpu-model', acceleratorsOf: () => undefined },
    );
    expect(report.rows.map((r) => [r.key, r.actualUsd, r.gpuHours])).toEqual([[UNKNOWN_GPU_MODEL, 6, 0]]);
    expect(report.instanceTypesWithoutAccelerators).toEqual(['x9.future']);
    expect(report.totals.usdPerGpuHour).toBeNull();
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

describe('run-rate forecast', () => {
  const usage = (startedAt: string, stoppedAt: string, team = 'vision'): LedgerRecord => ({
    kind: 'usage',
    instanceId: `i-${startedAt}`,
    jobId: `j-${startedAt}`,
    allocationId: 'a-1',
    team,
    project: 'p',
    region: 'us-east-1',
    availabilityZone: 'use1-az1',
    instanceType: 'p5.48xlarge',
    purchaseOption: 'on-demand',
    unitPriceUsdPerHour: 20,
    onDemandPriceUsdPerHour: 20,
    startedAt,
    stoppedAt,
    interrupted: false,
  });

  it('carries half a month of spend on at its run rate and dates the budget running out (hand computed)', async () => {
    const report = await buildCostReport(
      [
        { kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 300 },
        { kind: 'budget', team: 'nlp', period: '2026-11', limitUsd: 1000 },
        // 10 h at 20 USD on the 3rd: 200 USD in the first 15 days.
        usage('2026-11-03T00:00:00Z', '2026-11-03T10:00:00Z'),
        usage('2026-11-05T00:00:00Z', '2026-11-05T03:00:00Z', 'nlp'),
      ],
      { ...NOV, groupBy: 'team', asOf: '2026-11-16T00:00:00Z' },
    );
    expect(report.asOf).toBe('2026-11-16T00:00:00.000Z');
    const vision = report.forecast.find((f) => f.team === 'vision');
    // 200 / 15 days = 13.33 a day; 15 days left: 400 by the 30th. 100 left lasts 7.5 days.
    expect(vision?.runRateUsdPerDay).toBeCloseTo(200 / 15, 2);
    expect(Math.abs((vision?.forecastUsd ?? 0) - 400) / 400).toBeLessThan(0.01);
    expect(vision?.budgetRemainingUsd).toBe(100);
    expect(vision?.budgetRunsOutOn).toBe('2026-11-23');
    // nlp: 60 USD in 15 days, 120 by the end, well within 1,000.
    const nlp = report.forecast.find((f) => f.team === 'nlp');
    expect(nlp?.forecastUsd).toBe(120);
    expect(nlp?.budgetRunsOutOn).toBeNull();
  });

  it('forecasts a closed period as its actual, and dates an overspent budget by the day spend reached it', async () => {
    const records: LedgerRecord[] = [
      { kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 100 },
      usage('2026-11-03T00:00:00Z', '2026-11-03T10:00:00Z'),
    ];
    const closed = await buildCostReport(records, { ...NOV, groupBy: 'team', asOf: '2026-12-02T08:00:00Z' });
    expect(closed.forecast[0]?.forecastUsd).toBe(200);
    expect(closed.forecast[0]?.budgetRunsOutOn).toBe('2026-11-03');
    const open = await buildCostReport(records, { ...NOV, groupBy: 'team', asOf: '2026-11-10T00:00:00Z' });
    expect(open.forecast[0]?.budgetRemainingUsd).toBe(-100);
    expect(open.forecast[0]?.budgetRunsOutOn).toBe('2026-11-03');
    await expect(buildCostReport(records, { ...NOV, groupBy: 'team', asOf: 'yesterday' })).rejects.toThrow(
      /asOf: must be an ISO date-time/,
    );
  });
});

describe('GPU-hours and USD per GPU-hour', () => {
  const usage = (jobId: string, instanceType: string, usdPerHour: number, hours: number): LedgerRecord => ({
    kind: 'usage',
    instanceId: `i-${jobId}`,
    jobId,
    allocationId: `${jobId}-a1`,
    team: 'vision',
    project: 'p',
    region: 'us-east-1',
    availabilityZone: 'use1-az1',
    instanceType,
    purchaseOption: 'on-demand',
    unitPriceUsdPerHour: usdPerHour,
    onDemandPriceUsdPerHour: usdPerHour,
    startedAt: '2026-11-03T00:00:00Z',
    stoppedAt: new Date(Date.parse('2026-11-03T00:00:00Z') + hours * 3_600_000).toISOString(),
    interrupted: false,
  });
  const acceleratorsOf: AcceleratorsOf = (type) =>
    ({
      'p5.48xlarge': { gpuModel: 'H100', gpuCount: 8 },
      'g6.xlarge': { gpuModel: 'L4', gpuCount: 1 },
    })[type];

  it('counts instance-hours times GPUs per instance and divides the actual by them (hand computed)', async () => {
    const report = await buildCostReport(
      [usage('a', 'p5.48xlarge', 20, 10), usage('b', 'g6.xlarge', 0.8, 20), usage('c', 'x9.future', 5, 4)],
      { ...NOV, groupBy: 'instance-type', acceleratorsOf },
    );
    const row = (key: string) => report.rows.find((r) => r.key === key);
    // p5: 10 h × 8 GPUs = 80 GPU-h for 200 USD, 2.50 a GPU-hour; g6: 20 GPU-h for 16 USD, 0.80.
    expect(row('p5.48xlarge')).toMatchObject({ gpuHours: 80, usdPerGpuHour: 2.5 });
    expect(row('g6.xlarge')).toMatchObject({ gpuHours: 20, usdPerGpuHour: 0.8 });
    expect(row('x9.future')).toMatchObject({ gpuHours: 0, usdPerGpuHour: null });
    // The total divides the 216 USD of known GPUs by their 100 GPU-hours; the 20 USD on x9 are left out.
    expect(report.totals).toMatchObject({ actualUsd: 236, gpuHours: 100, usdPerGpuHour: 2.16 });
    expect(report.teams[0]).toMatchObject({ gpuHours: 100, usdPerGpuHour: 2.16 });
    expect(report.instanceTypesWithoutAccelerators).toEqual(['x9.future']);
    const plain = await buildCostReport([usage('a', 'p5.48xlarge', 20, 10)], { ...NOV, groupBy: 'team' });
    expect(plain.totals).toMatchObject({ gpuHours: null, usdPerGpuHour: null });
  });
});
