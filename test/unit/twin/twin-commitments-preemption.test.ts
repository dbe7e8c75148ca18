import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadStaticPriceBook } from '../../../lambdas/adapters/static-price-book.js';
import { parseCommitmentsText } from '../../../lambdas/core/commitments/commitments-file.js';
import type { JobRequest } from '../../../lambdas/core/jobs/job-request.js';
import { resolveCommitmentRates } from '../../../lambdas/core/planning/commitment-offers.js';
import type { Quotas } from '../../../lambdas/core/planning/plan-inputs.js';
import { runTwin } from '../../../lambdas/twin/deployment-twin.js';
import type { TwinInput } from '../../../lambdas/twin/twin-input.js';
import { exampleJobs, realSolver, START_MS, squareTrace } from './twin-fixtures.js';

/** The simulated deployment given the `commitments` and `preemption` props, as the solve gets them. */

const HOUR = 3_600_000;
/** Spot that never runs out, so only quotas and priorities decide. */
const CALM = [squareTrace(100_000, 1)];

const twin = async (jobs: readonly JobRequest[], overrides: Partial<TwinInput> = {}) =>
  runTwin({ jobs, startMs: START_MS, traces: CALM, solver: await realSolver(), ...overrides });

const exampleCommitments = () => {
  const parsed = parseCommitmentsText(readFileSync('examples/commitments.json', 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return resolveCommitmentRates(parsed.value.commitments, loadStaticPriceBook());
};

describe('the simulated deployment with commitments (ADR 0015)', () => {
  it('runs the 4-node pretraining on its idle ODCR, each usage line naming it, at no cost beyond it', async () => {
    const pretrain = (await exampleJobs()).filter((j) => j.jobId === 'nlp-pretrain-llm-7b');
    const withOdcr = await twin(pretrain, { commitments: exampleCommitments() });
    expect(withOdcr.jobs.map((j) => [j.jobId, j.state])).toEqual([['nlp-pretrain-llm-7b', 'SUCCEEDED']]);
    const usage = withOdcr.usageByJob.get('nlp-pretrain-llm-7b') ?? [];
    expect(usage).toHaveLength(4);
    for (const u of usage)
      expect(u).toMatchObject({
        instanceType: 'p4de.24xlarge',
        availabilityZone: 'us-east-1a',
        unitPriceUsdPerHour: 0,
      });
    const held = (await withOdcr.ledger.getJob('nlp-pretrain-llm-7b'))?.allocation?.allocation;
    expect(held?.commitment?.id).toBe('cr-0a1b2c3d4e5f60718');
    expect(withOdcr.jobs[0]?.costUsd).toBe(0);
    expect(withOdcr.invariants.every((c) => c.holds)).toBe(true);

    // Without the reservation the same job is bought at list price.
    const listPrice = await twin(pretrain);
    expect(listPrice.jobs[0]?.state).toBe('SUCCEEDED');
    expect(listPrice.jobs[0]?.costUsd).toBeGreaterThan(1000);
    expect(
      (await listPrice.ledger.getJob('nlp-pretrain-llm-7b'))?.allocation?.allocation.commitment,
    ).toBeUndefined();
  });
});

describe('the simulated deployment with preemption (ADR 0016)', () => {
  /** Room for one 4-vCPU spot GPU instance in us-east-1, none on-demand. */
  const QUOTAS: Quotas = { defaultVcpus: 0, limits: new Map([['us-east-1|spot/G', 4]]) };
  const jobs = async (): Promise<JobRequest[]> => {
    const base = (await exampleJobs()).find((j) => j.jobId === 'vision-sweep-lr-01');
    if (base === undefined) throw new Error('example job missing');
    const one = (jobId: string, priority: number, hours: number, submittedAt: string): JobRequest => ({
      ...base,
      jobId,
      priority,
      resources: { ...base.resources, regions: ['us-east-1'] },
      runtime: { ...base.runtime, estimatedHours: hours, interruptible: true, checkpointMinutes: 30 },
      submittedAt,
    });
    return [
      one('low-sweep', 100, 10, new Date(START_MS).toISOString()),
      one('urgent-eval', 900, 2, new Date(START_MS + 2 * HOUR).toISOString()),
    ];
  };
  const finished = (r: Awaited<ReturnType<typeof twin>>, id: string) =>
    Date.parse(r.jobs.find((j) => j.jobId === id)?.finishedAt ?? 'x');

  it('lets the urgent job take the low one’s place within its team; the low one is requeued and still finishes', async () => {
    const input = { quotas: QUOTAS, horizonHours: 72 } as const;
    const off = await twin(await jobs(), input);
    const on = await twin(await jobs(), { ...input, preemption: 'within-team' });
    for (const r of [off, on]) {
      expect(r.jobs.map((j) => j.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(r.invariants.every((c) => c.holds)).toBe(true);
    }
    // Off: the urgent job waits for the 10-hour sweep to end.
    expect(finished(off, 'urgent-eval')).toBeGreaterThan(finished(off, 'low-sweep'));
    expect(await off.ledger.listEvents('low-sweep')).not.toContainEqual(
      expect.objectContaining({
        data: expect.objectContaining({ detail: expect.objectContaining({ preemptedBy: 'urgent-eval' }) }),
      }),
    );
    // On: the sweep is stopped, requeued with its checkpointed work, and finishes after the urgent job.
    expect(finished(on, 'urgent-eval')).toBeLessThan(finished(on, 'low-sweep'));
    expect(finished(on, 'urgent-eval')).toBeLessThan(finished(off, 'urgent-eval'));
    const requeued = (await on.ledger.listEvents('low-sweep')).filter(
      (e) =>
        e.type === 'REQUEUED' &&
        (e.data.detail as { preemptedBy?: string } | undefined)?.preemptedBy === 'urgent-eval',
    );
    expect(requeued).toHaveLength(1);
    const detail = requeued[0]?.data.detail as { workDoneHours?: number } | undefined;
    expect(detail?.workDoneHours).toBeGreaterThan(0);
  });
});
