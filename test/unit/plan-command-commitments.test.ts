import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runPlanCommand } from '../support/run-plan-command.js';

const FILES: Record<string, string> = {
  'jobs.jsonl': readFileSync('examples/jobs.jsonl', 'utf8'),
  'quotas.json': readFileSync('examples/quotas.json', 'utf8'),
  'budgets.json': readFileSync('examples/budgets.json', 'utf8'),
  'commitments.json': readFileSync('examples/commitments.json', 'utf8'),
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
];
const WITH = [...BASE, '--commitments', 'commitments.json'];

interface JsonPlan {
  allocations: Array<{
    jobId: string;
    expectedCostUsd: number;
    commitment?: { id: string; kind: string; units: number; effectiveCostUsd: number };
  }>;
  totals: {
    expectedCostUsd: number;
    committedUsd?: number;
    onDemandEquivalentUsd: number;
    savingsPct: number;
  };
  decisions: Array<{ jobId: string; chosen: { commitment?: { id: string } } | null }>;
}

const planJson = async (args: string[], files = FILES): Promise<JsonPlan> => {
  const { out, exitCode } = await runPlanCommand([...args, '--format', 'json'], files);
  expect(exitCode).toBe(0);
  return JSON.parse(out) as JsonPlan;
};

describe('qm plan --commitments', () => {
  it('fills the example commitments first and costs the plan only what is not yet paid', async () => {
    const without = await planJson(BASE);
    const plan = await planJson(WITH);
    const drawn = plan.allocations.filter((a) => a.commitment !== undefined);
    const ids = new Set(drawn.map((a) => a.commitment?.id));
    // Every kind in the example is drawn on: the Savings Plan, both reservations and the block.
    expect([...ids].sort()).toEqual([
      'cr-09f8e7d6c5b4a3921',
      'cr-0a1b2c3d4e5f60718',
      'cr-0c1d2e3f4a5b6c7d8',
      'sp-0f3c8a1e2b4d6e7f9',
    ]);
    for (const a of drawn) expect(a.expectedCostUsd).toBe(0);
    // The Savings Plan covers at most its hourly commitment, each reservation at most its count.
    const units = (id: string) =>
      drawn.filter((a) => a.commitment?.id === id).reduce((s, a) => s + (a.commitment?.units ?? 0), 0);
    expect(units('sp-0f3c8a1e2b4d6e7f9')).toBeLessThanOrEqual(2.5);
    expect(units('cr-0a1b2c3d4e5f60718')).toBeLessThanOrEqual(4);
    expect(units('cr-09f8e7d6c5b4a3921')).toBeLessThanOrEqual(1);
    // What the account pays beyond its commitments falls; savings still count the committed hours.
    expect(plan.totals.expectedCostUsd).toBeLessThan(without.totals.expectedCostUsd);
    const committed = drawn.reduce((s, a) => s + (a.commitment?.effectiveCostUsd ?? 0), 0);
    expect(plan.totals.committedUsd).toBeCloseTo(committed, 6);
    expect(plan.totals.savingsPct).toBeCloseTo(
      (1 - (plan.totals.expectedCostUsd + committed) / plan.totals.onDemandEquivalentUsd) * 100,
      9,
    );
    for (const a of drawn)
      expect(plan.decisions.find((d) => d.jobId === a.jobId)?.chosen?.commitment?.id).toBe(a.commitment?.id);
  });

  it('lists what each commitment covers in the table and marks the jobs on one', async () => {
    const { out } = await runPlanCommand(WITH, FILES);
    expect(out).toMatch(/beyond [\d,.]+ USD drawn on commitments/);
    expect(out).toContain('Drawn on commitments (4)');
    expect(out).toMatch(/cr-0a1b2c3d4e5f60718 +capacity-reservation +4 instances .*nlp-pretrain-llm-7b/);
    expect(out).toMatch(/on-demand†/);
    expect(out).toMatch(/drawn on commitments +[\d,.]+ USD \(already paid\)/);
  });

  it('names the commitment id in the CSV view', async () => {
    const { out } = await runPlanCommand([...WITH, '--format', 'csv'], FILES);
    const [header, ...rows] = out.trim().split('\n');
    expect(header?.split(',').at(-1)).toBe('commitmentId');
    const pretrain = rows.find((r) => r.includes('nlp-pretrain-llm-7b'));
    expect(pretrain?.endsWith(',cr-0a1b2c3d4e5f60718')).toBe(true);
  });

  it('rejects a bad commitments file with exit 2, naming the file, the entry and the field', async () => {
    const bad = JSON.stringify({
      asOf: '2026-11-01',
      commitments: [
        {
          kind: 'capacity-reservation',
          id: 'cr-1',
          instanceType: 'p5.48xlarge',
          region: 'us-east-1',
          availabilityZone: 'us-west-2a',
          count: 0,
          start: '2026-11-01T00:00:00Z',
        },
        { kind: 'spot-block', id: 'x' },
      ],
    });
    const { err, exitCode } = await runPlanCommand([...BASE, '--commitments', 'c.json'], {
      ...FILES,
      'c.json': bad,
    });
    expect(exitCode).toBe(2);
    expect(err).toContain('invalid --commitments c.json');
    expect(err).toContain(
      'commitments[1].kind: must be one of savings-plan, reserved-instance, capacity-reservation, capacity-block',
    );
  });
});
