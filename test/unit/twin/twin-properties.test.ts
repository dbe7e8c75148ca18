import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../../lambdas/core/jobs/job-request.js';
import type { UsageRecord } from '../../../lambdas/core/ports.js';
import type { Offer } from '../../../lambdas/core/pricing/offer.js';
import type { NamedSpotTrace } from '../../../lambdas/core/simulation/spot-pool-trace.js';
import type { SpotPolicyName } from '../../../lambdas/core/spot/spot-policy.js';
import { runTwin } from '../../../lambdas/twin/deployment-twin.js';
import { makeBook, makeJob, makeOffer } from '../../support/offer-fixtures.js';
import { realSolver } from './twin-fixtures.js';

/**
 * Properties of the deployed loop on small random inputs: the real use-cases, solver and ledger
 * on the simulated clock and EC2. Few runs each: every run is a whole deployment.
 */

const START = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const TEAMS = ['vision', 'nlp'] as const;

/** A100 nodes (96 vCPUs) in two regions, on-demand and spot in two zones each. */
const OFFERS: Offer[] = [
  ['us-east-1', 40, { 'us-east-1a': 12, 'us-east-1b': 13 }],
  ['us-west-2', 41, { 'us-west-2a': 11, 'us-west-2b': 14 }],
].flatMap(([region, onDemand, spot]) => [
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: region as string,
    purchaseOption: 'on-demand',
    priceUsdPerHour: onDemand as number,
    onDemandPriceUsdPerHour: onDemand as number,
  }),
  ...Object.entries(spot as Record<string, number>).map(([az, price]) =>
    makeOffer({
      instanceType: 'p4de.24xlarge',
      region: region as string,
      availabilityZone: az,
      purchaseOption: 'spot',
      priceUsdPerHour: price,
      onDemandPriceUsdPerHour: onDemand as number,
      interruptionBucket: 4,
    }),
  ),
]);
const BOOK = makeBook(OFFERS);
const VCPUS = 96;

const jobArb = (index: number) =>
  fc
    .record({
      hours: fc.integer({ min: 2, max: 24 }).map((q) => q / 2),
      nodes: fc.integer({ min: 1, max: 2 }),
      interruptible: fc.boolean(),
      checkpointMinutes: fc.option(fc.integer({ min: 15, max: 120 }), { nil: undefined }),
      submitMinutes: fc.integer({ min: 0, max: 240 }),
      /** Deadline as a multiple of the on-demand run, plus an hour for launches; none when absent. */
      slack: fc.option(fc.double({ min: 1, max: 3, noNaN: true }), { nil: undefined }),
      priority: fc.constantFrom(100, 500, 700),
      team: fc.constantFrom(...TEAMS),
    })
    .map(
      (j): JobRequest =>
        makeJob({
          jobId: `job-${index}`,
          team: j.team,
          priority: j.priority,
          submittedAt: new Date(START + j.submitMinutes * 60_000).toISOString(),
          resources: { gpus: 8, nodes: j.nodes, gpuModels: ['A100-80GB'] },
          runtime: {
            estimatedHours: j.hours,
            referenceGpuModel: 'A100-80GB',
            interruptible: j.interruptible,
            ...(j.checkpointMinutes !== undefined ? { checkpointMinutes: j.checkpointMinutes } : {}),
            ...(j.slack !== undefined
              ? {
                  deadline: new Date(
                    START + j.submitMinutes * 60_000 + (j.hours * j.slack + 1) * HOUR,
                  ).toISOString(),
                }
              : {}),
          },
        }),
    );

const jobsArb = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => jobArb(i))));

/** Availability in runs of up and down samples, so outages last a while as in the real traces. */
const tracesArb = fc
  .array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 30 })), { minLength: 2, maxLength: 20 })
  .map((runs): NamedSpotTrace[] => [
    {
      name: 'random',
      trace: {
        gapSeconds: 600,
        available: Uint8Array.from(runs.flatMap(([up, length]) => Array<number>(length).fill(up ? 1 : 0))),
      },
    },
  ]);

const POOLS = ['us-east-1', 'us-west-2'].flatMap((r) => [`${r}|on-demand/P`, `${r}|spot/P`]);
const quotasArb = fc.tuple(...POOLS.map(() => fc.constantFrom(192, 384)));

const twin = async (
  jobs: readonly JobRequest[],
  traces: readonly NamedSpotTrace[],
  limits: readonly number[],
  strategy: SpotPolicyName,
) =>
  runTwin({
    jobs,
    startMs: START,
    traces,
    solver: await realSolver(),
    priceBook: BOOK,
    quotas: { defaultVcpus: null, limits: new Map(POOLS.map((p, i) => [p, limits[i] ?? 0])) },
    strategy,
    horizonHours: 72,
    idleSolveSkipMinutes: 10,
    spotMarket: 'traces',
  });

