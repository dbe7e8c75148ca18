import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import type { Offer, QuotaClass } from '../../lambdas/core/pricing/offer.js';
import {
  type FleetPolicyResult,
  type FleetSimulationInput,
  prepareFleet,
  simulateFleet,
} from '../../lambdas/core/simulation/fleet-simulation.js';
import { SPOT_POLICY_NAMES } from '../../lambdas/core/spot/spot-policy.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

const START = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const TEAMS = ['vision', 'nlp', 'speech'] as const;

/** A100 nodes in two regions, on-demand and spot in two zones each (spot prices differ per zone). */
const OFFERS: Offer[] = [
  ['us-east-1', 40, { 'use1-az1': 12, 'use1-az2': 13 }],
  ['us-west-2', 41, { 'usw2-az1': 11, 'usw2-az2': 14 }],
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
    }),
  ),
]);
const BOOK = makeBook(OFFERS);

const jobArb = (index: number) =>
  fc
    .record({
      hours: fc.integer({ min: 1, max: 48 }).map((q) => q / 4),
      nodes: fc.integer({ min: 1, max: 2 }),
      interruptible: fc.boolean(),
      checkpointMinutes: fc.option(fc.integer({ min: 10, max: 120 }), { nil: undefined }),
      /** Deadline as a multiple of the on-demand run, plus a margin; none when absent. */
      slack: fc.option(fc.double({ min: 1, max: 3, noNaN: true }), { nil: undefined }),
      submitMinutes: fc.integer({ min: 0, max: 300 }),
      priority: fc.constantFrom(100, 500, 700),
      team: fc.constantFrom(...TEAMS),
    })
    .map((j): JobRequest => {
      const submitted = START + j.submitMinutes * 60_000;
      // Deadlines count from the tick the job becomes active at (the next 10-minute boundary).
      const active = START + Math.ceil(j.submitMinutes / 10) * 600_000;
      return makeJob({
        jobId: `job-${index}`,
        team: j.team,
        priority: j.priority,
        submittedAt: new Date(submitted).toISOString(),
        resources: { gpus: 8, nodes: j.nodes, gpuModels: ['A100-80GB'] },
        runtime: {
          estimatedHours: j.hours,
          referenceGpuModel: 'A100-80GB',
          interruptible: j.interruptible,
          ...(j.checkpointMinutes !== undefined ? { checkpointMinutes: j.checkpointMinutes } : {}),
          ...(j.slack !== undefined
            ? { deadline: new Date(active + (j.hours * j.slack + 0.25) * HOUR).toISOString() }
            : {}),
        },
      });
    });

const jobsArb = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => jobArb(i))));

/** Availability in runs of up and down ticks, so outages last a while as in the real traces. */
const traceArb = fc
  .array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 30 })
  .map((runs) => ({
    gapSeconds: 600,
    available: Uint8Array.from(runs.flatMap(([up, length]) => Array<number>(length).fill(up ? 1 : 0))),
  }));

const tracesArb = fc
  .array(traceArb, { minLength: 1, maxLength: 3 })
  .map((ts) => ts.map((trace, i) => ({ name: `t${i}`, trace })));

const POOLS = ['us-east-1', 'us-west-2'].flatMap((r) => [`${r}|on-demand/P`, `${r}|spot/P`]);
const quotasArb = fc.tuple(...POOLS.map(() => fc.constantFrom<number | null>(96, 192, 384, null)));

const inputOf = (
  jobs: readonly JobRequest[],
  traces: FleetSimulationInput['traces'],
  limits: readonly (number | null)[] | null,
): FleetSimulationInput => ({
  jobs,
  priceBook: BOOK,
  quotaLimit: (region: string, cls: QuotaClass) =>
    limits === null ? null : (limits[POOLS.indexOf(`${region}|${cls}`)] ?? null),
  traces,
  startMs: START,
  tickMinutes: 10,
  horizonHours: 200,
});

const runAll = (input: FleetSimulationInput): FleetPolicyResult[] => {
  const setup = prepareFleet(input);
  return SPOT_POLICY_NAMES.map((p) => simulateFleet(setup, p));
};

describe('simulateFleet properties (random small job sets, traces and quotas)', () => {
  it('never runs more vCPUs in a quota pool than its quota, under any policy', () => {
    fc.assert(
      fc.property(jobsArb, tracesArb, quotasArb, (jobs, traces, limits) => {
        for (const r of runAll(inputOf(jobs, traces, limits))) {
          for (const [pool, peak] of Object.entries(r.peakVcpus)) {
            const limit = limits[POOLS.indexOf(pool)];
            if (limit !== null && limit !== undefined) expect(peak).toBeLessThanOrEqual(limit);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  // All four policies share the deadline safety rule (spot-policy.ts), so all four are held to it.
  it('meets every feasible deadline under every policy when quotas do not bind', () => {
    fc.assert(
      fc.property(jobsArb, tracesArb, (jobs, traces) => {
        const setup = prepareFleet(inputOf(jobs, traces, null));
        for (const policy of SPOT_POLICY_NAMES) {
          const r = simulateFleet(setup, policy);
          // Every generated deadline leaves room for an on-demand run, so every job is placed.
          expect(r.jobsUnplaced).toBe(0);
          expect(r.jobs.filter((j) => j.missedDeadline).map((j) => j.jobId)).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('never interrupts and never uses spot under the on-demand policy', () => {
    fc.assert(
      fc.property(jobsArb, tracesArb, quotasArb, (jobs, traces, limits) => {
        const setup = prepareFleet(inputOf(jobs, traces, limits));
        const r = simulateFleet(setup, 'on-demand');
        expect(r.interruptions).toBe(0);
        expect(r.spotHours).toBe(0);
        expect(r.usage.every((u) => u.purchaseOption === 'on-demand')).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('bills exactly the sum of hours x nodes x unit price over the usage intervals', () => {
    fc.assert(
      fc.property(jobsArb, tracesArb, quotasArb, (jobs, traces, limits) => {
        for (const r of runAll(inputOf(jobs, traces, limits))) {
          const billed = r.usage.reduce((s, u) => s + u.hours * u.nodes * u.unitPriceUsdPerHour, 0);
          const offers = new Map(OFFERS.map((o) => [o.id, o]));
          expect(r.totalCostUsd).toBeCloseTo(billed, 6);
          expect(r.jobs.reduce((s, j) => s + j.costUsd, 0)).toBeCloseTo(billed, 6);
          for (const u of r.usage) {
            // The stored unit price is the price book's, and an interval's length is its hours.
            expect(u.unitPriceUsdPerHour).toBe(offers.get(u.offerId)?.priceUsdPerHour);
            expect((u.endMs - u.startMs) / HOUR).toBeCloseTo(u.hours, 6);
          }
          const hoursBy = (option: string) =>
            r.usage.filter((u) => u.purchaseOption === option).reduce((s, u) => s + u.hours * u.nodes, 0);
          expect(r.spotHours).toBeCloseTo(hoursBy('spot'), 6);
          expect(r.onDemandHours).toBeCloseTo(hoursBy('on-demand'), 6);
          expect(r.usage.filter((u) => u.interrupted)).toHaveLength(r.interruptions);
          expect(r.jobsFinished + r.jobsUnfinished + r.jobsUnplaced).toBe(jobs.length);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('gives the same result for the same inputs', () => {
    fc.assert(
      fc.property(jobsArb, tracesArb, quotasArb, (jobs, traces, limits) => {
        const input = inputOf(jobs, traces, limits);
        expect(runAll(input)).toEqual(runAll(input));
      }),
      { numRuns: 15 },
    );
  });
});
