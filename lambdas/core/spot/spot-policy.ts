/**
 * Tick-by-tick placement policies for one checkpointing job that must finish by a deadline, choosing
 * between spot (cheap, may vanish), on-demand (always there, dearer) and waiting. Each restart on
 * a new instance costs a changeover (boot, restore from checkpoint) during which no work is done.
 *
 * Policies are pure functions of the state they are handed; anything they need to remember
 * (e.g. "already on on-demand") is part of that state, so one policy object serves any number of runs.
 */

/** Where the job runs during a tick; `none` means it waits without an instance. */
export type Placement = 'spot' | 'on-demand' | 'none';

/** What a policy sees at the start of each tick. */
export interface PolicyState {
  /** Tick index since the job was submitted (0-based). */
  readonly tick: number;
  /** Length of one tick in hours; decisions are only taken at tick boundaries. */
  readonly tickHours: number;
  /** Hours since the job was submitted. */
  readonly elapsedHours: number;
  /** Useful work done so far (kept across interruptions: the job checkpoints). */
  readonly workDoneHours: number;
  /** Total work the job needs. */
  readonly workHours: number;
  /** Hours from submission to the deadline. */
  readonly deadlineHours: number;
  /** Hours lost each time the job starts on a new instance. */
  readonly changeoverHours: number;
  /** Whether spot capacity can be had during this tick. */
  readonly spotAvailable: boolean;
  /** The instance the job holds now; a spot instance that was reclaimed shows as `none`. */
  readonly currentlyOn: Placement;
  /** Changeover hours still to pay on the current instance before work progresses again. */
  readonly remainingChangeover: number;
  /**
   * How many consecutive ticks, this one included, spot has been as `spotAvailable` says now
   * (available, or away), counted from submission: the only history of the trace a policy sees.
   * Absent when the caller does not track it; quartermaster then assumes spot has only just come
   * back, or has been away for long, whichever is the less hopeful reading.
   */
  readonly spotStreakTicks?: number;
}

/** A placement policy. It must never answer `spot` while `spotAvailable` is false. */
export interface SpotPolicy {
  readonly name: string;
  decide(state: PolicyState): Placement;
}

/** The runtime policies, selectable by name. */
export const SPOT_POLICY_NAMES = ['on-demand', 'greedy-spot', 'fleet-pco', 'quartermaster'] as const;
export type SpotPolicyName = (typeof SPOT_POLICY_NAMES)[number];

/** Float tolerance for comparisons of hour sums built from tick fractions. */
const EPSILON = 1e-9;

/**
 * True when the job can no longer afford to wait for spot: the time left no longer covers the
 * remaining work, one fresh changeover and one tick of margin. Deciding only at tick boundaries,
 * this margin is what makes the rule safe: if it did not fire at the previous boundary, at most one
 * tick was lost since, so at least `remaining work + changeover` hours are still left now and a
 * fresh on-demand start finishes in time. Once it fires it keeps firing, because on on-demand the
 * time left and the remaining work shrink together.
 */
export const mustCommitToOnDemand = (state: PolicyState): boolean => {
  const timeLeft = state.deadlineHours - state.elapsedHours;
  const workLeft = state.workHours - state.workDoneHours;
  return timeLeft <= workLeft + state.changeoverHours + state.tickHours + EPSILON;
};

/** Always on-demand: the baseline every saving is measured against. */
export const onDemandPolicy: SpotPolicy = {
  name: 'on-demand',
  decide: () => 'on-demand',
};

/** Spot whenever it is there, otherwise wait; when waiting is no longer affordable, on-demand to the end. */
const spotUntilForced = (state: PolicyState): Placement => {
  if (state.currentlyOn === 'on-demand' || mustCommitToOnDemand(state)) return 'on-demand';
  return state.spotAvailable ? 'spot' : 'none';
};

/** Greedy: spot whenever available, wait otherwise, last-moment switch to on-demand and stay there. */
export const greedySpotPolicy: SpotPolicy = {
  name: 'greedy-spot',
  decide: spotUntilForced,
};

/**
 * An EC2 Fleet with the price-capacity-optimized strategy, spot only, plus the same last-moment
 * on-demand safety net as greedy. The strategy only differs from greedy when it can pick among
 * several spot pools; with a single availability trace there is one pool, so its decisions are
 * exactly greedy's. It is kept as a separate name so reports line up with the multi-pool planner.
 */
