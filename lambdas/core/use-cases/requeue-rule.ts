import type { JobRecord } from '../ports.js';
import { DEFAULT_COST_MODEL } from '../pricing/cost-model.js';
import { mustCommitToOnDemand, type PolicyState, type SpotPolicy } from '../spot/spot-policy.js';

const HOUR_MS = 3_600_000;
const DEFAULT_DECISION_INTERVAL_HOURS = 10 / 60;

export interface RequeueRuleOptions {
  /** Hours a fresh start costs (boot, restore from checkpoint). @default the cost model's restart overhead */
  readonly changeoverHours?: number;
  /**
   * Hours of margin for the next decision: a job sent back to spot is looked at again by the
   * reconcile run, which moves it with two of its intervals to spare. @default 1/6 (two runs of
   * the deployment's 5-minute schedule)
   */
  readonly decisionIntervalHours?: number;
  /**
   * What decides spot or on-demand after an interruption, instead of the hard safety rule a
   * deployment applies (ADR 0002, "The policy on the deployed path", says why not the
   * uniform-progress line). @default the safety rule (`mustCommitToOnDemand`)
   */
  readonly policy?: SpotPolicy;
  /**
   * The lost-work cap (docs/adr/0014): once the job's interrupted runs have lost this many times
   * its length in work, it runs on-demand next, deadline or not. @default 1
   */
  readonly lostWorkCap?: number;
}

const DEFAULT_LOST_WORK_CAP = 1;

/**
 * Work a job has checkpointed in the run it is in (since `startedAt`): whole checkpoint intervals
 * of the time it worked, which starts after the restart overhead (boot, restore) every start pays;
 * without checkpoints none survives. Measured on the reference model (an estimate; the request's
 * hours are one too).
 */
export const checkpointedThisRunHours = (
  job: JobRecord,
  nowMs: number,
  overheadHours: number = DEFAULT_COST_MODEL.restartOverheadHours,
): number => {
  const started = job.runtime.startedAt === undefined ? Number.NaN : Date.parse(job.runtime.startedAt);
  const checkpoint = job.request.runtime.checkpointMinutes;
  if (Number.isNaN(started) || checkpoint === undefined) return 0;
  const workedHours = Math.max(0, (nowMs - started) / HOUR_MS - overheadHours);
  return Math.floor((workedHours * 60) / checkpoint) * (checkpoint / 60);
};

/** Work kept so far: earlier runs' checkpoints (in the ledger) plus this run's, at most all of it. */
export const workDoneHours = (
  job: JobRecord,
  nowMs: number,
  overheadHours: number = DEFAULT_COST_MODEL.restartOverheadHours,
): number =>
  Math.min(
    job.request.runtime.estimatedHours,
    (job.runtime.workDoneHours ?? 0) + checkpointedThisRunHours(job, nowMs, overheadHours),
  );

/** Work a job still has to do after running since `startedAt`: what it checkpointed is kept, the rest is lost. */
export const remainingWorkHours = (
  job: JobRecord,
  nowMs: number,
  overheadHours: number = DEFAULT_COST_MODEL.restartOverheadHours,
): number => Math.max(0, job.request.runtime.estimatedHours - workDoneHours(job, nowMs, overheadHours));

const changeoverOf = (options: RequeueRuleOptions): number =>
  options.changeoverHours ?? DEFAULT_COST_MODEL.restartOverheadHours;

/**
 * Hours the run since `startedAt` ran without keeping: all of it less what it checkpointed (the
 * restart overhead included, since every start pays it again). None without a start.
 */
export const lostThisRunHours = (
  job: JobRecord,
  nowMs: number,
  overheadHours: number = DEFAULT_COST_MODEL.restartOverheadHours,
): number => {
  const started = job.runtime.startedAt === undefined ? Number.NaN : Date.parse(job.runtime.startedAt);
  if (Number.isNaN(started)) return 0;
  return Math.max(0, (nowMs - started) / HOUR_MS - checkpointedThisRunHours(job, nowMs, overheadHours));
};

/** Work lost so far: earlier runs' (in the ledger) plus this run's. */
export const lostWorkHours = (
  job: JobRecord,
  nowMs: number,
  overheadHours: number = DEFAULT_COST_MODEL.restartOverheadHours,
): number => (job.runtime.lostWorkHours ?? 0) + lostThisRunHours(job, nowMs, overheadHours);

/**
 * The lost-work cap (docs/adr/0014): a job whose interruptions have thrown away as much work as
 * the job has (by default) stops gambling on spot. Without it a job that does not checkpoint, or
 * whose checkpoints are longer than the pool's spells, and has no deadline to force the safety
 * rule, is reclaimed again and again and never finishes; with it the spot work it wastes is at
 * most the cap plus one run before on-demand finishes it (the ski-rental bound).
 */
export const lostWorkCapReached = (
  job: JobRecord,
  nowMs: number,
  options: RequeueRuleOptions = {},
): boolean =>
  lostWorkHours(job, nowMs, changeoverOf(options)) >=
  (options.lostWorkCap ?? DEFAULT_LOST_WORK_CAP) * job.request.runtime.estimatedHours - 1e-9;

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
    tickHours: options.decisionIntervalHours ?? DEFAULT_DECISION_INTERVAL_HOURS,
    elapsedHours,
    workDoneHours: workDoneHours(job, nowMs, changeoverOf(options)),
    workHours: job.request.runtime.estimatedHours,
    deadlineHours: (Date.parse(deadline) - submitted) / HOUR_MS,
    changeoverHours: changeoverOf(options),
    spotAvailable: false,
    currentlyOn: 'none',
    remainingChangeover: 0,
    // No streak: the policy's wait for an outage to last (in solve intervals) has nothing to act on
    // here, since this is the only decision the interruption gets; the job goes back to the solve,
    // which places it on spot again at once unless this says on-demand. Treated as a lasting outage,
    // a job behind the uniform-progress line runs on-demand next, as ADR 0002 states.
  };
};

/**
 * The choice after a spot interruption (docs/adr/0002): the job's state from the ledger — work
 * kept (checkpoints of every run so far), time since submission, the deadline — against the hard
 * safety rule: when the time left no longer covers the remaining work, a changeover and the margin
 * to the next decision, it runs on-demand next; otherwise the next solve may pick spot again (it
 * still picks the cheaper). `options.policy` replaces the rule (the simulator's baselines, or the
 * uniform-progress policy for comparison). Whatever the policy, a job past its lost-work cap runs
 * on-demand next; below it, jobs without a deadline may try spot again.
 */
export const onDemandAfterInterruption = (
  job: JobRecord,
  nowMs: number,
  options: RequeueRuleOptions = {},
): boolean => {
  if (lostWorkCapReached(job, nowMs, options)) return true;
  const deadline = job.request.runtime.deadline;
  if (deadline === undefined) return false;
  const state = policyState(job, nowMs, options, deadline);
  if (options.policy === undefined) return mustCommitToOnDemand(state);
  return options.policy.decide(state) === 'on-demand';
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
    tickHours: options.decisionIntervalHours ?? DEFAULT_DECISION_INTERVAL_HOURS,
    elapsedHours: 0,
    workDoneHours: 0,
    workHours: remainingWorkHours(job, nowMs, changeoverOf(options)),
    deadlineHours,
    changeoverHours: changeoverOf(options),
    spotAvailable: true,
    currentlyOn: 'spot',
    remainingChangeover: 0,
  });
};
