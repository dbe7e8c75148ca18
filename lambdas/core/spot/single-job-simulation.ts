import type { Placement, PolicyState, SpotPolicy } from './spot-policy.js';
import type { SpotTrace } from './spot-trace.js';

/**
 * Replays one checkpointing job against a spot availability trace under a placement policy.
 *
 * Model (the setting of the deadline-aware spot literature):
 * - time advances in trace ticks; the policy decides at each tick boundary;
 * - work progresses only while the job holds an instance and has paid its changeover;
 * - every start on a new instance (first start, restart after a spot reclaim, spot → on-demand,
 *   on-demand → spot) pays `changeoverHours`, billed at that instance's price;
 * - when spot vanishes the instance is reclaimed at the tick boundary; work done so far is kept;
 * - on-demand is always available;
 * - the job stops paying the moment its work is done (a partly used tick is billed pro rata);
 * - if the deadline passes unfinished, the run is marked missed and the job is finished on
 *   on-demand after the deadline, so its cost still counts the whole job.
 *
 * Cost is in spot-hour units: spot costs 1 per instance-hour, on-demand `priceRatio`.
 */

/** The job and prices; hours throughout. */
export interface SingleJobParams {
  readonly workHours: number;
  readonly deadlineHours: number;
  readonly changeoverHours: number;
  /** On-demand price divided by spot price. */
  readonly priceRatio: number;
}

/** One job submitted at one point of one trace. */
export interface SingleJobRun extends SingleJobParams {
  readonly trace: SpotTrace;
  /** Trace tick at which the job is submitted; the whole deadline window must fit in the trace. */
  readonly startTick: number;
}

/** What one run cost. */
export interface SingleJobResult {
  readonly policy: string;
  /** Spot-hour units: spot hours + priceRatio × on-demand hours. */
  readonly cost: number;
  readonly onDemandHours: number;
  readonly spotHours: number;
  readonly missedDeadline: boolean;
  /** Starts on a new instance, the first one included. */
  readonly changeovers: number;
  /** Hours from submission to the end of the work. */
  readonly finishedAtHours: number;
}

/** A fixed policy, or one built for each run (a reference policy that is told the future). */
export type PolicyForRun = SpotPolicy | ((run: SingleJobRun) => SpotPolicy);

const EPSILON = 1e-9;

const requireFinite = (name: string, value: number, min: number, inclusive: boolean): void => {
  const ok = Number.isFinite(value) && (inclusive ? value >= min : value > min);
  if (!ok) {
    throw new RangeError(`${name} must be a number ${inclusive ? '>=' : '>'} ${min}, got ${value}`);
  }
};

/** Checks the job parameters, naming the first bad one. */
export const validateSingleJobParams = (params: SingleJobParams): void => {
  requireFinite('workHours', params.workHours, 0, false);
  requireFinite('deadlineHours', params.deadlineHours, 0, false);
  requireFinite('changeoverHours', params.changeoverHours, 0, true);
  requireFinite('priceRatio', params.priceRatio, 0, false);
};

/** Trace ticks a deadline window spans (the last one may be partly used). */
export const windowTicks = (trace: SpotTrace, deadlineHours: number): number =>
  Math.ceil((deadlineHours * 3600) / trace.gapSeconds - EPSILON);

/** The largest start tick whose deadline window still fits in the trace, or -1 when none does. */
export const lastStartTick = (trace: SpotTrace, deadlineHours: number): number =>
  trace.available.length - windowTicks(trace, deadlineHours);

/**
 * Runs one job under one policy.
 *
 * @throws {RangeError} for bad parameters, a start whose window does not fit in the trace, or a
 * policy that asks for spot while none is available
 */