export const fleetPcoPolicy: SpotPolicy = {
  name: 'fleet-pco',
  decide: spotUntilForced,
};

/** Work a job should have done by now to progress uniformly from submission to its deadline. */
export const uniformProgressTarget = (state: PolicyState): number =>
  (state.workHours * state.elapsedHours) / state.deadlineHours;

/**
 * `changeovers` changeovers expressed in whole ticks, at least one: how long quartermaster lets a
 * change in spot availability last before acting on it.
 */
export const changeoverTicks = (state: PolicyState, changeovers = 1): number =>
  Math.max(1, Math.ceil((changeovers * state.changeoverHours) / state.tickHours - EPSILON));

/**
 * Uniform Progress as first adopted (kept for comparison in the benchmark, not a runtime choice):
 * keep progress at or above the uniform line; leave on-demand for returning spot only when ahead
 * of the line by more than a changeover; without spot wait while on or above the line, run
 * on-demand while behind it, and once on on-demand stay there until spot returns.
 */
export const uniformProgressPolicy: SpotPolicy = {
  name: 'uniform-progress',
  decide: (state) => {
    if (mustCommitToOnDemand(state)) return 'on-demand';
    const lead = state.workDoneHours - uniformProgressTarget(state);
    if (state.spotAvailable) {
      if (state.currentlyOn !== 'on-demand') return 'spot';
      return lead > state.changeoverHours + EPSILON ? 'spot' : 'on-demand';
    }
    if (state.currentlyOn === 'on-demand') return 'on-demand';
    return lead < -EPSILON ? 'on-demand' : 'none';
  },
};

/**
 * Deadline-aware spot policy (see docs/adr/0002-deadline-aware-spot-policy.md).
 *
 * It keeps progress near the uniform line from zero work at submission to all work at the
 * deadline, which spreads the slack over the whole window instead of spending it all at the start,
 * and it lets a change in spot availability last before paying a changeover for it:
 * - spot whenever it is available and the job is not on on-demand;
 * - on on-demand, it moves to returning spot once spot has stayed for two changeovers (the round
 *   trip it risks: a spot start now, an on-demand restart if spot goes again), or at once when
 *   ahead of the line, where it can afford the restart;
 * - without spot, it waits while on or above the line; behind it, it still waits out the first
 *   changeover of an outage (many outages are that short, and an on-demand start in one would bill
 *   a changeover for little or no work), then runs on-demand until spot returns;
 * - the same hard safety rule as greedy: when waiting is no longer affordable, on-demand to the end.
 *
 * The only history it reads is `spotStreakTicks`, the age of the current availability state; an
 * availability state that has lasted long tends to last longer, which is what both waits rely on.
 */
export const quartermasterPolicy: SpotPolicy = {
  name: 'quartermaster',
  decide: (state) => {
    if (mustCommitToOnDemand(state)) return 'on-demand';
    const lead = state.workDoneHours - uniformProgressTarget(state);
    const streak = state.spotStreakTicks ?? (state.spotAvailable ? 1 : Number.POSITIVE_INFINITY);
    if (state.spotAvailable) {
      if (state.currentlyOn !== 'on-demand') return 'spot';
      return streak >= changeoverTicks(state, 2) || lead > EPSILON ? 'spot' : 'on-demand';
    }
    if (state.currentlyOn === 'on-demand') return 'on-demand';
    if (lead >= -EPSILON) return 'none';
    return streak >= changeoverTicks(state) ? 'on-demand' : 'none';
  },
};

const POLICIES: Readonly<Record<SpotPolicyName, SpotPolicy>> = {
  'on-demand': onDemandPolicy,
  'greedy-spot': greedySpotPolicy,
  'fleet-pco': fleetPcoPolicy,
  quartermaster: quartermasterPolicy,
};

/** The runtime policy with this name. */
export const spotPolicyByName = (name: SpotPolicyName): SpotPolicy => POLICIES[name];

/** Narrows a user-supplied string to a policy name. */
export const isSpotPolicyName = (name: string): name is SpotPolicyName =>
  (SPOT_POLICY_NAMES as readonly string[]).includes(name);
