import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { omniscientPolicy, planOmniscient } from '../../lambdas/core/spot/omniscient-policy.js';
import {
  type SingleJobRun,
  simulateSingleJob,
  windowTicks,
} from '../../lambdas/core/spot/single-job-simulation.js';
import {
  onDemandPolicy,
  type Placement,
  quartermasterPolicy,
  type SpotPolicy,
} from '../../lambdas/core/spot/spot-policy.js';
import type { SpotTrace } from '../../lambdas/core/spot/spot-trace.js';

const traceOf = (flags: readonly boolean[], gapSeconds = 3600): SpotTrace => ({
  gapSeconds,
  available: Uint8Array.from(flags, (up) => (up ? 1 : 0)),
});

const scripted = (plan: readonly Placement[]): SpotPolicy => ({
  name: 'scripted',
  decide: (state) => plan[state.tick] ?? 'on-demand',
});

/** Every placement sequence over the window that never asks for missing spot. */
const allPlans = (available: Uint8Array, startTick: number, ticks: number): Placement[][] => {
  let plans: Placement[][] = [[]];
  for (let t = 0; t < ticks; t++) {
    const options: Placement[] =
      available[startTick + t] === 1 ? ['spot', 'on-demand', 'none'] : ['on-demand', 'none'];
    plans = plans.flatMap((plan) => options.map((option) => [...plan, option]));
  }
  return plans;
};

/** A small feasible job on hour-long ticks, so every schedule can be enumerated. */
const tinyRun = fc
  .record({
    workQuarters: fc.integer({ min: 1, max: 12 }),
    changeoverQuarters: fc.integer({ min: 0, max: 4 }),
    slackQuarters: fc.integer({ min: 0, max: 8 }),
    flags: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  })
  .map(
    (p): SingleJobRun => ({
      trace: traceOf(p.flags),
      startTick: 0,
      workHours: p.workQuarters / 4,
      changeoverHours: p.changeoverQuarters / 4,
      deadlineHours: (p.workQuarters + p.changeoverQuarters + p.slackQuarters) / 4,
      priceRatio: 3,
    }),
  );

describe('omniscient reference', () => {
  it('uses no more on-demand hours than any schedule that meets the deadline (exhaustive check)', () => {
    fc.assert(
      fc.property(tinyRun, (run) => {
        let fewest = Number.POSITIVE_INFINITY;
        for (const plan of allPlans(
          run.trace.available,
          run.startTick,
          windowTicks(run.trace, run.deadlineHours),
        )) {
          const result = simulateSingleJob({ ...run, policy: scripted(plan) });
          if (!result.missedDeadline) fewest = Math.min(fewest, result.onDemandHours);
        }
        const optimum = simulateSingleJob({ ...run, policy: omniscientPolicy(run) });
        expect(optimum.missedDeadline).toBe(false);
        expect(optimum.onDemandHours).toBeCloseTo(fewest, 9);
      }),
      { numRuns: 60 },
    );
  });

  it('runs entirely on spot when spot never goes away', () => {
    const run: SingleJobRun = {
      trace: traceOf(Array.from({ length: 10 }, () => true)),
      startTick: 0,
      workHours: 5,
      deadlineHours: 8,
      changeoverHours: 0.5,
      priceRatio: 3,
    };
    const result = simulateSingleJob({ ...run, policy: omniscientPolicy(run) });
    expect(result.onDemandHours).toBe(0);
    expect(result.spotHours).toBeCloseTo(5.5, 12);
  });

  it('reports that no schedule exists when the deadline is shorter than work plus a changeover', () => {
    const run: SingleJobRun = {
      trace: traceOf([true, true, true]),
      startTick: 0,
      workHours: 2,
      deadlineHours: 2,
      changeoverHours: 0.5,
      priceRatio: 3,
    };
    expect(planOmniscient(run)).toBeNull();
    expect(() => omniscientPolicy(run)).toThrow(/no schedule finishes 2 h of work by 2 h/);
  });

  it('never uses more on-demand hours than quartermaster on random availability traces', () => {
    const run = fc
      .record({
        gapSeconds: fc.constantFrom(600, 1800),
        workHours: fc.integer({ min: 1, max: 16 }),
        slackHours: fc.integer({ min: 0, max: 6 }),
        flags: fc.array(fc.boolean(), { minLength: 140, maxLength: 140 }),
      })
      .map(
        (p): SingleJobRun => ({
          trace: traceOf(p.flags, p.gapSeconds),
          startTick: 0,
          workHours: p.workHours,
          changeoverHours: 0.2,
          deadlineHours: p.workHours + 0.2 + p.slackHours,
          priceRatio: 3,
        }),
      )
      .filter((r) => windowTicks(r.trace, r.deadlineHours) <= r.trace.available.length);
    fc.assert(
      fc.property(run, (r) => {
        const omniscient = simulateSingleJob({ ...r, policy: omniscientPolicy(r) });
        const ours = simulateSingleJob({ ...r, policy: quartermasterPolicy });
        // It minimises on-demand hours, not cost: among equally few it may spend a changeover more on spot.
        expect(omniscient.onDemandHours).toBeLessThanOrEqual(ours.onDemandHours + 1e-9);
        expect(omniscient.missedDeadline).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

describe('quartermaster against on-demand alone, one run at a time', () => {
  it('can spend one extra on-demand changeover when spot flickers back for a single tick', () => {
    // Spot for one tick at 20 ticks in, while ahead of the line: it moves to spot at once, loses it
    // and restarts on on-demand. Averaged over real traces this gamble pays (see the real-trace
    // tests and the benchmark); per run it is not bounded by on-demand alone.
    const flags = Array.from({ length: 140 }, (_, tick) => tick === 1 || tick === 20);
    const run: SingleJobRun = {
      trace: traceOf(flags, 600),
      startTick: 0,
      workHours: 3,
      changeoverHours: 0.2,
      deadlineHours: 4.2,
      priceRatio: 3,
    };
    const ours = simulateSingleJob({ ...run, policy: quartermasterPolicy });
    const onDemand = simulateSingleJob({ ...run, policy: onDemandPolicy });
    expect(ours.missedDeadline).toBe(false);
    expect(onDemand.onDemandHours).toBeCloseTo(3.2, 9);
    expect(ours.onDemandHours).toBeCloseTo(3.4, 9);
  });
});
