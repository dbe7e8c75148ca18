import type { Fleet } from '../cloud-ports.js';
import type { Clock, JobRecord, Ledger } from '../ports.js';
import { closeReservation } from './close-reservation.js';
import { mustRunOnDemandNext, type RequeueRuleOptions } from './requeue-rule.js';

/** What the capacity steps need. */
export interface CapacityDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly fleetFor: (region: string) => Fleet;
  readonly requeueRule?: RequeueRuleOptions;
}

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
 * INTERRUPTED, then put it back to PENDING, on-demand only when the deadline-aware rule says the
 * slack is too small to risk spot again. The reservation closes once every instance has stopped.
 */
export const interruptJob = async (
  deps: CapacityDeps,
  job: JobRecord,
  reason: string,
  detail: { readonly instanceId: string; readonly forceOnDemand?: boolean },
): Promise<{ readonly onDemandOnly: boolean }> => {
  const held = job.allocation;
  await terminateAllocation(deps, job);
  const interrupted = await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: job.version,
    to: 'INTERRUPTED',
    data: { allocationId: held?.allocationId ?? null, instanceId: detail.instanceId, reason },
    fields: { reason },
  });
  const onDemandOnly =
    detail.forceOnDemand === true || mustRunOnDemandNext(job, deps.clock.now().getTime(), deps.requeueRule);
  await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: interrupted.version,
    to: 'PENDING',
    data: { reason, onDemandOnly },
    fields: { reason, ...(onDemandOnly ? { onDemandOnly } : {}) },
  });
  if (held !== null) await closeReservation(deps, job.team, job.jobId, held.allocationId);
  return { onDemandOnly };
};
