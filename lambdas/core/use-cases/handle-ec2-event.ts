import type { ManagedInstance } from '../cloud-ports.js';
import { TERMINAL_STATES } from '../jobs/job-state.js';
import { readManagedTags } from '../jobs/managed-tags.js';
import type { Allocation } from '../planning/plan.js';
import type { JobRecord, UsageRecord } from '../ports.js';
import { closeReservation, intervalCostUsd } from './close-reservation.js';
import type { Ec2Event } from './ec2-event.js';
import { type CapacityDeps, interruptJob, terminateAllocation } from './job-capacity.js';
import { mustRunOnDemandNext } from './requeue-rule.js';

export type Ec2EventOutcome =
  | { readonly kind: 'usage-started'; readonly jobId: string; readonly running: boolean }
  | {
      readonly kind: 'usage-stopped';
      readonly jobId: string;
      readonly costUsd: number;
      readonly settled: boolean;
    }
  | { readonly kind: 'interrupted'; readonly jobId: string; readonly onDemandOnly: boolean }
  /** The instance runs before its allocation is written: the event must come back later. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** Managed by tag, but its job does not hold it any more: terminated now. */
  | { readonly kind: 'orphan-terminated'; readonly instanceId: string }
  | { readonly kind: 'ignored'; readonly reason: string };

const STOPPED = new Set(['shutting-down', 'stopped', 'terminated']);
const LIVE = new Set(['ALLOCATED', 'PROVISIONING', 'RUNNING']);

const holds = (job: JobRecord, allocationId: string): boolean =>
  job.allocation?.allocationId === allocationId;

/** The managed instance behind an event, looked up by id among the region's managed instances. */
const findInstance = async (deps: CapacityDeps, region: string, instanceId: string) =>
  (await deps.fleetFor(region).findManaged()).find((i) => i.instanceId === instanceId);

/**
 * Promotes PROVISIONING → RUNNING once every node of the allocation has started. Idempotent.
 * Reads the job again: each usage start moved its version on (the USAGE_STARTED event).
 */
export const promoteWhenAllRun = async (
  deps: CapacityDeps,
  known: JobRecord,
  allocationId: string,
): Promise<boolean> => {
  const job = (await deps.ledger.getJob(known.jobId)) ?? known;
  if (job.state === 'RUNNING') return true;
  if (job.state !== 'PROVISIONING') return false;
  const started = (await deps.ledger.listUsageByJob(job.jobId)).filter(
    (u) => u.allocationId === allocationId && u.stoppedAt === null,
  );
  if (started.length < job.request.resources.nodes) return false;
  const startedAt =
    started
      .map((u) => u.startedAt)
      .sort()
      .at(-1) ?? deps.clock.now().toISOString();
  await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: job.version,
    to: 'RUNNING',
    data: { allocationId, instanceIds: started.map((u) => u.instanceId) },
    fields: { startedAt },
  });
  return true;
};

/**
 * The unit price of the offer an instance actually runs on: a fallback's when EC2 launched the
 * allocation in a fallback's zone, the chosen offer's otherwise.
 */
const unitPriceOn = (
  allocation: Allocation,
  instance: Pick<ManagedInstance, 'instanceType' | 'availabilityZone' | 'purchaseOption'>,
): number => {
  if (allocation.availabilityZone === null || instance.availabilityZone === allocation.availabilityZone)
    return allocation.unitPriceUsdPerHour;
  const fallback = allocation.fallbacks?.find(
    (f) =>
      f.availabilityZone === instance.availabilityZone &&
      f.instanceType === instance.instanceType &&
      f.purchaseOption === instance.purchaseOption,
  );
  return fallback?.unitPriceUsdPerHour ?? allocation.unitPriceUsdPerHour;
};

