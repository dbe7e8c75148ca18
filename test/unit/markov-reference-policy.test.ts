import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveMarkovReference } from '../../lambdas/core/spot/markov-reference-policy.js';
import { type SingleJobParams, simulateSingleJob } from '../../lambdas/core/spot/single-job-simulation.js';
import type { SpellHazard } from '../../lambdas/core/spot/spell-hazard.js';
import type { SpotTrace } from '../../lambdas/core/spot/spot-trace.js';

const hazardOf = (away: readonly number[], available: readonly number[]): SpellHazard => ({
  maxAge: away.length,
  endsAfter: [Float64Array.from([0, ...away]), Float64Array.from([0, ...available])],
});

/**
 * Least expected cost by plain expectimax over the simulator's own rules (hours, not the
 * reference's slack grid): every placement at every tick, every way availability can go on.
 */
const bruteForceExpectedCost = (
  params: SingleJobParams,
  hazard: SpellHazard,
  spotAvailable: boolean,
): number => {
  const { workHours, deadlineHours, changeoverHours, priceRatio } = params;
  const ticks = deadlineHours; // one-hour ticks
  const memo = new Map<string, number>();
  const value = (t: number, done: number, on: string, remaining: number, a: 0 | 1, age: number): number => {
    if (t === ticks) return Number.POSITIVE_INFINITY;
    const key = `${t}|${done}|${on}|${remaining}|${a}|${age}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const held = on === 'spot' && a === 0 ? 'none' : on;
    const ends = hazard.endsAfter[a][age] ?? 0;
    const older = Math.min(hazard.maxAge, age + 1);
    const onward = (nextDone: number, nextOn: string, nextRemaining: number): number => {
      const stays = value(t + 1, nextDone, nextOn, nextRemaining, a, older);
      const flipped = (1 - a) as 0 | 1;
      const flips = value(
        t + 1,
        nextDone,
        nextOn === 'spot' && flipped === 0 ? 'none' : nextOn,
        nextRemaining,
        flipped,
        1,
      );
      return (1 - ends) * stays + ends * flips;
    };
    let best = onward(done, 'none', 0);
    for (const action of a === 1 ? ['spot', 'on-demand'] : ['on-demand']) {
      const restoringFrom = action === held ? remaining : changeoverHours;
      const restoring = Math.min(1, restoringFrom);
      const progress = Math.min(1 - restoring, workHours - done);
      const price = action === 'spot' ? 1 : priceRatio;
      const cost = price * (restoring + progress);
      const candidate =
        done + progress >= workHours - 1e-9
          ? cost
          : cost + onward(done + progress, action, restoringFrom - restoring);
      best = Math.min(best, candidate);
    }
    memo.set(key, best);
    return best;
  };
  return value(0, 0, 'none', 0, spotAvailable ? 1 : 0, 1);
};

const smallSetting = fc.record({
  workQuarters: fc.integer({ min: 1, max: 12 }),
  changeoverQuarters: fc.integer({ min: 0, max: 6 }),
  extraHours: fc.integer({ min: 0, max: 2 }),
  ages: fc.integer({ min: 1, max: 3 }),
  rates: fc.array(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { minLength: 6, maxLength: 6 }),
  priceRatio: fc.constantFrom(1.5, 3, 8),
});

describe('Markov reference policy', () => {
  it('finds the least expected cost that exhaustive expectimax finds, on small settings', () => {
    fc.assert(
      fc.property(smallSetting, (s) => {
        const workHours = s.workQuarters / 4;
        const changeoverHours = s.changeoverQuarters / 4;
        const params: SingleJobParams = {
          workHours,
          changeoverHours,
          deadlineHours: Math.ceil(workHours + changeoverHours) + s.extraHours,
          priceRatio: s.priceRatio,
        };
        const hazard = hazardOf(s.rates.slice(0, s.ages), s.rates.slice(3, 3 + s.ages));
        const reference = solveMarkovReference({ ...params, tickSeconds: 3600 }, hazard);
        for (const up of [true, false]) {
          expect(reference.expectedCost(up)).toBeCloseTo(bruteForceExpectedCost(params, hazard, up), 9);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('never misses a feasible deadline, whatever the trace does', () => {
    const hazard = hazardOf([0.3, 0.2, 0.1], [0.1, 0.2, 0.3]);
    const params: SingleJobParams = { workHours: 6, deadlineHours: 9, changeoverHours: 0.5, priceRatio: 3 };
    const reference = solveMarkovReference({ ...params, tickSeconds: 1800 }, hazard);
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }), (flags) => {
        const trace: SpotTrace = { gapSeconds: 1800, available: Uint8Array.from(flags, (f) => (f ? 1 : 0)) };
        const result = simulateSingleJob({ ...params, trace, startTick: 0, policy: reference.policy });
        expect(result.missedDeadline).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves on-demand for returning spot only when spot spells last long enough to repay the changeover', () => {
    const params: SingleJobParams = { workHours: 4, deadlineHours: 8, changeoverHours: 0.5, priceRatio: 3 };
    const onDemandWithSpotBack = {
      tick: 2,
      tickHours: 1,
      elapsedHours: 2,
      workDoneHours: 1.5,
      workHours: 4,
      deadlineHours: 8,
      changeoverHours: 0.5,
      spotAvailable: true,
      currentlyOn: 'on-demand' as const,
      remainingChangeover: 0,
      spotStreakTicks: 1,
    };
    // Spot that stays: moving pays one changeover and then runs at a third of the price.
    const lasting = solveMarkovReference({ ...params, tickSeconds: 3600 }, hazardOf([0.5], [0.01]));
    expect(lasting.policy.decide(onDemandWithSpotBack)).toBe('spot');
    // Spot that almost surely vanishes after a tick, for long: the detour buys half an hour of work
    // on spot and then a second changeover on on-demand, which costs more than it saves.
    const fleeting = solveMarkovReference({ ...params, tickSeconds: 3600 }, hazardOf([0.01], [0.99]));
    expect(fleeting.policy.decide(onDemandWithSpotBack)).toBe('on-demand');
  });

  it('refuses settings it cannot put on a grid, naming the field', () => {
    const hazard = hazardOf([0.5], [0.5]);
    const base = { workHours: 4, deadlineHours: 8, changeoverHours: 0.2, priceRatio: 3, tickSeconds: 3600 };
    expect(() => solveMarkovReference({ ...base, deadlineHours: 8.5 }, hazard)).toThrow(
      /deadlineHours must be a whole number of 3600 s ticks/,
    );
    expect(() => solveMarkovReference({ ...base, changeoverHours: 1e-7 }, hazard)).toThrow(
      /changeoverHours must be a whole number of seconds/,
    );
    expect(() => solveMarkovReference({ ...base, workHours: 9 }, hazard)).toThrow(/workHours 9 exceeds/);
    expect(() =>
      solveMarkovReference(
        { ...base, workHours: 1, deadlineHours: 10_000, changeoverHours: 1 / 3600 },
        hazard,
      ),
    ).toThrow(/would need \d+ states/);
  });
});
