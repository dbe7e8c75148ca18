import type { SingleJobParams } from './single-job-simulation.js';
import type { SpellHazard } from './spell-hazard.js';
import { mustCommitToOnDemand, type Placement, type PolicyState, type SpotPolicy } from './spot-policy.js';

/**
 * The best a runtime policy can do when it knows a trace's spell-length statistics exactly but not
 * when its spells come: the policy of least expected cost under a semi-Markov model of
 * availability (see spell-hazard.ts), found by backward dynamic programming. It reads the same
 * state as quartermaster (progress, time, the instance held, the age of the availability state)
 * and nothing of the trace ahead.
 *
 * Fitted to the very trace it is replayed on, it is a reference, not a runtime choice: it stands
 * for a policy told more about the future than any real one can learn. Benchmarks set it beside
 * the hindsight optimum to show how much of the gap to that optimum any policy of this kind can
 * close.
 *
 * Model: time in units that divide both the tick and the changeover; the DP state at a tick
 * boundary is (tick, slack, instance held with the ticks it has run up to the changeover,
 * availability, its age capped at the hazard's `maxAge`), where slack = time left − work left.
 * Waiting spends a tick of slack, a changeover spends its restoring time, running keeps it. A state
 * whose slack goes below zero can no longer finish in time and costs a prohibitive penalty, so the
 * plan never takes that risk; the hard safety rule of every policy still applies on top.
 */

/** Expected cost of a state that can no longer meet its deadline; far above any real cost. */
const MISSED = 1e12;
/** The largest table this reference builds (bytes of decisions); larger settings are refused. */
const MAX_TABLE = 2 ** 29;
const EPSILON = 1e-9;

const NONE = 0;
const SPOT = 1;
const ON_DEMAND = 2;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

const wholeSeconds = (name: string, hours: number): number => {
  const seconds = Math.round(hours * 3600);
  if (Math.abs(seconds - hours * 3600) > 1e-6) {
    throw new RangeError(
      `${name} must be a whole number of seconds for the Markov reference, got ${hours} h`,
    );
  }
  return seconds;
};

/** A solved reference for one job setting and one hazard. */
export interface MarkovReference {
  readonly policy: SpotPolicy;
  /** Expected cost (spot-hour units) of a job submitted with spot available or away. */
  expectedCost(spotAvailable: boolean): number;
}

/**
 * Solves the least-expected-cost policy for a job on a trace with the given tick and hazard.
 *
 * @throws {RangeError} when the hours are not whole seconds, the deadline is not a whole number of
 * ticks, the deadline is shorter than the work, or the table would be too large
 */
