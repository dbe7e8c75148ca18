import { describe, expect, it } from 'vitest';
import { loadStaticPriceBook } from '../../../lambdas/adapters/static-price-book.js';
import type { JobRequest } from '../../../lambdas/core/jobs/job-request.js';
import type { JobEvent } from '../../../lambdas/core/ports.js';
import { intervalCostUsd } from '../../../lambdas/core/use-cases/close-reservation.js';
import { runTwin } from '../../../lambdas/twin/deployment-twin.js';
import type { TwinInput } from '../../../lambdas/twin/twin-input.js';
import { bundledTraces, exampleJobs, realSolver, START_MS, squareTrace } from './twin-fixtures.js';

/** What a transition recorded about itself (the event's `detail`). */
const detail = (event: JobEvent | undefined): Record<string, unknown> | undefined =>
  event?.data.detail as Record<string, unknown> | undefined;

/** State changes only: usage starts and stops are chained too (ADR 0010) but move no state. */
const isTransition = (event: JobEvent): boolean => !event.type.startsWith('USAGE_');

const pick = async (ids: readonly string[]): Promise<JobRequest[]> =>
  (await exampleJobs()).filter((j) => ids.includes(j.jobId));

const FEW = ['vision-sweep-lr-01', 'speech-sweep-vad-01', 'recsys-infer-ctr-nightly', 'nlp-eval-llm-70b'];

/** An interruptible 3-hour job that checkpoints every 20 minutes and may run on the cheapest GPU. */
const spotJob = (base: JobRequest): JobRequest => ({
  ...base,
  jobId: 'spot-sweep',
  runtime: { ...base.runtime, estimatedHours: 3, interruptible: true, checkpointMinutes: 20 },
});

const twin = async (jobs: readonly JobRequest[], overrides: Partial<TwinInput> = {}) =>
  runTwin({
    jobs,
    startMs: START_MS,
    traces: await bundledTraces(),
    solver: await realSolver(),
    ...overrides,
  });

