import type { SingleJobRun } from './single-job-simulation.js';
import { windowTicks } from './single-job-simulation.js';
import type { Placement, SpotPolicy } from './spot-policy.js';

/**
 * The hindsight optimum for one run: told the whole future of the trace, it plans the placement of
 * every tick so that the job meets its deadline with the fewest on-demand hours. It cannot be run
 * for real; benchmarks use it as the floor any runtime policy is measured against.
 *
 * Method: a forward dynamic programme over ticks. The state at a tick boundary is where the job
 * runs (none, or spot/on-demand together with how many ticks it has run there, capped where the
 * changeover is paid off) and how many whole on-demand ticks it has used; for each state it keeps
 * the most work achievable, which dominates every other history with the same state. Completion
 * inside a tick is billed pro rata, exactly as the simulator does, and the best plan is replayed
 * through the simulator so its figures come from the same accounting as every other policy.
 */

const EPSILON = 1e-9;
const NONE = 0;

interface Completion {
  readonly onDemandHours: number;
  readonly tick: number;
  readonly state: number;
  readonly onDemandTicks: number;
  readonly action: Placement;
}

/**
 * Plans the cheapest-in-on-demand-hours schedule for one run, as one placement per tick.
 * Returns `null` when no schedule meets the deadline (deadline shorter than work + changeover).
 */
export const planOmniscient = (run: SingleJobRun): Placement[] | null => {
  const { trace, startTick, workHours, deadlineHours, changeoverHours } = run;
  const tickHours = trace.gapSeconds / 3600;
  const ticks = windowTicks(trace, deadlineHours);
  // Ticks run on one instance after which the changeover is fully paid.
  const cap = Math.max(0, Math.ceil(changeoverHours / tickHours - EPSILON));
  const states = 1 + 2 * (cap + 1);
  const spotState = (k: number) => 1 + k;
  const onDemandState = (k: number) => 2 + cap + k;
  const budgets = ticks + 1;

  // work[s * budgets + b] = most work done at this tick boundary, -1 if unreachable.
  let work = new Float64Array(states * budgets).fill(-1);
  let next = new Float64Array(states * budgets);
  work[NONE * budgets] = 0;
  // parent[(t * states + s) * budgets + b] = state at tick t - 1 that led to state s at tick t.
  const parent = new Int16Array((ticks + 1) * states * budgets);

  let best: Completion | null = null;

  for (let t = 0; t < ticks; t++) {
    next.fill(-1);
    const slot = Math.min(tickHours, deadlineHours - t * tickHours);
    const spotAvailable = trace.available[startTick + t] === 1;
    const parentBase = (t + 1) * states;
    for (let s = 0; s < states; s++) {
      const isSpot = s >= 1 && s <= 1 + cap;
      const isOnDemand = s >= 2 + cap;
      const ranTicks = isSpot ? s - 1 : isOnDemand ? s - 2 - cap : 0;
      for (let b = 0; b <= t; b++) {
        const done = work[s * budgets + b] ?? -1;
        if (done < 0) continue;
        // Wait (or give up the instance): no progress, no cost.
        const idle = NONE * budgets + b;
        if (done > (next[idle] ?? -1) + EPSILON) {
          next[idle] = done;
          parent[(parentBase + NONE) * budgets + b] = s;
        }
        for (let a = spotAvailable ? 0 : 1; a < 2; a++) {
          const onDemand = a === 1;
          const k = (onDemand ? isOnDemand : isSpot) ? ranTicks : 0;
          const restoring = Math.min(slot, Math.max(0, changeoverHours - k * tickHours));
          const progress = slot - restoring;
          if (done + progress >= workHours - EPSILON) {
            const partial = onDemand ? restoring + (workHours - done) : 0;
            const hours = b * tickHours + partial;
            if (best === null || hours < best.onDemandHours - EPSILON) {
              best = {
                onDemandHours: hours,
                tick: t,
                state: s,
                onDemandTicks: b,
                action: onDemand ? 'on-demand' : 'spot',
              };
            }
            continue;
          }
          const nextK = Math.min(cap, k + 1);
          const to = onDemand ? onDemandState(nextK) : spotState(nextK);
          const toBudget = onDemand ? b + 1 : b;
          const index = to * budgets + toBudget;
          if (done + progress > (next[index] ?? -1) + EPSILON) {
            next[index] = done + progress;
            parent[(parentBase + to) * budgets + toBudget] = s;
          }
        }
      }
    }
    [work, next] = [next, work];
  }

  if (best === null) return null;
  const found: Completion = best;
  const plan: Placement[] = new Array<Placement>(found.tick + 1);
  plan[found.tick] = found.action;
  let s = found.state;
  let b = found.onDemandTicks;
  for (let t = found.tick; t > 0; t--) {
    const isOnDemand = s >= 2 + cap;
    plan[t - 1] = s === NONE ? 'none' : isOnDemand ? 'on-demand' : 'spot';
    const previous = parent[(t * states + s) * budgets + b] ?? NONE;
    if (isOnDemand) b--;
    s = previous;
  }
  return plan;
};

/**
 * A policy that follows the hindsight-optimal plan for this run. Reference only: it reads the future.
 *
 * @throws {RangeError} when the deadline cannot be met at all
 */
export const omniscientPolicy = (run: SingleJobRun): SpotPolicy => {
  const plan = planOmniscient(run);
  if (plan === null) {
    throw new RangeError(
      `no schedule finishes ${run.workHours} h of work by ${run.deadlineHours} h with ${run.changeoverHours} h changeovers`,
    );
  }
  return {
    name: 'omniscient',
    // Past the end of the plan the job is done; on-demand is the harmless answer.
    decide: (state) => plan[state.tick] ?? 'on-demand',
  };
};
