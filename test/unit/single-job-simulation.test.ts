import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evenlySpreadStarts,
  simulateSingleJob,
  simulateSingleJobOverStarts,
} from '../../lambdas/core/spot/single-job-simulation.js';
import {
  greedySpotPolicy,
  onDemandPolicy,
  type Placement,
  type PolicyState,
  type SpotPolicy,
} from '../../lambdas/core/spot/spot-policy.js';
import type { SpotTrace } from '../../lambdas/core/spot/spot-trace.js';

const hourly = (flags: readonly boolean[]): SpotTrace => ({
  gapSeconds: 3600,
  available: Uint8Array.from(flags, (up) => (up ? 1 : 0)),
});

const always = (placement: Placement): SpotPolicy => ({
  name: `always-${placement}`,
  decide: () => placement,
});

describe('simulateSingleJob', () => {
  it('charges the on-demand policy exactly work plus one changeover at the on-demand price', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 48 * 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 12 * 60 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.constantFrom(60, 600, 3600),
        (workMinutes, changeoverMinutes, slackMinutes, priceRatio, gapSeconds) => {
          const workHours = workMinutes / 60;
          const changeoverHours = changeoverMinutes / 60;
          const deadlineHours = workHours + changeoverHours + slackMinutes / 60;
          const ticks = Math.ceil((deadlineHours * 3600) / gapSeconds) + 1;
          const trace: SpotTrace = { gapSeconds, available: new Uint8Array(ticks) };
          const result = simulateSingleJob({
            trace,
            startTick: 0,
            workHours,
            deadlineHours,
            changeoverHours,
            priceRatio,
            policy: onDemandPolicy,
          });
          expect(result.onDemandHours).toBeCloseTo(workHours + changeoverHours, 9);
          expect(result.cost).toBeCloseTo((workHours + changeoverHours) * priceRatio, 9);
          expect(result.spotHours).toBe(0);
          expect(result.changeovers).toBe(1);
          expect(result.missedDeadline).toBe(false);
        },
      ),
    );
  });

  it('keeps work across a spot reclaim and pays a new changeover on restart', () => {
    // Spot for 2 h, gone for 1 h, back: 0.5 h changeover each start, 3 h of work.
    const result = simulateSingleJob({
      trace: hourly([true, true, false, true, true, true, true, true]),
      startTick: 0,
      workHours: 3,
      deadlineHours: 8,
      changeoverHours: 0.5,
      priceRatio: 3,
      policy: greedySpotPolicy,
    });
    // 1.5 h of work in the first 2 h, the other 1.5 h after a second changeover: done at 5 h.
    expect(result.changeovers).toBe(2);
    expect(result.spotHours).toBeCloseTo(4, 12);
    expect(result.onDemandHours).toBe(0);
    expect(result.finishedAtHours).toBeCloseTo(5, 12);
    expect(result.missedDeadline).toBe(false);
  });

  it('tells the policy it lost its spot instance when spot vanished', () => {
    const seen: Placement[] = [];
    const recorder: SpotPolicy = {
      name: 'recorder',
      decide: (state: PolicyState) => {
        seen.push(state.currentlyOn);
        return state.spotAvailable ? 'spot' : 'none';
      },
    };
    simulateSingleJob({
      trace: hourly([true, false, true, true, true]),
      startTick: 0,
      workHours: 3,
      deadlineHours: 5,
      changeoverHours: 0,
      priceRatio: 3,
      policy: recorder,
    });
    expect(seen).toEqual(['none', 'none', 'none', 'spot']);
  });

  it('bills a partly used last tick pro rata', () => {
    const result = simulateSingleJob({
      trace: hourly([true, true, true]),
      startTick: 0,
      workHours: 1.25,
      deadlineHours: 3,
      changeoverHours: 0.25,
      priceRatio: 3,
      policy: always('spot'),
    });
    expect(result.spotHours).toBeCloseTo(1.5, 12);
    expect(result.cost).toBeCloseTo(1.5, 12);
  });

  it('marks a run that finishes after the deadline as missed and still counts the whole job', () => {
    const result = simulateSingleJob({
      trace: hourly([false, false, false, false]),
      startTick: 0,
      workHours: 2,
      deadlineHours: 3,
      changeoverHours: 0,
      priceRatio: 3,
      policy: always('none'),
    });
    expect(result.missedDeadline).toBe(true);
    expect(result.onDemandHours).toBeCloseTo(2, 12);
    expect(result.finishedAtHours).toBeCloseTo(5, 12);
  });

  it('rejects a policy that asks for spot when there is none', () => {
    expect(() =>
      simulateSingleJob({
        trace: hourly([true, false, true]),
        startTick: 0,
        workHours: 2,
        deadlineHours: 3,
        changeoverHours: 0,
        priceRatio: 3,
        policy: always('spot'),
      }),
    ).toThrow('policy always-spot chose spot at tick 1 (trace tick 1) while none was available');
  });

  it('names the bad parameter and refuses a window that runs past the end of the trace', () => {
    const base = {
      trace: hourly([true, true, true, true]),
      startTick: 0,
      workHours: 2,
      deadlineHours: 3,
      changeoverHours: 0,
      priceRatio: 3,
      policy: onDemandPolicy,
    };
    expect(() => simulateSingleJob({ ...base, workHours: 0 })).toThrow(
      'workHours must be a number > 0, got 0',
    );
    expect(() => simulateSingleJob({ ...base, changeoverHours: -1 })).toThrow(
      'changeoverHours must be a number >= 0',
    );
    expect(() => simulateSingleJob({ ...base, priceRatio: Number.NaN })).toThrow('priceRatio');
    expect(() => simulateSingleJob({ ...base, startTick: 2 })).toThrow(
      'startTick must be an integer in [0, 1]',
    );
  });
});

