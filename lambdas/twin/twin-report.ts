import type { InMemoryLedger } from '../adapters/in-memory-ledger.js';
import type { JobRequest } from '../core/jobs/job-request.js';
import type { JobState } from '../core/jobs/job-state.js';
import { eventTypeFor } from '../core/ledger/job-change.js';
import type { UsageRecord } from '../core/ports.js';

/** One job at the end of a twin run, from the ledger alone. */
export interface TwinJobOutcome {
  readonly jobId: string;
  readonly team: string;
  /** `REJECTED` when intake refused the request; `UNKNOWN` when it never reached the ledger. */
  readonly state: JobState | 'REJECTED' | 'UNKNOWN';
  readonly finishedAt: string | null;
  readonly deadline: string | null;
  /** A deadline, and the job did not succeed by it. */
  readonly deadlineMissed: boolean;
  /** Sum of the usage records' costs, each at its stored unit price. */
  readonly costUsd: number;
  /** INTERRUPTED events in the job's chain. */
  readonly interruptions: number;
  readonly attempts: number;
}

export interface TwinTotals {
  readonly costUsd: number;
  readonly spotInstanceHours: number;
  readonly onDemandInstanceHours: number;
  readonly interruptions: number;
  /** Spot reclaims EC2 carried out (warnings sent), whether or not a job was interrupted by them. */
  readonly reclaims: number;
  readonly solves: number;
  readonly reconciles: number;
  readonly priceRefreshes: number;
  readonly simulatedDays: number;
  readonly jobsSucceeded: number;
  readonly jobsFailed: number;
  readonly jobsUnfinished: number;
  readonly deadlineMisses: number;
  /** Messages moved to a dead-letter queue or left failing: the deployment would page someone. */
  readonly handlerErrors: number;
}

const HOUR_MS = 3_600_000;

/** Micro-dollar sum, so a job's cost equals the sum of its recorded costs exactly. */
export const usageCostUsd = (usage: readonly UsageRecord[]): number =>
  usage.reduce((sum, u) => sum + Math.round((u.costUsd ?? 0) * 1_000_000), 0) / 1_000_000;

export const outcomeOf = async (
  ledger: InMemoryLedger,
  request: JobRequest,
  usage: readonly UsageRecord[],
): Promise<TwinJobOutcome> => {
  const job = await ledger.getJob(request.jobId);
  const deadline = request.runtime.deadline ?? null;
  if (job === undefined) {
    return {
      jobId: request.jobId,
      team: request.team,
      state: 'UNKNOWN',
      finishedAt: null,
      deadline,
      deadlineMissed: deadline !== null,
      costUsd: 0,
      interruptions: 0,
      attempts: 0,
    };
  }
  const events = await ledger.listEvents(job.jobId);
  const finishedAt = job.runtime.finishedAt ?? null;
  const succeededInTime =
    job.state === 'SUCCEEDED' &&
    (deadline === null || (finishedAt !== null && Date.parse(finishedAt) <= Date.parse(deadline)));
  return {
    jobId: job.jobId,
    team: job.team,
    state: job.state,
    finishedAt,
    deadline,
    deadlineMissed: deadline !== null && !succeededInTime,
    costUsd: usageCostUsd(usage),
    interruptions: events.filter((e) => e.type === eventTypeFor('INTERRUPTED')).length,
    attempts: job.attempts,
  };
};

/** Instance-hours by purchase option, from the usage intervals (open ones up to `endMs`). */
export const instanceHours = (usage: readonly UsageRecord[], endMs: number) => {
  let spot = 0;
  let onDemand = 0;
  for (const u of usage) {
    const stop = u.stoppedAt === null ? endMs : Date.parse(u.stoppedAt);
    const hours = Math.max(0, stop - Date.parse(u.startedAt)) / HOUR_MS;
    if (u.purchaseOption === 'spot') spot += hours;
    else onDemand += hours;
  }
  return { spot, onDemand };
};
