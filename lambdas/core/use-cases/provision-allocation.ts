import type { Fleet, LaunchResult, LaunchTemplateRef, OfferChoice } from '../cloud-ports.js';
import { LaunchInProgressError } from '../errors.js';
import { TERMINAL_STATES } from '../jobs/job-state.js';
import { managedTags } from '../jobs/managed-tags.js';
import type { Clock, JobRecord, Ledger } from '../ports.js';
import { closeReservation } from './close-reservation.js';
import type { ProvisionMessage } from './pipeline-messages.js';

export interface ProvisionDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly fleetFor: (region: string) => Fleet;
  /** For jobs whose request names no launch template. */
  readonly defaultLaunchTemplate?: LaunchTemplateRef;
  readonly subnetIds?: readonly string[];
  /** How long an offer that had no capacity is skipped by the solver. */
  readonly unavailableTtlMinutes: number;
  /**
   * How long a launch claim keeps other deliveries from launching the same allocation: longer
   * than one provision invocation may run. @default DEFAULT_LAUNCH_LEASE_SECONDS
   */
  readonly launchLeaseSeconds?: number;
}

/** Five minutes: more than twice the provision function's timeout. */
export const DEFAULT_LAUNCH_LEASE_SECONDS = 300;

export type ProvisionOutcome =
  | {
      readonly kind: 'provisioned';
      readonly fleetId: string | null;
      readonly instanceIds: readonly string[];
      /** True when the instances existed already (a redelivery after a crash). */
      readonly reused: boolean;
    }
  /** No capacity (or quota) for the offer: it is skipped for a while and the job is PENDING again. */
  | { readonly kind: 'requeued'; readonly reason: string; readonly offerIds: readonly string[] }
  /** The launch can never work as asked (bad launch template…): the job FAILED. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** The job has moved on from this allocation; any capacity it left behind is terminated. */
  | { readonly kind: 'stale'; readonly reason: string; readonly terminated: readonly string[] }
  | { readonly kind: 'already-provisioned' };

const offerOf = (job: JobRecord): OfferChoice => {
  const a = job.allocation?.allocation;
  if (a === undefined) throw new TypeError(`job ${job.jobId} has no allocation`);
  return {
    offerId: a.offerId,
    instanceType: a.instanceType,
    region: a.region,
    availabilityZone: a.availabilityZone,
    purchaseOption: a.purchaseOption,
  };
};

/** The allocation's fallback offers, in the order the solve put them. */
const fallbacksOf = (job: JobRecord): OfferChoice[] =>
  (job.allocation?.allocation.fallbacks ?? []).map((f) => ({
    offerId: f.offerId,
    instanceType: f.instanceType,
    region: f.region,
    availabilityZone: f.availabilityZone,
    purchaseOption: f.purchaseOption,
  }));

const launchTemplateOf = (
  job: JobRecord,
  fallback: LaunchTemplateRef | undefined,
): LaunchTemplateRef | undefined => {
  const launch = job.request.launch;
  if (launch === undefined) return fallback;
  const version = launch.version ?? '$Latest';
  if (launch.launchTemplateId !== undefined) return { id: launch.launchTemplateId, version };
  if (launch.launchTemplateName !== undefined) return { name: launch.launchTemplateName, version };
  return fallback;
};

/**
 * Puts an ALLOCATED job back to PENDING (the ledger drops its allocation) and gives the budget
 * reservation back. The transition comes first: if the release is lost, the next delivery of the
 * message finds the allocation stale and releases it then.
 */
const requeue = async (
  deps: ProvisionDeps,
  job: JobRecord,
  allocationId: string,
  reason: string,
  offerIds: readonly string[],
): Promise<ProvisionOutcome> => {
  await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: job.version,
    to: 'PENDING',
    data: { allocationId, reason, offerIds: [...offerIds] },
    fields: { reason },
  });
  await closeReservation(deps, job.team, job.jobId, allocationId);
  return { kind: 'requeued', reason, offerIds };
};

const fail = async (
  deps: ProvisionDeps,
  job: JobRecord,
  allocationId: string,
  reason: string,
): Promise<ProvisionOutcome> => {
  // ALLOCATED cannot end directly: the attempt is recorded as PROVISIONING, then FAILED.
  const provisioning = await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: job.version,
    to: 'PROVISIONING',
    data: { allocationId, error: reason },
  });
  await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: provisioning.version,
    to: 'FAILED',
    data: { allocationId, reason },
    fields: { reason, finishedAt: deps.clock.now().toISOString() },
  });
  await closeReservation(deps, job.team, job.jobId, allocationId);
  return { kind: 'failed', reason };
};

const markUnavailable = async (deps: ProvisionDeps, offerIds: readonly string[], reason: string) => {
  const until = new Date(deps.clock.now().getTime() + deps.unavailableTtlMinutes * 60_000).toISOString();
  for (const offerId of offerIds) await deps.ledger.markOfferUnavailable({ offerId, until, reason });
};

