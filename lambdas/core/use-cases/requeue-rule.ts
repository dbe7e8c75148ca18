import type { JobRecord } from '../ports.js';
import { DEFAULT_COST_MODEL } from '../pricing/cost-model.js';
import { mustCommitToOnDemand } from '../spot/spot-policy.js';

const HOUR_MS = 3_600_000;

export interface RequeueRuleOptions {
  /** Hours a fresh start costs (boot, restore from checkpoint). @default the cost model's restart overhead */
  readonly changeoverHours?: number;
  /** Hours until the next decision can be taken (the solve schedule). @default 0.25 */
  readonly decisionIntervalHours?: number;
}

/**
 * Work a job still has to do after running since `startedAt`: what it checkpointed is kept, the
 * rest is lost. Measured on the reference model (an estimate; the request's hours are one too).
 */
export const remainingWorkHours = (job: JobRecord, nowMs: number): number => {
  const total = job.request.runtime.estimatedHours;
  const started = job.runtime.startedAt === undefined ? Number.NaN : Date.parse(job.runtime.startedAt);
  const checkpoint = job.request.runtime.checkpointMinutes;
  if (Number.isNaN(started) || checkpoint === undefined) return total;
  const ranHours = Math.max(0, nowMs - started) / HOUR_MS;
  const kept = Math.floor((ranHours * 60) / checkpoint) * (checkpoint / 60);
  return Math.max(0, total - kept);
};

/**
 * The deadline-aware rule applied when a spot job is interrupted (docs/adr/0002): when the time
 * left to the deadline no longer covers the remaining work, one changeover and one decision
 * interval of margin, the job's next allocation must be on-demand. Jobs without a deadline may
 * always try spot again.
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