export const solveMarkovReference = (
  params: SingleJobParams & { readonly tickSeconds: number },
  hazard: SpellHazard,
): MarkovReference => {
  const tick = params.tickSeconds;
  const changeover = wholeSeconds('changeoverHours', params.changeoverHours);
  const work = wholeSeconds('workHours', params.workHours);
  const deadline = wholeSeconds('deadlineHours', params.deadlineHours);
  if (!Number.isInteger(tick) || tick < 1) {
    throw new RangeError(`tickSeconds must be a positive integer, got ${tick}`);
  }
  if (deadline % tick !== 0) {
    throw new RangeError(
      `deadlineHours must be a whole number of ${tick} s ticks for the Markov reference, got ${params.deadlineHours} h`,
    );
  }
  if (work > deadline) {
    throw new RangeError(`workHours ${params.workHours} exceeds deadlineHours ${params.deadlineHours}`);
  }
  const unit = gcd(gcd(tick, changeover), work);
  const perTick = tick / unit;
  const restore = changeover / unit;
  const ticks = deadline / tick;
  const maxSlack = (deadline - work) / unit;
  // Ticks on one instance after which its changeover is paid (at least 1 so spot and on-demand differ).
  const cap = Math.max(1, Math.ceil(restore / perTick));
  const held = 1 + 2 * cap;
  const ages = hazard.maxAge;
  const layer = (maxSlack + 1) * held * 2 * ages;
  if (ticks * layer > MAX_TABLE) {
    throw new RangeError(
      `the Markov reference would need ${ticks * layer} states (limit ${MAX_TABLE}); use fewer ages or coarser hours`,
    );
  }
  const unitHours = unit / 3600;
  const ratio = params.priceRatio;
  const index = (slack: number, h: number, a: number, age: number) =>
    ((slack * held + h) * 2 + a) * ages + age - 1;

  // Expected value at the next boundary given the next slack and instance; spot is lost when the
  // spell of availability ends.
  const expect = (
    values: Float64Array,
    nextSlack: number,
    nextHeld: number,
    isSpot: boolean,
    a: number,
    older: number,
    ends: number,
  ): number => {
    if (nextSlack < 0) return MISSED;
    const stays = values[index(nextSlack, nextHeld, a, older)] ?? MISSED;
    const flips = values[index(nextSlack, isSpot ? NONE : nextHeld, 1 - a, 1)] ?? MISSED;
    return (1 - ends) * stays + ends * flips;
  };

  const decisions = new Uint8Array(ticks * layer);
  let next = new Float64Array(layer).fill(MISSED);
  let current = new Float64Array(layer);
  for (let t = ticks - 1; t >= 0; t--) {
    const timeLeft = (ticks - t) * perTick;
    const base = t * layer;
    for (let slack = 0; slack <= maxSlack; slack++) {
      const workLeft = timeLeft - slack;
      for (let h = 0; h < held; h++) {
        const onSpot = h >= 1 && h <= cap;
        const onDemand = h > cap;
        const ran = onSpot ? h : onDemand ? h - cap : 0;
        for (let a = 0; a < 2; a++) {
          // A spot instance without spot was reclaimed at the boundary: that state never occurs.
          if (onSpot && a === 0) continue;
          const endsAfter = a === 0 ? hazard.endsAfter[0] : hazard.endsAfter[1];
          for (let age = 1; age <= ages; age++) {
            const ends = endsAfter[age] ?? 0.5;
            const older = Math.min(ages, age + 1);
            let best = expect(next, slack - perTick, NONE, false, a, older, ends);
            let choice = NONE;
            for (let action = SPOT; action <= ON_DEMAND; action++) {
              if (action === SPOT && a === 0) continue;
              const keeps = action === SPOT ? onSpot : onDemand;
              const already = keeps ? ran : 0;
              const restoring = Math.min(perTick, Math.max(0, restore - already * perTick));
              const progress = perTick - restoring;
              const price = action === SPOT ? 1 : ratio;
              let value: number;
              if (progress >= workLeft) {
                value = price * (restoring + workLeft) * unitHours;
              } else {
                const ranNext = Math.min(cap, already + 1);
                const nextHeld = action === SPOT ? ranNext : cap + ranNext;
                value =
                  price * perTick * unitHours +
                  expect(next, slack - restoring, nextHeld, action === SPOT, a, older, ends);
              }
              if (value < best - EPSILON) {
                best = value;
                choice = action;
              }
            }
            const at = index(slack, h, a, age);
            current[at] = best;
            decisions[base + at] = choice;
          }
        }
      }
    }
    [next, current] = [current, next];
  }
  const start = next;

  const heldNow = (state: PolicyState): number => {
    if (state.currentlyOn === 'none') return NONE;
    const remaining = state.remainingChangeover / unitHours;
    const ran = remaining <= EPSILON ? cap : Math.max(1, cap - Math.ceil(remaining / perTick - EPSILON));
    return state.currentlyOn === 'spot' ? ran : cap + ran;
  };

  const policy: SpotPolicy = {
    name: 'markov-reference',
    decide: (state) => {
      if (mustCommitToOnDemand(state)) return 'on-demand';
      if (state.tick >= ticks) return 'on-demand';
      const timeLeft = (state.deadlineHours - state.elapsedHours) / unitHours;
      const workLeft = (state.workHours - state.workDoneHours) / unitHours;
      const slack = Math.max(0, Math.min(maxSlack, Math.round(timeLeft - workLeft)));
      const a = state.spotAvailable ? 1 : 0;
      const age = Math.min(ages, Math.max(1, state.spotStreakTicks ?? 1));
      const choice = decisions[state.tick * layer + index(slack, heldNow(state), a, age)];
      const placement: Placement = choice === SPOT ? 'spot' : choice === ON_DEMAND ? 'on-demand' : 'none';
      return placement === 'spot' && !state.spotAvailable ? 'none' : placement;
    },
  };
  return {
    policy,
    expectedCost: (spotAvailable) => start[index(maxSlack, NONE, spotAvailable ? 1 : 0, 1)] ?? MISSED,
  };
};