describe('evenlySpreadStarts', () => {
  const trace = hourly(Array.from({ length: 100 }, () => true));

  it('spreads starts from the first tick to the last whose window fits, without wrapping', () => {
    expect(evenlySpreadStarts(trace, 60, 5)).toEqual([0, 10, 20, 30, 40]);
    expect(evenlySpreadStarts(trace, 60, 1)).toEqual([0]);
  });

  it('never asks for more starts than there are', () => {
    expect(evenlySpreadStarts(trace, 98, 10)).toEqual([0, 1, 2]);
  });

  it('says so when the window does not fit at all', () => {
    expect(() => evenlySpreadStarts(trace, 120, 3)).toThrow(
      'the 120 h deadline window does not fit in the 100.0 h trace',
    );
    expect(() => evenlySpreadStarts(trace, 60, 0)).toThrow('starts must be a positive integer, got 0');
  });
});

describe('simulateSingleJobOverStarts', () => {
  it('averages over the start times and counts the misses', () => {
    const flags = Array.from({ length: 40 }, (_, hour) => hour < 20);
    const calls: number[] = [];
    const average = simulateSingleJobOverStarts({
      trace: hourly(flags),
      starts: 3,
      workHours: 4,
      deadlineHours: 10,
      changeoverHours: 0,
      priceRatio: 3,
      policy: greedySpotPolicy,
      onRun: (done) => calls.push(done),
    });
    // Starts at 0, 15 and 30: all spot, 5 h spot + later on-demand (after waiting out slack), all on-demand.
    expect(average.starts).toBe(3);
    expect(calls).toEqual([1, 2, 3]);
    expect(average.missedDeadlines).toBe(0);
    expect(average.spotHours).toBeCloseTo((4 + 4 + 0) / 3, 12);
    expect(average.onDemandHours).toBeCloseTo((0 + 0 + 4) / 3, 12);
    expect(average.cost).toBeCloseTo((4 + 4 + 12) / 3, 12);
  });
});