const onLaunch = async (
  deps: ProvisionDeps,
  job: JobRecord,
  allocationId: string,
  fleet: Fleet,
  result: LaunchResult,
): Promise<ProvisionOutcome> => {
  switch (result.outcome) {
    case 'launched': {
      await deps.ledger.transition({
        jobId: job.jobId,
        expectedVersion: job.version,
        to: 'PROVISIONING',
        data: {
          allocationId,
          fleetId: result.fleetId,
          instanceIds: [...result.instanceIds],
          reused: result.reused,
        },
        fields: {
          ...(result.fleetId === null ? {} : { fleetId: result.fleetId }),
          instanceIds: result.instanceIds,
        },
      });
      return {
        kind: 'provisioned',
        fleetId: result.fleetId,
        instanceIds: result.instanceIds,
        reused: result.reused,
      };
    }
    case 'partial': {
      // A gang cannot start on part of its nodes: give back what came up and try again later.
      if (result.instanceIds.length > 0) await fleet.terminate(result.instanceIds);
      const offerIds = result.failures.flatMap((f) => (f.offerId === null ? [] : [f.offerId]));
      const reason = `only ${result.instanceIds.length} of ${job.request.resources.nodes} nodes launched`;
      await markUnavailable(deps, offerIds.length > 0 ? offerIds : [offerOf(job).offerId], reason);
      return requeue(deps, job, allocationId, reason, offerIds);
    }
    case 'launch-rejected':
      return fail(deps, job, allocationId, `launch rejected: ${result.message}`);
    default: {
      const offerIds = result.offerIds.length > 0 ? result.offerIds : [offerOf(job).offerId];
      const reason = `${result.outcome}: ${result.message}`;
      await markUnavailable(deps, offerIds, reason);
      return requeue(deps, job, allocationId, reason, offerIds);
    }
  }
};

/**
 * Launches the capacity of one allocation. Idempotent: the Fleet finds instances already tagged
 * with the allocation id before launching and uses the allocation id as the ClientToken, so a
 * redelivered message never launches twice; a job that has moved on from the allocation only gets
 * its leftovers cleaned up. Cloud errors that are not about the offer are thrown (redelivery).
 */
export const provisionAllocation = async (
  deps: ProvisionDeps,
  message: ProvisionMessage,
): Promise<ProvisionOutcome> => {
  const { jobId, allocationId } = message;
  const job = await deps.ledger.getJob(jobId);
  if (job === undefined) return { kind: 'stale', reason: `job ${jobId} is unknown`, terminated: [] };
  const holds = job.allocation?.allocationId === allocationId;
  if (holds && (job.state === 'PROVISIONING' || job.state === 'RUNNING'))
    return { kind: 'already-provisioned' };
  if (!holds || job.state !== 'ALLOCATED') {
    let terminated: readonly string[] = [];
    const region = job.allocation?.allocation.region;
    if (region !== undefined && (TERMINAL_STATES.has(job.state) || !holds)) {
      const fleet = deps.fleetFor(region);
      const leftovers = (await fleet.findByAllocation(allocationId)).map((i) => i.instanceId);
      if (leftovers.length > 0) terminated = (await fleet.terminate(leftovers)).terminating;
    }
    if (!holds) await closeReservation(deps, job.team, jobId, allocationId);
    return {
      kind: 'stale',
      reason: holds ? `job is ${job.state}` : `job holds ${job.allocation?.allocationId ?? 'no allocation'}`,
      terminated,
    };
  }

  const offer = offerOf(job);
  const launchTemplate = launchTemplateOf(job, deps.defaultLaunchTemplate);
  if (launchTemplate === undefined) {
    return fail(deps, job, allocationId, 'the request names no launch template and none is configured');
  }
  const fleet = deps.fleetFor(offer.region);
  // First layer against a double launch: only the delivery that wins the claim calls CreateFleet.
  // The tag lookup and the ClientToken inside Fleet.launch stay as the second and third layers.
  const claim = await deps.ledger.claimLaunch({
    allocationId,
    jobId,
    at: deps.clock.now().toISOString(),
    leaseSeconds: deps.launchLeaseSeconds ?? DEFAULT_LAUNCH_LEASE_SECONDS,
  });
  if (claim === 'held') {
    const now = await deps.ledger.getJob(jobId);
    if (
      now?.allocation?.allocationId === allocationId &&
      (now.state === 'PROVISIONING' || now.state === 'RUNNING')
    )
      return { kind: 'already-provisioned' };
    // The holder launched but has not recorded it (or crashed before it could): adopt its
    // instances through the launch below, which finds them by tag and launches nothing.
    // Nothing tagged yet: the holder may still be inside CreateFleet, so come back later.
    if ((await fleet.findByAllocation(allocationId)).length === 0)
      throw new LaunchInProgressError(allocationId, jobId);
  }
  const result = await fleet.launch({
    allocationId,
    jobId,
    offer,
    fallbacks: fallbacksOf(job),
    nodes: job.request.resources.nodes,
    launchTemplate,
    ...(deps.subnetIds === undefined ? {} : { subnetIds: deps.subnetIds }),
    tags: managedTags({
      jobId,
      allocationId,
      team: job.team,
      project: job.project,
      ...(job.request.tags === undefined ? {} : { jobTags: job.request.tags }),
    }),
  });
  return onLaunch(deps, job, allocationId, fleet, result);
};