/** Records the start of usage for a managed instance of a live allocation. */
export const startInstanceUsage = async (
  deps: CapacityDeps,
  job: JobRecord,
  instance: Pick<
    ManagedInstance,
    'instanceId' | 'instanceType' | 'region' | 'availabilityZone' | 'purchaseOption'
  >,
  startedAt: string,
): Promise<UsageRecord> => {
  const held = job.allocation;
  if (held === null) throw new TypeError(`job ${job.jobId} holds no allocation`);
  const { usage } = await deps.ledger.startUsage({
    instanceId: instance.instanceId,
    jobId: job.jobId,
    allocationId: held.allocationId,
    team: job.team,
    project: job.project,
    instanceType: instance.instanceType,
    region: instance.region,
    availabilityZone: instance.availabilityZone,
    purchaseOption: instance.purchaseOption,
    unitPriceUsdPerHour: unitPriceOn(held.allocation, instance),
    startedAt,
  });
  return usage;
};

const onRunning = async (deps: CapacityDeps, event: Extract<Ec2Event, { kind: 'state-change' }>) => {
  const known = await deps.ledger.getUsage(event.instanceId);
  let jobId = known?.jobId;
  let allocationId = known?.allocationId;
  let instance: ManagedInstance | undefined;
  if (known === undefined) {
    instance = await findInstance(deps, event.region, event.instanceId);
    const facts = instance === undefined ? undefined : readManagedTags(instance.tags);
    if (facts === undefined)
      return { kind: 'ignored', reason: `instance ${event.instanceId} is not managed or gone` } as const;
    jobId = facts.jobId;
    allocationId = facts.allocationId;
  }
  if (jobId === undefined || allocationId === undefined)
    return { kind: 'ignored', reason: 'no job' } as const;
  const found = await deps.ledger.getJob(jobId);
  if (found === undefined || !holds(found, allocationId) || TERMINAL_STATES.has(found.state)) {
    // Nobody will pay attention to this instance: stop it now rather than wait for the reconciler.
    await deps.fleetFor(event.region).terminate([event.instanceId]);
    return { kind: 'orphan-terminated', instanceId: event.instanceId } as const;
  }
  const usage =
    known ??
    (instance === undefined ? undefined : await startInstanceUsage(deps, found, instance, event.time));
  // A start appended USAGE_STARTED to the job's chain, so its version moved on.
  const job = known === undefined ? ((await deps.ledger.getJob(jobId)) ?? found) : found;
  if (job.state === 'ALLOCATED') {
    return { kind: 'retry', reason: `job ${jobId} is not PROVISIONING yet` } as const;
  }
  if (job.state === 'PROVISIONING' && job.request.resources.nodes === 1 && usage !== undefined) {
    // A single node that runs is the whole job: no need to count the allocation's intervals.
    await deps.ledger.transition({
      jobId,
      expectedVersion: job.version,
      to: 'RUNNING',
      data: { allocationId, instanceIds: [usage.instanceId] },
      fields: { startedAt: usage.startedAt },
    });
    return { kind: 'usage-started', jobId, running: true } as const;
  }
  const running = await promoteWhenAllRun(deps, job, allocationId);
  return { kind: 'usage-started', jobId, running } as const;
};

const onStopped = async (deps: CapacityDeps, event: Extract<Ec2Event, { kind: 'state-change' }>) => {
  const usage = await deps.ledger.getUsage(event.instanceId);
  if (usage === undefined)
    return { kind: 'ignored', reason: `instance ${event.instanceId} never started` } as const;
  let costUsd = usage.costUsd ?? 0;
  let closed: UsageRecord = usage;
  if (usage.stoppedAt === null) {
    // Events may arrive out of order; an interval never ends before it began.
    const stoppedAt = Date.parse(event.time) < Date.parse(usage.startedAt) ? usage.startedAt : event.time;
    costUsd = intervalCostUsd(usage.startedAt, stoppedAt, usage.unitPriceUsdPerHour);
    closed = (await deps.ledger.stopUsage({ instanceId: event.instanceId, stoppedAt, costUsd })).usage;
  }
  const job = await deps.ledger.getJob(usage.jobId);
  if (
    job !== undefined &&
    holds(job, usage.allocationId) &&
    LIVE.has(job.state) &&
    job.state !== 'ALLOCATED'
  ) {
    // A node went away while the job still counted on it (no warning seen): the gang restarts.
    if (job.state === 'RUNNING') {
      const { onDemandOnly } = await interruptJob(deps, job, `instance ${event.instanceId} ${event.state}`, {
        instanceId: event.instanceId,
      });
      return { kind: 'interrupted', jobId: job.jobId, onDemandOnly } as const;
    }
    await terminateAllocation(deps, job);
    await deps.ledger.transition({
      jobId: job.jobId,
      expectedVersion: job.version,
      to: 'PENDING',
      data: {
        allocationId: usage.allocationId,
        reason: `instance ${event.instanceId} ${event.state} while provisioning`,
      },
      fields: { reason: `instance ${event.instanceId} ${event.state}` },
    });
  }
  // A single-node allocation has this one interval; a gang's others are looked up.
  const single = job !== undefined && job.request.resources.nodes === 1 ? [closed] : undefined;
  const outcome = await closeReservation(deps, usage.team, usage.jobId, usage.allocationId, single);
  return {
    kind: 'usage-stopped',
    jobId: usage.jobId,
    costUsd,
    settled: outcome.kind === 'settled' || outcome.kind === 'already-closed',
  } as const;
};

