import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runPlanCommand } from '../support/run-plan-command.js';

const FILES: Record<string, string> = {
  'jobs.jsonl': readFileSync('examples/jobs.jsonl', 'utf8'),
  'quotas.json': readFileSync('examples/quotas.json', 'utf8'),
  'budgets.json': readFileSync('examples/budgets.json', 'utf8'),
  'commitments.json': readFileSync('examples/commitments.json', 'utf8'),
  'cb.json': readFileSync('examples/capacity-block-offerings.json', 'utf8'),
};
const BASE = [
  '--jobs',
  'jobs.jsonl',
  '--quotas',
  'quotas.json',
  '--budgets',
  'budgets.json',
  '--now',
  '2026-11-26T12:00:00Z',
  '--capacity-block-offerings',
  'cb.json',
];

interface JsonAdvice {
  offeringsConsidered: number;
  buyFeeUsd: number;
  buySavingUsd: number;
  noMatchingType: string[];
  lines: Array<{
    decision: string;
    planned: string;
    jobs: Array<{ jobId: string; blockHours: number | null }>;
    offering: { id: string } | null;
    feeUsd: number | null;
    plannedCostUsd: number | null;
    savingUsd: number | null;
    reason: string;
  }>;
}

const adviceJson = async (args: string[], files = FILES) => {
  const { out, err, exitCode } = await runPlanCommand([...args, '--format', 'json'], files);
  expect(err).toBe('');
  expect(exitCode).toBe(0);
  const plan = JSON.parse(out) as {
    capacityBlockAdvice: JsonAdvice;
    waiting: Array<{ jobId: string; constraint: string }>;
  };
  return plan;
};

describe('qm plan --capacity-block-offerings', () => {
  it('prices the example offerings for the example deadline jobs: none is worth buying', async () => {
    const { capacityBlockAdvice: advice } = await adviceJson(BASE);
    expect(advice.offeringsConsidered).toBe(4);
    // The evaluation runs 6.2 h on p5 on-demand; the cheapest p5 block that fits lasts 24 h.
    expect(advice.lines).toHaveLength(1);
    expect(advice.lines[0]).toMatchObject({
      decision: 'do-not-buy',
      planned: 'on-demand',
      feeUsd: 752.95,
      plannedCostUsd: 341.25,
      savingUsd: -411.7,
    });
    expect(advice.lines[0]?.offering?.id).toBe('cb-0a1b2c3d4e5f6a7b8');
    expect(advice.lines[0]?.jobs.map((j) => [j.jobId, j.blockHours])).toEqual([['nlp-eval-llm-70b', 6.2]]);
    expect(advice.noMatchingType).toEqual([
      'recsys-batch-backfill',
      'recsys-infer-ctr-nightly',
      'speech-batch-forced-align',
      'vision-batch-eval-release',
    ]);
    expect([advice.buyFeeUsd, advice.buySavingUsd]).toEqual([0, 0]);
  });

  it('adds the advice section after the plan table', async () => {
    const { out, exitCode } = await runPlanCommand(BASE, FILES);
    expect(exitCode).toBe(0);
    const section = out.slice(out.indexOf('Capacity Block advice'));
    expect(out.indexOf('Capacity Block advice')).toBeGreaterThan(out.indexOf('gap to lower bound'));
    expect(section).toMatch(/^Capacity Block advice \(4 offerings\)\n {2}advice only: nothing is bought\./);
    expect(section).toMatch(
      /do-not-buy +nlp-eval-llm-70b +cb-0a1b2c3d4e5f6a7b8 +752\.95 +341\.25 +-411\.70 +fee 752\.95 USD is not below/,
    );
    expect(section).toContain(
      '4 more deadline jobs waiting or on on-demand, no offering of a type they can use',
    );
    // Like the rest of the table view, the section fits 120 columns: the reason wraps.
    for (const line of section.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(120);
    expect(section.trimEnd().endsWith('buy 0 blocks: 0.00 USD in fees, 0.00 USD saved on placed jobs')).toBe(
      true,
    );
  });

  it('has nothing to price with the example commitments: the evaluation runs on the held block', async () => {
    const { capacityBlockAdvice: advice } = await adviceJson([...BASE, '--commitments', 'commitments.json']);
    expect(advice.lines).toEqual([]);
    expect(advice.noMatchingType).toEqual([
      'recsys-batch-backfill',
      'recsys-infer-ctr-nightly',
      'vision-batch-eval-release',
    ]);
  });

  it('advises buying a block for a deadline job the quota keeps waiting, at the price of meeting the deadline', async () => {
    const late = {
      jobId: 'nlp-train-deadline',
      team: 'nlp',
      project: 'llm-deadline',
      priority: 100,
      resources: { gpus: 8, nodes: 2, gpuModels: ['H100'], efa: true, regions: ['us-east-1'] },
      runtime: { estimatedHours: 30, referenceGpuModel: 'H100', deadline: '2026-12-03T00:00:00Z' },
    };
    const files = { ...FILES, 'jobs.jsonl': `${FILES['jobs.jsonl']}${JSON.stringify(late)}\n` };
    const plan = await adviceJson(BASE, files);
    expect(plan.waiting.find((w) => w.jobId === 'nlp-train-deadline')?.constraint).toBe(
      'quota:us-east-1:on-demand/P',
    );
    const line = plan.capacityBlockAdvice.lines.find((l) =>
      l.jobs.some((j) => j.jobId === 'nlp-train-deadline'),
    );
    // The 2-instance us-east-1 block starts 2026-11-30 11:30 and lasts 48 h; the run needs 30.2 h.
    expect(line).toMatchObject({ decision: 'buy', planned: 'waiting', feeUsd: 3011.79, savingUsd: null });
    expect(line?.offering?.id).toBe('cb-0c3d4e5f6a7b8c9d0');
    expect(line?.reason).toMatch(/3011\.79 USD is the price of meeting it/);
    expect(plan.capacityBlockAdvice.buyFeeUsd).toBe(3011.79);
  });

  it('rejects a bad offerings file with exit 2, naming the file, the item and the field', async () => {
    const bad = JSON.stringify({
      CapacityBlockOfferings: [
        {
          CapacityBlockOfferingId: 'cb-1',
          InstanceType: 'p5.48xlarge',
          AvailabilityZone: 'us-east-1a',
          InstanceCount: 1,
          StartDate: '2026-11-27T11:30:00Z',
          EndDate: '2026-11-28T11:30:00Z',
          CapacityBlockDurationHours: 24,
          UpfrontFee: 750,
          CurrencyCode: 'USD',
          Tenancy: 'default',
        },
      ],
    });
    const { out, err, exitCode } = await runPlanCommand(BASE, { ...FILES, 'cb.json': bad });
    expect(exitCode).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      /^qm plan: invalid --capacity-block-offerings cb\.json: CapacityBlockOfferings\[0\]\.UpfrontFee: /,
    );
  });

  it('refuses the CSV view, which has no place for the advice', async () => {
    const { err, exitCode } = await runPlanCommand([...BASE, '--format', 'csv'], FILES);
    expect(exitCode).toBe(2);
    expect(err).toContain('--capacity-block-offerings has no CSV view; use --format table or json');
  });
});