/** Highest vCPUs running at once in each quota pool, from the usage intervals. */
const peakVcpus = (usage: readonly UsageRecord[], endMs: number): Map<string, number> => {
  const edges: [number, string, number][] = [];
  for (const u of usage) {
    const pool = `${u.region}|${u.purchaseOption === 'spot' ? 'spot/P' : 'on-demand/P'}`;
    edges.push([Date.parse(u.startedAt), pool, VCPUS]);
    edges.push([u.stoppedAt === null ? endMs : Date.parse(u.stoppedAt), pool, -VCPUS]);
  }
  // Stops before starts at the same instant: an instance handed over is not two at once.
  edges.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  const now = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const [, pool, delta] of edges) {
    const v = (now.get(pool) ?? 0) + delta;
    now.set(pool, v);
    peak.set(pool, Math.max(peak.get(pool) ?? 0, v));
  }
  return peak;
};

const RUNS = { numRuns: 15, endOnFailure: true } as const;

describe('the deployed loop on random small inputs', () => {
  it('never runs more vCPUs in a quota pool than its quota, bills the usage intervals, and repeats itself', async () => {
    await fc.assert(
      fc.asyncProperty(jobsArb, tracesArb, quotasArb, async (jobs, traces, limits) => {
        const first = await twin(jobs, traces, limits, 'quartermaster');
        const usage = [...first.usageByJob.values()].flat();
        for (const [pool, peak] of peakVcpus(usage, Date.parse(first.endedAt)))
          expect(peak, pool).toBeLessThanOrEqual(limits[POOLS.indexOf(pool)] ?? 0);
        const micros = usage.reduce((s, u) => s + Math.round((u.costUsd ?? 0) * 1e6), 0);
        expect(first.totals.costUsd).toBe(micros / 1e6);
        expect(first.errors).toEqual([]);
        expect(first.totals.jobsSucceeded + first.totals.jobsFailed + first.totals.jobsUnfinished).toBe(
          jobs.length,
        );
        const again = await twin(jobs, traces, limits, 'quartermaster');
        expect(again.jobs).toEqual(first.jobs);
        expect(again.totals).toEqual(first.totals);
      }),
      RUNS,
    );
  }, 120_000);

  // The solve's deadline rule and the requeue rule after an interruption (ADR 0002) are what keep
  // a deadline when spot vanishes: with room in every quota, no strategy may miss one.
  it('meets every deadline under every strategy when quotas do not bind', async () => {
    await fc.assert(
      fc.asyncProperty(jobsArb, tracesArb, async (jobs, traces) => {
        for (const strategy of ['quartermaster', 'greedy-spot', 'fleet-pco', 'on-demand'] as const) {
          const r = await twin(jobs, traces, [10_000, 10_000, 10_000, 10_000], strategy);
          expect(
            r.jobs.filter((j) => j.deadlineMissed).map((j) => j.jobId),
            strategy,
          ).toEqual([]);
          expect(r.totals.jobsSucceeded, strategy).toBe(jobs.length);
        }
      }),
      RUNS,
    );
  }, 240_000);

  // Spot up 5 h, down 1 h, over and over: an 11 h job that never checkpoints and has no deadline
  // loses every spot run. The lost-work cap (ADR 0014) is what finishes it.
  it('finishes a job that never checkpoints when no spot spell lasts its length', async () => {
    const job = makeJob({
      jobId: 'long',
      team: 'vision',
      submittedAt: new Date(START).toISOString(),
      resources: { gpus: 8, nodes: 1, gpuModels: ['A100-80GB'] },
      runtime: { estimatedHours: 11, referenceGpuModel: 'A100-80GB', interruptible: true },
    });
    const spells: NamedSpotTrace[] = [
      {
        name: 'short-spells',
        trace: {
          gapSeconds: 600,
          available: Uint8Array.from({ length: 72 * 6 }, (_, i) => (i % 36 < 30 ? 1 : 0)),
        },
      },
    ];
    for (const strategy of ['quartermaster', 'greedy-spot', 'fleet-pco'] as const) {
      const r = await twin([job], spells, [10_000, 10_000, 10_000, 10_000], strategy);
      expect(r.totals.jobsSucceeded, strategy).toBe(1);
      expect(r.totals.interruptions, strategy).toBeGreaterThan(0);
      const usage = r.usageByJob.get('long') ?? [];
      expect(usage.at(-1)?.purchaseOption, strategy).toBe('on-demand');
    }
  }, 60_000);

  it('never uses spot and is never interrupted under the on-demand strategy', async () => {
    await fc.assert(
      fc.asyncProperty(jobsArb, tracesArb, quotasArb, async (jobs, traces, limits) => {
        const r = await twin(jobs, traces, limits, 'on-demand');
        const usage = [...r.usageByJob.values()].flat();
        expect(usage.every((u) => u.purchaseOption === 'on-demand')).toBe(true);
        expect(r.totals.interruptions).toBe(0);
        expect(r.totals.reclaims).toBe(0);
        expect(r.totals.spotInstanceHours).toBe(0);
      }),
      RUNS,
    );
  }, 120_000);
});
