import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { omniscientPolicy } from '../../lambdas/core/spot/omniscient-policy.js';
import {
  type SingleJobRun,
  simulateSingleJob,
  windowTicks,
} from '../../lambdas/core/spot/single-job-simulation.js';
import {
  changeoverTicks,
  fleetPcoPolicy,
  greedySpotPolicy,
  isSpotPolicyName,
  mustCommitToOnDemand,
  onDemandPolicy,
  type PolicyState,
  quartermasterPolicy,
  SPOT_POLICY_NAMES,
  type SpotPolicy,
  spotPolicyByName,
  uniformProgressPolicy,
} from '../../lambdas/core/spot/spot-policy.js';
import type { SpotTrace } from '../../lambdas/core/spot/spot-trace.js';

const state = (overrides: Partial<PolicyState> = {}): PolicyState => ({
  tick: 0,
  tickHours: 1 / 6,
  elapsedHours: 0,
  workDoneHours: 0,
  workHours: 48,
  deadlineHours: 60,
  changeoverHours: 0.2,
  spotAvailable: true,
  currentlyOn: 'none',
  remainingChangeover: 0,
  ...overrides,
});

describe('mustCommitToOnDemand', () => {
  it('fires once time left no longer covers remaining work, a changeover and one tick', () => {
    const base = { workDoneHours: 40, workHours: 48, changeoverHours: 0.2, tickHours: 1 / 6 };
    // time left = 60 - elapsed; the threshold is 8 + 0.2 + 1/6 hours.
    expect(mustCommitToOnDemand(state({ ...base, elapsedHours: 51.6 }))).toBe(false);
    expect(mustCommitToOnDemand(state({ ...base, elapsedHours: 60 - 8.2 - 1 / 6 }))).toBe(true);
  });
});

describe('greedy-spot and fleet-pco', () => {
  it('take spot when it is there and wait when it is not, while slack remains', () => {
    for (const policy of [greedySpotPolicy, fleetPcoPolicy]) {
      expect(policy.decide(state({ spotAvailable: true }))).toBe('spot');
      expect(policy.decide(state({ spotAvailable: false }))).toBe('none');
    }
  });

  it('stay on on-demand once forced there, even when spot comes back', () => {
    const late = state({
      elapsedHours: 40,
      workDoneHours: 28,
      currentlyOn: 'on-demand',
      spotAvailable: true,
    });
    expect(greedySpotPolicy.decide(late)).toBe('on-demand');
    expect(fleetPcoPolicy.decide(late)).toBe('on-demand');
  });

  it('coincide on a single availability trace', () => {
    fc.assert(
      fc.property(
        fc.record({
          elapsedHours: fc.double({ min: 0, max: 60, noNaN: true }),
          workDoneHours: fc.double({ min: 0, max: 47, noNaN: true }),
          spotAvailable: fc.boolean(),
          currentlyOn: fc.constantFrom('spot' as const, 'on-demand' as const, 'none' as const),
        }),
        (partial) => {
          const s = state(partial);
          expect(fleetPcoPolicy.decide(s)).toBe(greedySpotPolicy.decide(s));
        },
      ),
    );
  });
});

