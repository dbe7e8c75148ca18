import type { Fleet } from '../cloud-ports.js';
import type { JsonObject } from '../ledger/event-chain.js';
import type { Clock, JobRecord, Ledger } from '../ports.js';
import { closeReservation } from './close-reservation.js';
import {
  lostWorkHours,
  onDemandAfterInterruption,
  type RequeueRuleOptions,
  workDoneHours,
} from './requeue-rule.js';

/** What the capacity steps need. */
export interface CapacityDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly fleetFor: (region: string) => Fleet;
  readonly requeueRule?: RequeueRuleOptions;
}

/** Hours to the microsecond-hour, so the ledger stores 1.5, not 1.4999999999999998. */
const roundHours = (hours: number): number => Math.round(hours * 1e6) / 1e6;

/**
 * Terminates every instance of the job's current allocation: those the job record names and any
 * others carrying the allocation tag (a launch whose ids were never written). Idempotent.
 */
export const terminateAllocation = async (deps: CapacityDeps, job: JobRecord): Promise<readonly string[]> => {
  const held = job.allocation;
  if (held === null) return [];
  const fleet = deps.fleetFor(held.allocation.region);
  const tagged = (await fleet.findByAllocation(held.allocationId)).map((i) => i.instanceId);
  const ids = [...new Set([...(job.runtime.instanceIds ?? []), ...tagged])];
  if (ids.length === 0) return [];
  return (await fleet.terminate(ids)).terminating;
};

/**
 * A running job lost (or is about to lose) its capacity: terminate the rest of its gang, record
 * INTERRUPTED, then put it back to PENDING with the work it checkpointed, on-demand only when the
 * deadline-aware policy says so (behind the uniform-progress line, or too little slack left). The reservation closes once every instance has stopped.
 */
export const interruptJob = async (
  deps: CapacityDeps,
  job: JobRecord,
  reason: string,
  detail: {
    readonly instanceId: string;
    readonly forceOnDemand?: boolean;
    /** More facts for both events (a preemption names its preemptor). */
    readonly data?: JsonObject;
  },
): Promise<{ readonly onDemandOnly: boolean }> => {
  const held = job.allocation;
  await terminateAllocation(deps, job);
  const interrupted = await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: job.version,
    to: 'INTERRUPTED',
    data: { allocationId: held?.allocationId ?? null, instanceId: detail.instanceId, reason, ...detail.data },
    fields: { reason },
  });
  return requeueInterrupted(
    deps,
    interrupted,
    reason,
    deps.clock.now().getTime(),
    detail.forceOnDemand === true,
    detail.data,
  );
};

/**
 * The second step of an interruption: an INTERRUPTED job back to PENDING with the work it
 * checkpointed up to `atMs` (the interruption's instant) and the on-demand rule's answer then, and
 * its reservation closed. Its own step so that reconcile can finish an interruption whose handler
 * died between the two writes.
 */
export const requeueInterrupted = async (
  deps: CapacityDeps,
  interrupted: JobRecord,
  reason: string,
  atMs: number,
  forceOnDemand = false,
  data?: JsonObject,
): Promise<{ readonly onDemandOnly: boolean }> => {
  const held = interrupted.allocation;
  const onDemandOnly = forceOnDemand || onDemandAfterInterruption(interrupted, atMs, deps.requeueRule);
  const done = workDoneHours(interrupted, atMs, deps.requeueRule?.changeoverHours);
  const lost = roundHours(lostWorkHours(interrupted, atMs, deps.requeueRule?.changeoverHours));
  await deps.ledger.transition({
    jobId: interrupted.jobId,
    expectedVersion: interrupted.version,
    to: 'PENDING',
    data: { reason, onDemandOnly, workDoneHours: done, lostWorkHours: lost, ...data },
    fields: {
      reason,
      ...(onDemandOnly ? { onDemandOnly } : {}),
      ...(done > 0 ? { workDoneHours: done } : {}),
      ...(lost > 0 ? { lostWorkHours: lost } : {}),
    },
  });
  if (held !== null) await closeReservation(deps, interrupted.team, interrupted.jobId, held.allocationId);
  return { onDemandOnly };
};