describe('runTwin', () => {
  it('runs example jobs through the deployed pipeline to completion', async () => {
    const jobs = await pick(FEW);
    const progress: number[] = [];
    const result = await twin(jobs, { onProgress: (done) => progress.push(done) });
    expect(result.stoppedBy).toBe('all-terminal');
    expect(result.errors).toEqual([]);
    expect(result.jobs.map((j) => [j.jobId, j.state, j.deadlineMissed])).toEqual(
      jobs.map((j) => [j.jobId, 'SUCCEEDED', false]),
    );
    expect(result.totals.solves).toBeGreaterThan(0);
    expect(result.totals.jobsSucceeded).toBe(jobs.length);
    expect(progress.at(-1)).toBe(jobs.length);
    for (const job of jobs) {
      const types = (await result.ledger.listEvents(job.jobId)).filter(isTransition).map((e) => e.type);
      expect(types[0]).toBe('RECEIVED');
      expect(types).toContain('ALLOCATED');
      expect(types).toContain('RUNNING');
      expect(types.at(-1)).toBe('SUCCEEDED');
    }
  });

  it('interrupts a reclaimed spot job, requeues it with its checkpoints and finishes it', async () => {
    const [base] = await pick(['vision-sweep-lr-01']);
    if (base === undefined) throw new Error('example job missing');
    // Every pool: capacity for 80 minutes, then none for 30, from a hashed offset.
    // As recorded: the mechanism under test, not the advisor calibration (tested below).
    const result = await twin([spotJob(base)], {
      traces: [squareTrace(8, 3)],
      spotMarket: 'traces',
      ec2: { rebalanceShare: 0 },
    });
    const [outcome] = result.jobs;
    expect(outcome?.state).toBe('SUCCEEDED');
    expect(outcome?.interruptions).toBeGreaterThan(0);
    expect(result.totals.reclaims).toBeGreaterThan(0);
    const events = (await result.ledger.listEvents('spot-sweep')).filter(isTransition);
    const at = events.findIndex((e) => e.type === 'INTERRUPTED');
    expect(events[at - 1]?.type).toBe('RUNNING');
    expect(detail(events[at])?.reason).toBe('spot interruption warning (terminate)');
    const requeued = events[at + 1];
    expect(requeued?.type).toBe('REQUEUED');
    expect(detail(requeued)?.workDoneHours).toBeGreaterThan(0);
    expect(events.slice(at + 2).map((e) => e.type)).toContain('ALLOCATED');
    expect(events.at(-1)?.type).toBe('SUCCEEDED');
    // The reclaimed instance stopped being billed when the warning came (the job gave it up).
    const usage = await result.ledger.listUsageByJob('spot-sweep');
    const interruptedAllocation = detail(events[at])?.allocationId;
    const stopped = usage.filter((u) => u.allocationId === interruptedAllocation);
    expect(stopped.length).toBeGreaterThan(0);
    for (const u of stopped) expect(u.stoppedAt).toBe(events[at]?.at);
  });

  it('refuses a spot launch on a pool without capacity and marks the offer unavailable', async () => {
    const [base] = await pick(['vision-sweep-lr-01']);
    if (base === undefined) throw new Error('example job missing');
    const never = { name: 'never', trace: { gapSeconds: 600, available: new Uint8Array(6) } };
    // One hour is enough to see it: a job without a deadline keeps waiting for spot.
    const result = await twin([spotJob(base)], { traces: [never], horizonHours: 1, spotMarket: 'traces' });
    const events = await result.ledger.listEvents('spot-sweep');
    const refused = events.find(
      (e) => e.type === 'REQUEUED' && String(detail(e)?.reason).startsWith('insufficient-capacity'),
    );
    expect(String(detail(refused)?.reason)).toContain('InsufficientInstanceCapacity');
    const offerIds = detail(refused)?.offerIds as string[];
    expect(offerIds.length).toBeGreaterThan(0);
    const marked = await result.ledger.listUnavailableOffers(result.startedAt);
    for (const id of offerIds) expect(marked.map((m) => m.offerId)).toContain(id);
    expect(result.stoppedBy).toBe('horizon');
    expect(result.jobs[0]?.state).toBe('PENDING');
    expect(result.totals.spotInstanceHours).toBe(0);
  });

  it('reports costs equal to the usage records at their stored unit prices', async () => {
    const [base] = await pick(['vision-sweep-lr-01']);
    if (base === undefined) throw new Error('example job missing');
    const jobs = [...(await pick(FEW)), spotJob(base)];
    const result = await twin(jobs, { traces: [squareTrace(8, 3)] });
    let total = 0;
    for (const job of result.jobs) {
      const usage = await result.ledger.listUsageByJob(job.jobId);
      expect(usage.length).toBeGreaterThan(0);
      let micros = 0;
      for (const u of usage) {
        expect(u.stoppedAt).not.toBeNull();
        expect(u.costUsd).toBe(intervalCostUsd(u.startedAt, u.stoppedAt ?? '', u.unitPriceUsdPerHour));
        micros += Math.round((u.costUsd ?? 0) * 1e6);
      }
      expect(job.costUsd).toBe(micros / 1e6);
      total += micros;
    }
    expect(result.totals.costUsd).toBe(total / 1e6);
  });

  it('gives the same result twice', async () => {
    const [base] = await pick(['vision-sweep-lr-01']);
    if (base === undefined) throw new Error('example job missing');
    const jobs = [...(await pick(FEW)), spotJob(base)];
    const run = async () => {
      const r = await twin(jobs, { traces: [squareTrace(8, 3)] });
      const heads = await Promise.all(
        jobs.map(async (j) => (await r.ledger.listEvents(j.jobId)).at(-1)?.hash),
      );
      return { jobs: r.jobs, totals: r.totals, endedAt: r.endedAt, heads };
    };
    expect(await run()).toEqual(await run());
  });

  it("thins a calm pool's outages by its advisor bucket: fewer reclaims than the trace as recorded", async () => {
    const [base] = await pick(['vision-sweep-lr-01']);
    if (base === undefined) throw new Error('example job missing');
    const job = { ...spotJob(base), runtime: { ...spotJob(base).runtime, estimatedHours: 24 } };
    const run = (spotMarket: 'advisor' | 'traces') =>
      twin([job], { traces: [squareTrace(8, 3)], spotMarket, ec2: { rebalanceShare: 0 } });
    const recorded = await run('traces');
    const advisor = await run('advisor');
    const usage = await advisor.ledger.listUsageByJob(job.jobId);
    const spot = usage.filter((u) => u.purchaseOption === 'spot');
    // The bundled book prices spot per region, so a pool is the type in its region.
    const buckets = loadStaticPriceBook()
      .offers.filter(
        (o) =>
          o.purchaseOption === 'spot' &&
          spot.some(
            (u) =>
              u.instanceType === o.instanceType &&
              u.region === o.region &&
              (o.availabilityZone === null || o.availabilityZone === u.availabilityZone),
          ),
      )
      .map((o) => o.interruptionBucket);
    // The job's spot pools are rated calmer than the traces' ">20 %", so the calibrated market
    // reclaims less often.
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((b) => b !== null && b < 4)).toBe(true);
    expect(recorded.totals.reclaims).toBeGreaterThan(0);
    expect(advisor.totals.reclaims).toBeLessThan(recorded.totals.reclaims);
    expect(advisor.jobs[0]?.state).toBe('SUCCEEDED');
  });

  it('runs the on-demand baseline without spot', async () => {
    const result = await twin(await pick(FEW), { strategy: 'on-demand' });
    expect(result.jobs.every((j) => j.state === 'SUCCEEDED')).toBe(true);
    expect(result.totals.spotInstanceHours).toBe(0);
    expect(result.totals.reclaims).toBe(0);
  });
});