describe('quartermaster', () => {
  // At 10-minute ticks a 0.2 h changeover spans two ticks and two changeovers three.
  it('measures changeovers in whole ticks, at least one', () => {
    expect(changeoverTicks(state())).toBe(2);
    expect(changeoverTicks(state(), 2)).toBe(3);
    expect(changeoverTicks(state({ changeoverHours: 0 }), 2)).toBe(1);
    expect(changeoverTicks(state({ changeoverHours: 1, tickHours: 1 }))).toBe(1);
    expect(changeoverTicks(state({ changeoverHours: 0.5, tickHours: 1 / 6 }))).toBe(3);
  });

  it('uses spot whenever it is available and the job is not on on-demand', () => {
    expect(quartermasterPolicy.decide(state({ elapsedHours: 10, workDoneHours: 2 }))).toBe('spot');
    expect(
      quartermasterPolicy.decide(state({ elapsedHours: 30, workDoneHours: 20, spotStreakTicks: 1 })),
    ).toBe('spot');
  });

  it('waits without spot while progress is on or above the uniform line', () => {
    // Line at 30 h elapsed: 48 × 30 / 60 = 24 h of work.
    for (const spotStreakTicks of [1, 2, 50, undefined]) {
      const waiting = state({ elapsedHours: 30, workDoneHours: 25, spotAvailable: false });
      expect(
        quartermasterPolicy.decide(spotStreakTicks === undefined ? waiting : { ...waiting, spotStreakTicks }),
      ).toBe('none');
    }
  });

  it('behind the line, waits out the first changeover of an outage, then goes on-demand', () => {
    const behind = state({ elapsedHours: 30, workDoneHours: 23, spotAvailable: false });
    expect(quartermasterPolicy.decide({ ...behind, spotStreakTicks: 1 })).toBe('none');
    expect(quartermasterPolicy.decide({ ...behind, spotStreakTicks: 2 })).toBe('on-demand');
    expect(quartermasterPolicy.decide({ ...behind, spotStreakTicks: 9 })).toBe('on-demand');
  });

  it('without a history, treats an outage as already long and goes on-demand when behind', () => {
    expect(
      quartermasterPolicy.decide(state({ elapsedHours: 30, workDoneHours: 23, spotAvailable: false })),
    ).toBe('on-demand');
  });

  it('stays on on-demand while spot is away even once ahead of the line, so it does not flap', () => {
    const onDemand = state({
      elapsedHours: 30,
      workDoneHours: 26,
      spotAvailable: false,
      currentlyOn: 'on-demand',
      spotStreakTicks: 1,
    });
    expect(quartermasterPolicy.decide(onDemand)).toBe('on-demand');
  });

  it('leaves on-demand for returning spot once it has stayed two changeovers, or at once when ahead', () => {
    const back = { elapsedHours: 30, spotAvailable: true, currentlyOn: 'on-demand' as const };
    // Behind the line (24 h due): spot back for two ticks may be a flicker; three ticks (0.5 h,
    // more than two 0.2 h changeovers) and it has settled.
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 23.9, spotStreakTicks: 2 }))).toBe(
      'on-demand',
    );
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 23.9, spotStreakTicks: 3 }))).toBe(
      'spot',
    );
    // Ahead of the line it can afford the restart at once.
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 24.1, spotStreakTicks: 1 }))).toBe(
      'spot',
    );
  });

  it('without a history, treats returning spot as new and leaves on-demand only when ahead', () => {
    const back = { elapsedHours: 30, spotAvailable: true, currentlyOn: 'on-demand' as const };
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 23.9 }))).toBe('on-demand');
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 24.1 }))).toBe('spot');
  });

  it('commits to on-demand when the slack is nearly gone, whatever spot does', () => {
    for (const spotStreakTicks of [1, 2, 100]) {
      expect(
        quartermasterPolicy.decide(
          state({ elapsedHours: 50, workDoneHours: 38, spotAvailable: true, spotStreakTicks }),
        ),
      ).toBe('on-demand');
    }
  });

  it('is handed the age of the availability state by the single-job simulator', () => {
    const seen: (number | undefined)[] = [];
    const recorder: SpotPolicy = {
      name: 'recorder',
      decide: (s) => {
        seen.push(s.spotStreakTicks);
        return 'none';
      },
    };
    const trace: SpotTrace = { gapSeconds: 3600, available: Uint8Array.from([1, 1, 0, 0, 0, 1, 0, 0]) };
    const run = { trace, startTick: 0, workHours: 1, deadlineHours: 7, changeoverHours: 0, priceRatio: 3 };
    simulateSingleJob({ ...run, policy: recorder });
    expect(seen).toEqual([1, 2, 1, 2, 3, 1, 1]);
    // A later start counts from its own submission, not from the trace's beginning.
    seen.length = 0;
    simulateSingleJob({ ...run, deadlineHours: 3, startTick: 3, policy: recorder });
    expect(seen).toEqual([1, 2, 1]);
  });
});

describe('uniform-progress (the former rule, kept for comparison)', () => {
  it('leaves on-demand for returning spot only when ahead of the line by more than a changeover', () => {
    const back = { elapsedHours: 30, spotAvailable: true, currentlyOn: 'on-demand' as const };
    expect(uniformProgressPolicy.decide(state({ ...back, workDoneHours: 24.1, spotStreakTicks: 50 }))).toBe(
      'on-demand',
    );
    expect(uniformProgressPolicy.decide(state({ ...back, workDoneHours: 24.3 }))).toBe('spot');
  });

  it('goes on-demand as soon as it falls behind the line without spot', () => {
    expect(
      uniformProgressPolicy.decide(
        state({ elapsedHours: 30, workDoneHours: 23, spotAvailable: false, spotStreakTicks: 1 }),
      ),
    ).toBe('on-demand');
  });

  it('is not a runtime policy name', () => {
    expect(isSpotPolicyName(uniformProgressPolicy.name)).toBe(false);
  });
});

describe('policy names', () => {
  it('resolve every runtime policy and reject anything else', () => {
    for (const name of SPOT_POLICY_NAMES) expect(spotPolicyByName(name).name).toBe(name);
    expect(isSpotPolicyName('quartermaster')).toBe(true);
    expect(isSpotPolicyName('omniscient')).toBe(false);
  });
});