export const simulateSingleJob = (run: SingleJobRun & { readonly policy: SpotPolicy }): SingleJobResult => {
  validateSingleJobParams(run);
  const { trace, startTick, workHours, deadlineHours, changeoverHours, priceRatio, policy } = run;
  const last = lastStartTick(trace, deadlineHours);
  if (!Number.isInteger(startTick) || startTick < 0 || startTick > last) {
    throw new RangeError(
      `startTick must be an integer in [0, ${last}] so the ${deadlineHours} h window fits in the ` +
        `${trace.available.length}-tick trace, got ${startTick}`,
    );
  }
  const tickHours = trace.gapSeconds / 3600;

  let elapsed = 0;
  let done = 0;
  let on: Placement = 'none';
  let remainingChangeover = 0;
  let spotHours = 0;
  let onDemandHours = 0;
  let changeovers = 0;
  let finishedAt = 0;
  // Age of the current availability state, handed to the policy as the history it may use.
  let spotStreakTicks = 0;
  let lastSpotAvailable = false;

  for (let tick = 0; done < workHours - EPSILON; tick++) {
    const beforeDeadline = elapsed < deadlineHours - EPSILON;
    const spotAvailable = beforeDeadline && trace.available[startTick + tick] === 1;
    spotStreakTicks = tick > 0 && spotAvailable === lastSpotAvailable ? spotStreakTicks + 1 : 1;
    lastSpotAvailable = spotAvailable;
    if (on === 'spot' && !spotAvailable) {
      on = 'none';
      remainingChangeover = 0;
    }
    let choice: Placement = 'on-demand';
    if (beforeDeadline) {
      const state: PolicyState = {
        tick,
        tickHours,
        elapsedHours: elapsed,
        workDoneHours: done,
        workHours,
        deadlineHours,
        changeoverHours,
        spotAvailable,
        currentlyOn: on,
        remainingChangeover,
        spotStreakTicks,
      };
      choice = policy.decide(state);
      if (choice === 'spot' && !spotAvailable) {
        throw new RangeError(
          `policy ${policy.name} chose spot at tick ${tick} (trace tick ${startTick + tick}) while none was available`,
        );
      }
    }
    if (choice === 'none') {
      on = 'none';
      remainingChangeover = 0;
    } else if (choice !== on) {
      on = choice;
      remainingChangeover = changeoverHours;
      changeovers++;
    }
    // The tick that holds the deadline is cut there, so runs are judged exactly at the deadline.
    const slot = beforeDeadline ? Math.min(tickHours, deadlineHours - elapsed) : tickHours;
    if (on !== 'none') {
      const restoring = Math.min(remainingChangeover, slot);
      remainingChangeover -= restoring;
      const progress = Math.min(slot - restoring, workHours - done);
      done += progress;
      const billed = restoring + progress;
      if (on === 'spot') spotHours += billed;
      else onDemandHours += billed;
      finishedAt = elapsed + billed;
    }
    elapsed += slot;
  }

  return {
    policy: policy.name,
    cost: spotHours + priceRatio * onDemandHours,
    onDemandHours,
    spotHours,
    missedDeadline: finishedAt > deadlineHours + EPSILON,
    changeovers,
    finishedAtHours: finishedAt,
  };
};

/** `count` start ticks spread evenly from the first to the last start whose window fits (no wrap-around). */
export const evenlySpreadStarts = (trace: SpotTrace, deadlineHours: number, count: number): number[] => {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`starts must be a positive integer, got ${count}`);
  }
  const last = lastStartTick(trace, deadlineHours);
  if (last < 0) {
    const traceHours = (trace.available.length * trace.gapSeconds) / 3600;
    throw new RangeError(
      `the ${deadlineHours} h deadline window does not fit in the ${traceHours.toFixed(1)} h trace`,
    );
  }
  const n = Math.min(count, last + 1);
  if (n === 1) return [0];
  return Array.from({ length: n }, (_, i) => Math.round((i * last) / (n - 1)));
};

/** Averages of one policy over several start times. */
export interface SingleJobAverage {
  readonly policy: string;
  /** Mean cost per job, spot-hour units. */
  readonly cost: number;
  readonly onDemandHours: number;
  readonly spotHours: number;
  readonly changeovers: number;
  /** How many of the start times missed the deadline (a count, not a fraction). */
  readonly missedDeadlines: number;
  /** How many start times were simulated. */
  readonly starts: number;
}

/**
 * Runs one policy from `starts` submission times spread evenly over the trace and averages.
 *
 * @param onRun called after each run, e.g. to drive a progress indicator
 */
export const simulateSingleJobOverStarts = (
  input: SingleJobParams & {
    readonly trace: SpotTrace;
    readonly starts: number;
    readonly policy: PolicyForRun;
    readonly onRun?: (done: number, total: number) => void;
  },
): SingleJobAverage => {
  validateSingleJobParams(input);
  const startTicks = evenlySpreadStarts(input.trace, input.deadlineHours, input.starts);
  let cost = 0;
  let onDemandHours = 0;
  let spotHours = 0;
  let changeovers = 0;
  let missed = 0;
  let name = typeof input.policy === 'function' ? 'reference' : input.policy.name;
  startTicks.forEach((startTick, index) => {
    const run: SingleJobRun = {
      trace: input.trace,
      startTick,
      workHours: input.workHours,
      deadlineHours: input.deadlineHours,
      changeoverHours: input.changeoverHours,
      priceRatio: input.priceRatio,
    };
    const policy = typeof input.policy === 'function' ? input.policy(run) : input.policy;
    name = policy.name;
    const result = simulateSingleJob({ ...run, policy });
    cost += result.cost;
    onDemandHours += result.onDemandHours;
    spotHours += result.spotHours;
    changeovers += result.changeovers;
    if (result.missedDeadline) missed++;
    input.onRun?.(index + 1, startTicks.length);
  });
  const n = startTicks.length;
  return {
    policy: name,
    cost: cost / n,
    onDemandHours: onDemandHours / n,
    spotHours: spotHours / n,
    changeovers: changeovers / n,
    missedDeadlines: missed,
    starts: n,
  };
};