const runningJobOf = async (deps: CapacityDeps, region: string, instanceId: string) => {
  const usage = await deps.ledger.getUsage(instanceId);
  let jobId = usage?.jobId;
  let allocationId = usage?.allocationId;
  if (usage === undefined) {
    const instance = await findInstance(deps, region, instanceId);
    const facts = instance === undefined ? undefined : readManagedTags(instance.tags);
    jobId = facts?.jobId;
    allocationId = facts?.allocationId;
  }
  if (jobId === undefined || allocationId === undefined) return undefined;
  const job = await deps.ledger.getJob(jobId);
  return job !== undefined && holds(job, allocationId) && job.state === 'RUNNING'
    ? { job, usage }
    : undefined;
};

/**
 * Acts on one EC2 event. `running` starts the usage interval of a managed instance (the job is
 * RUNNING once all its nodes run); `shutting-down`, `stopped` and `terminated` close it at the
 * stored unit price and, once nothing of the allocation runs, settle its budget. A spot
 * interruption warning interrupts the job and re-queues it (deadline-aware); a rebalance
 * recommendation does so only when the job can no longer afford to wait for spot. Idempotent:
 * every step checks what is recorded first.
 */
export const handleEc2Event = async (deps: CapacityDeps, event: Ec2Event): Promise<Ec2EventOutcome> => {
  switch (event.kind) {
    case 'state-change':
      if (event.state === 'running') return onRunning(deps, event);
      if (STOPPED.has(event.state)) return onStopped(deps, event);
      return { kind: 'ignored', reason: `state ${event.state}` };
    case 'spot-interruption': {
      const found = await runningJobOf(deps, event.region, event.instanceId);
      if (found === undefined) return { kind: 'ignored', reason: `no running job holds ${event.instanceId}` };
      const { onDemandOnly } = await interruptJob(
        deps,
        found.job,
        `spot interruption warning (${event.action})`,
        {
          instanceId: event.instanceId,
        },
      );
      return { kind: 'interrupted', jobId: found.job.jobId, onDemandOnly };
    }
    case 'rebalance': {
      const found = await runningJobOf(deps, event.region, event.instanceId);
      if (found === undefined) return { kind: 'ignored', reason: `no running job holds ${event.instanceId}` };
      if (found.usage?.purchaseOption === 'on-demand')
        return { kind: 'ignored', reason: 'on-demand instance' };
      if (!mustRunOnDemandNext(found.job, deps.clock.now().getTime(), deps.requeueRule)) {
        return {
          kind: 'ignored',
          reason: 'rebalance recommendation: slack allows waiting for the interruption',
        };
      }
      const { onDemandOnly } = await interruptJob(
        deps,
        found.job,
        'rebalance recommendation with little slack left',
        {
          instanceId: event.instanceId,
          forceOnDemand: true,
        },
      );
      return { kind: 'interrupted', jobId: found.job.jobId, onDemandOnly };
    }
    case 'other':
      return { kind: 'ignored', reason: `event ${event.detailType}` };
  }
};
