import type { JobRecord } from '../ports.js';
import { DEFAULT_COST_MODEL } from '../pricing/cost-model.js';
import {
  mustCommitToOnDemand,
  type PolicyState,
  quartermasterPolicy,
  type SpotPolicy,
} from '../spot/spot-policy.js';

const HOUR_MS = 3_600_000;

export interface RequeueRuleOptions {
  /** Hours a fresh start costs (boot, restore from checkpoint). @default the cost model's restart overhead */
  readonly changeoverHours?: number;
  /** Hours until the next decision can be taken (the solve schedule). @default 0.25 */
  readonly decisionIntervalHours?: number;
  /**
   * What decides spot or on-demand after an interruption. A deployment runs the deadline-aware
   * policy; the simulator passes a baseline's to compare policies on the same loop.
   * @default quartermasterPolicy
   */
  readonly policy?: SpotPolicy;
}

/**
 * Work a job has checkpointed in the run it is in (since `startedAt`): whole checkpoint intervals
 * of the time it ran; without checkpoints none survives. Measured on the reference model (an
 * estimate; the request's hours are one too).
 */
export const checkpointedThisRunHours = (job: JobRecord, nowMs: number): number => {
  const started = job.runtime.startedAt === undefined ? Number.NaN : Date.parse(job.runtime.startedAt);
  const checkpoint = job.request.runtime.checkpointMinutes;
  if (Number.isNaN(started) || checkpoint === undefined) return 0;
  const ranHours = Math.max(0, nowMs - started) / HOUR_MS;
  return Math.floor((ranHours * 60) / checkpoint) * (checkpoint / 60);
};

/** Work kept so far: earlier runs' checkpoints (in the ledger) plus this run's, at most all of it. */
export const workDoneHours = (job: JobRecord, nowMs: number): number =>
  Math.min(
    job.request.runtime.estimatedHours,
    (job.runtime.workDoneHours ?? 0) + checkpointedThisRunHours(job, nowMs),
  );

/** Work a job still has to do after running since `startedAt`: what it checkpointed is kept, the rest is lost. */
export const remainingWorkHours = (job: JobRecord, nowMs: number): number =>
  Math.max(0, job.request.runtime.estimatedHours - workDoneHours(job, nowMs));

const policyState = (
  job: JobRecord,
  nowMs: number,
  options: RequeueRuleOptions,
  deadline: string,
): PolicyState => {
  const submitted = Date.parse(job.request.submittedAt ?? job.createdAt);
  const elapsedHours = Math.max(0, nowMs - submitted) / HOUR_MS;
  return {
    tick: 0,
    tickHours: options.decisionIntervalHours ?? 0.25,
    elapsedHours,
    workDoneHours: workDoneHours(job, nowMs),
    workHours: job.request.runtime.estimatedHours,
    deadlineHours: (Date.parse(deadline) - submitted) / HOUR_MS,
    changeoverHours: options.changeoverHours ?? DEFAULT_COST_MODEL.restartOverheadHours,
    spotAvailable: false,
    currentlyOn: 'none',
    remainingChangeover: 0,
    // The pool has just taken the instance back: the outage is one decision interval old.
    spotStreakTicks: 1,
  };
};

/**
 * The choice after a spot interruption (docs/adr/0002): the deadline-aware policy (or the one in
 * `options.policy`), handed the job's
 * state from the ledger — work kept (checkpoints of every run so far), time since submission,
 * the deadline — and a pool that has just lost its capacity. On or ahead of the uniform-progress
 * line the job may try spot again (the solve still picks the cheaper); behind it, or when the
 * slack no longer covers the work, it runs on-demand next. Jobs without a deadline may always try
 * spot again.
 */
export const onDemandAfterInterruption = (
  job: JobRecord,
  nowMs: number,
  options: RequeueRuleOptions = {},
): boolean => {
  const deadline = job.request.runtime.deadline;
  if (deadline === undefined) return false;
  const policy = options.policy ?? quartermasterPolicy;
  return policy.decide(policyState(job, nowMs, options, deadline)) === 'on-demand';
};

/**
 * The hard safety rule of the deadline-aware policy (docs/adr/0002), for a job still on spot: when
 * the time left to the deadline no longer covers the remaining work, one changeover and one
 * decision interval of margin, the job must move to on-demand now (a rebalance recommendation is
 * then acted on at once). Jobs without a deadline never must.
 */
export const mustRunOnDemandNext = (
  job: JobRecord,
  nowMs: number,
  options: RequeueRuleOptions = {},
): boolean => {
  const deadline = job.request.runtime.deadline;
  if (deadline === undefined) return false;
  const deadlineHours = (Date.parse(deadline) - nowMs) / HOUR_MS;
  return mustCommitToOnDemand({
    tick: 0,
    tickHours: options.decisionIntervalHours ?? 0.25,
    elapsedHours: 0,
    workDoneHours: 0,
    workHours: remainingWorkHours(job, nowMs),
    deadlineHours,
    changeoverHours: options.changeoverHours ?? DEFAULT_COST_MODEL.restartOverheadHours,
    spotAvailable: true,
    currentlyOn: 'spot',
    remainingChangeover: 0,
  });
};
