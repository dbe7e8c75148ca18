import type { JobRecord, UsageRecord, UsageStart, UsageStop } from '../ports.js';
import { appendEvent, toJsonObject } from './event-chain.js';
import type { JobChange } from './job-change.js';

/**
 * Usage under the chain (ADR 0010): every usage write appends an event to its job's chain in the
 * same atomic write, so the facts a cost report is built from (which instance ran, on what terms,
 * from when to when) are covered by the job's hashes. These are the two events and the facts
 * they carry; they change the job's head and version, never its state.
 */

/** The type of the event a started interval appends. */
export const USAGE_STARTED = 'USAGE_STARTED';
/** The type of the event a stopped interval appends. */
export const USAGE_STOPPED = 'USAGE_STOPPED';

/** What a USAGE_STARTED event records (`data.usage`). */
export interface UsageStartFacts {
  readonly instanceId: string;
  readonly allocationId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string | null;
  readonly purchaseOption: UsageStart['purchaseOption'];
  readonly unitPriceUsdPerHour: number;
  readonly startedAt: string;
  /** The price book the allocation was priced from, when the writer knows it. */
  readonly priceBookId?: string;
  /** The list price per instance-hour the savings are measured against; `null`: none known. */
  readonly onDemandPriceUsdPerHour?: number | null;
}

/** What a USAGE_STOPPED event records (`data.usage`). */
export interface UsageStopFacts {
  readonly instanceId: string;
  readonly allocationId: string;
  readonly stoppedAt: string;
  /** The cost recorded with the stop (the deployment's settlement sums these). */
  readonly costUsd?: number | null;
  /**
   * Stated by writers that know at the stop whether it was a spot interruption (the example
   * builder, simulations). Absent: the chain's INTERRUPTED event of the allocation decides, as the
   * ledger export does.
   */
  readonly interrupted?: boolean;
  /** Last checkpoint before an interruption, when the writer knows it. */
  readonly lastCheckpointAt?: string | null;
}

/**
 * The on-demand price per instance-hour an allocation was priced against: its on-demand
 * equivalent over its expected instance-hours, to the micro-dollar. `null` without hours.
 */
export const onDemandPerInstanceHour = (allocation: {
  readonly onDemandEquivalentUsd?: unknown;
  readonly expectedHours?: unknown;
  readonly nodes?: unknown;
}): number | null => {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const onDemand = num(allocation.onDemandEquivalentUsd);
  const hours = num(allocation.expectedHours);
  const nodes = num(allocation.nodes) ?? 1;
  return onDemand !== undefined && hours !== undefined && hours > 0
    ? Math.round((onDemand / (hours * nodes)) * 1_000_000) / 1_000_000
    : null;
};

const head = (job: JobRecord) => ({ jobId: job.jobId, seq: job.eventCount, hash: job.headHash });

const advanced = (job: JobRecord, event: JobChange['event'], at: string): JobRecord => ({
  ...job,
  version: job.version + 1,
  updatedAt: at,
  eventCount: event.seq,
  headHash: event.hash,
});

/** The facts of a start, with the allocation's book and list price when it is the job's current one. */
export const usageStartFacts = (job: JobRecord, start: UsageStart): UsageStartFacts => {
  const held = job.allocation?.allocationId === start.allocationId ? job.allocation : null;
  const listPrice = held === null ? undefined : onDemandPerInstanceHour(held.allocation);
  return {
    instanceId: start.instanceId,
    allocationId: start.allocationId,
    instanceType: start.instanceType,
    region: start.region,
    availabilityZone: start.availabilityZone,
    purchaseOption: start.purchaseOption,
    unitPriceUsdPerHour: start.unitPriceUsdPerHour,
    startedAt: start.startedAt,
    ...(held === null ? {} : { priceBookId: held.priceBookId }),
    ...(listPrice === undefined ? {} : { onDemandPriceUsdPerHour: listPrice }),
  };
};

/**
 * The job after a usage interval of it started, and the USAGE_STARTED event. `extra` lets a writer
 * that knows more (a simulation) state the list price itself.
 * @throws TypeError when the interval is not the job's (other job or team)
 */
export const applyUsageStart = (
  job: JobRecord,
  start: UsageStart,
  at: string,
  facts: UsageStartFacts = usageStartFacts(job, start),
): JobChange => {
  if (start.jobId !== job.jobId)
    throw new TypeError(`startUsage(${start.instanceId}): usage of job ${start.jobId}, not ${job.jobId}`);
  if (start.team !== job.team || start.project !== job.project)
    throw new TypeError(
      `startUsage(${start.instanceId}): team/project ${start.team}/${start.project} is not job ${job.jobId}'s ${job.team}/${job.project}`,
    );
  const event = appendEvent(head(job), {
    jobId: job.jobId,
    type: USAGE_STARTED,
    at,
    data: toJsonObject({ usage: facts }),
  });
  return { job: advanced(job, event, at), event };
};

/** The facts of a stop. */
export const usageStopFacts = (usage: UsageRecord, stop: UsageStop): UsageStopFacts => ({
  instanceId: usage.instanceId,
  allocationId: usage.allocationId,
  stoppedAt: stop.stoppedAt,
  costUsd: stop.costUsd,
});

/**
 * The job after one of its usage intervals stopped, and the USAGE_STOPPED event.
 * @throws TypeError when the interval is not the job's
 */
export const applyUsageStop = (
  job: JobRecord,
  usage: UsageRecord,
  stop: UsageStop,
  at: string,
  facts: UsageStopFacts = usageStopFacts(usage, stop),
): JobChange => {
  if (usage.jobId !== job.jobId)
    throw new TypeError(`stopUsage(${usage.instanceId}): usage of job ${usage.jobId}, not ${job.jobId}`);
  const event = appendEvent(head(job), {
    jobId: job.jobId,
    type: USAGE_STOPPED,
    at,
    data: toJsonObject({ usage: facts }),
  });
  return { job: advanced(job, event, at), event };
};