/** A feasible job (deadline ≥ work + changeover) on a random availability trace long enough for its window. */
const feasibleRun = fc
  .record({
    gapSeconds: fc.constantFrom(600, 1800, 3600),
    workMinutes: fc.integer({ min: 10, max: 12 * 60 }),
    changeoverMinutes: fc.integer({ min: 0, max: 60 }),
    slackMinutes: fc.integer({ min: 0, max: 6 * 60 }),
    upProbability: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer(),
  })
  .chain((p) => {
    const workHours = p.workMinutes / 60;
    const changeoverHours = p.changeoverMinutes / 60;
    const deadlineHours = workHours + changeoverHours + p.slackMinutes / 60;
    const ticks = Math.ceil((deadlineHours * 3600) / p.gapSeconds) + 3;
    return fc
      .tuple(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: ticks, maxLength: ticks }),
        fc.nat(3),
      )
      .map(([draws, startTick]): SingleJobRun => {
        const trace: SpotTrace = {
          gapSeconds: p.gapSeconds,
          available: Uint8Array.from(draws, (draw) => (draw < p.upProbability ? 1 : 0)),
        };
        return { trace, startTick, workHours, deadlineHours, changeoverHours, priceRatio: 3 };
      });
  });

describe('every policy', () => {
  it('meets every feasible deadline on random availability traces', () => {
    fc.assert(
      fc.property(feasibleRun, (run) => {
        expect(run.trace.available.length).toBeGreaterThanOrEqual(
          run.startTick + windowTicks(run.trace, run.deadlineHours),
        );
        for (const policy of [
          onDemandPolicy,
          greedySpotPolicy,
          fleetPcoPolicy,
          uniformProgressPolicy,
          quartermasterPolicy,
          omniscientPolicy(run),
        ]) {
          const result = simulateSingleJob({ ...run, policy });
          expect(result.missedDeadline, `${policy.name} finished at ${result.finishedAtHours} h`).toBe(false);
          expect(result.spotHours + result.onDemandHours).toBeGreaterThanOrEqual(run.workHours - 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * A feasible job on a bursty trace: alternating runs of spot and no spot with random lengths, the
 * shape of the real traces (many short flickers, some outages of hours), rather than independent ticks.
 */
const burstyRun = fc
  .record({
    workTicks: fc.integer({ min: 1, max: 300 }),
    changeoverTicks: fc.integer({ min: 0, max: 6 }),
    changeoverFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    slackTicks: fc.integer({ min: 0, max: 90 }),
    runs: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 200 }),
    startsUp: fc.boolean(),
    startTick: fc.nat(20),
  })
  .map((p): SingleJobRun => {
    const tickHours = 1 / 6;
    const workHours = p.workTicks * tickHours;
    // Changeovers both on and off the tick grid.
    const changeoverHours = (p.changeoverTicks + p.changeoverFraction) * tickHours * 0.5;
    const deadlineHours = workHours + changeoverHours + p.slackTicks * tickHours;
    const length = p.startTick + Math.ceil(deadlineHours / tickHours) + 2;
    const available = new Uint8Array(length);
    let up = p.startsUp;
    let at = 0;
    for (let i = 0; at < length; i++) {
      const run = p.runs[i % p.runs.length] ?? 1;
      available.fill(up ? 1 : 0, at, Math.min(length, at + run));
      at += run;
      up = !up;
    }
    return {
      trace: { gapSeconds: 600, available },
      startTick: p.startTick,
      workHours,
      deadlineHours,
      changeoverHours,
      priceRatio: 3,
    };
  });

describe('quartermaster never misses a feasible deadline', () => {
  it('on bursty availability traces', () => {
    fc.assert(
      fc.property(burstyRun, (run) => {
        const result = simulateSingleJob({ ...run, policy: quartermasterPolicy });
        expect(result.missedDeadline, `finished at ${result.finishedAtHours} h`).toBe(false);
        expect(result.spotHours + result.onDemandHours).toBeGreaterThanOrEqual(run.workHours - 1e-9);
      }),
      { numRuns: 400 },
    );
  });

  it('whatever history it is told, since the safety rule reads no history', () => {
    fc.assert(
      fc.property(
        fc.oneof(burstyRun, feasibleRun),
        fc.array(fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }), {
          minLength: 1,
          maxLength: 64,
        }),
        (run, streaks) => {
          const misinformed: SpotPolicy = {
            name: 'quartermaster',
            decide: (s) => {
              const spotStreakTicks = streaks[s.tick % streaks.length];
              const { spotStreakTicks: _ignored, ...rest } = s;
              return quartermasterPolicy.decide(
                spotStreakTicks === undefined ? rest : { ...rest, spotStreakTicks },
              );
            },
          };
          const result = simulateSingleJob({ ...run, policy: misinformed });
          expect(result.missedDeadline, `finished at ${result.finishedAtHours} h`).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
