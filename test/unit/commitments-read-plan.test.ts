import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECORDED_NOW, recordedSource } from '../support/recorded-commitments-source.js';
import { runCommitmentsCommand } from '../support/run-commitments-command.js';
import { runPlanCommand } from '../support/run-plan-command.js';

/** The file `qm commitments` writes from the recorded account, planned with as `qm plan --commitments` would. */

const EXAMPLES = {
  'jobs.jsonl': readFileSync('examples/jobs.jsonl', 'utf8'),
  'quotas.json': readFileSync('examples/quotas.json', 'utf8'),
  'budgets.json': readFileSync('examples/budgets.json', 'utf8'),
};
const ARGS = [
  '--jobs',
  'jobs.jsonl',
  '--quotas',
  'quotas.json',
  '--budgets',
  'budgets.json',
  '--now',
  RECORDED_NOW,
];

interface JsonPlan {
  allocations: Array<{ jobId: string; expectedCostUsd: number; commitment?: { id: string; kind: string } }>;
  totals: { expectedCostUsd: number; committedUsd?: number };
}

const plan = async (files: Record<string, string>, extra: string[] = []): Promise<JsonPlan> => {
  const { out, err, exitCode } = await runPlanCommand([...ARGS, ...extra, '--format', 'json'], files);
  expect(exitCode, err).toBe(0);
  return JSON.parse(out) as JsonPlan;
};

describe('qm plan --commitments on a file read from the account', () => {
  it('plans on what was read, and costs less beyond it than at list prices', async () => {
    const read = await runCommitmentsCommand(['--region', 'us-east-1'], {
      source: recordedSource(),
      now: () => RECORDED_NOW,
    });
    expect(read.exitCode).toBe(0);
    const without = await plan(EXAMPLES);
    const withRead = await plan({ ...EXAMPLES, 'read.json': read.out }, ['--commitments', 'read.json']);
    const drawn = withRead.allocations.filter((a) => a.commitment !== undefined);
    expect(drawn.length).toBeGreaterThan(0);
    const readIds = new Set(
      (JSON.parse(read.out) as { commitments: { id: string }[] }).commitments.map((c) => c.id),
    );
    for (const a of drawn) {
      expect(readIds.has(a.commitment?.id ?? '')).toBe(true);
      expect(a.expectedCostUsd).toBe(0);
    }
    expect(withRead.totals.committedUsd).toBeGreaterThan(0);
    expect(withRead.totals.expectedCostUsd).toBeLessThan(without.totals.expectedCostUsd);
    // The read p4de ODCR takes the 4-node pretraining, the regional g5 and g6 RIs and the g6
    // ODCR take sweeps and inference, the Compute plan the rest of the small inference.
    expect([...new Set(drawn.map((a) => a.commitment?.id))].sort()).toEqual([
      '0b7d4c1a-93e6-4f25-8a1d-6c2e5f9b3a08',
      '3f1c9a2e-6b4d-4e8f-a1c7-5d2e9b0f4a63',
      '9a3e6f20-4b8c-4d17-b5e2-7f0c1d8a6e94',
      'cr-05e6f7a8b9c0d1e23',
      'cr-0a1b2c3d4e5f60718',
    ]);
    expect(drawn).toHaveLength(12);
    expect(without.totals.expectedCostUsd).toBeCloseTo(15_185.96, 2);
    expect(withRead.totals.expectedCostUsd).toBeCloseTo(1_862.28, 2);
    expect(withRead.totals.committedUsd).toBeCloseTo(13_637.35, 2);
  });
});
