import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { omniscientPolicy } from '../../lambdas/core/omniscient-policy.js';
import {
  type SingleJobRun,
  simulateSingleJob,
  windowTicks,
} from '../../lambdas/core/single-job-simulation.js';
import {
  fleetPcoPolicy,
  greedySpotPolicy,
  isSpotPolicyName,
  mustCommitToOnDemand,
  onDemandPolicy,
  type PolicyState,
  quartermasterPolicy,
  SPOT_POLICY_NAMES,
  spotPolicyByName,
} from '../../lambdas/core/spot-policy.js';
import type { SpotTrace } from '../../lambdas/core/spot-trace.js';

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
  it('uses spot whenever it is available and the job is not on on-demand', () => {
    expect(quartermasterPolicy.decide(state({ elapsedHours: 10, workDoneHours: 2 }))).toBe('spot');
  });

  it('waits without spot while progress is on or above the uniform line', () => {
    // Line at 30 h elapsed: 48 × 30 / 60 = 24 h of work.
    expect(
      quartermasterPolicy.decide(state({ elapsedHours: 30, workDoneHours: 25, spotAvailable: false })),
    ).toBe('none');
  });

  it('goes on-demand without spot while progress is behind the uniform line', () => {
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
    });
    expect(quartermasterPolicy.decide(onDemand)).toBe('on-demand');
  });

  it('leaves on-demand for returning spot only when ahead of the line by more than a changeover', () => {
    const back = { elapsedHours: 30, spotAvailable: true, currentlyOn: 'on-demand' as const };
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 24.1 }))).toBe('on-demand');
    expect(quartermasterPolicy.decide(state({ ...back, workDoneHours: 24.3 }))).toBe('spot');
  });

  it('commits to on-demand when the slack is nearly gone, whatever spot does', () => {
    expect(
      quartermasterPolicy.decide(state({ elapsedHours: 50, workDoneHours: 38, spotAvailable: true })),
    ).toBe('on-demand');
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
