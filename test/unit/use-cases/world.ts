import { HighsMilpSolver } from '../../../lambdas/adapters/highs-milp-solver.js';
import { InMemoryFleet } from '../../../lambdas/adapters/in-memory-fleet.js';
import { InMemoryLedger } from '../../../lambdas/adapters/in-memory-ledger.js';
import { InMemoryJobQueues } from '../../../lambdas/adapters/in-memory-queues.js';
import { outgoingMessage, QUEUE_DEFINITIONS } from '../../../lambdas/adapters/queue-definitions.js';
import type { JobRequestInput } from '../../../lambdas/core/jobs/job-request.js';
import type { PriceBook } from '../../../lambdas/core/pricing/offer.js';
import type { Ec2Event } from '../../../lambdas/core/use-cases/ec2-event.js';
import type { ReconcileDeps } from '../../../lambdas/core/use-cases/reconcile.js';
import type { RunSolveDeps } from '../../../lambdas/core/use-cases/run-solve.js';
import type { MessageFactory } from '../../../lambdas/core/use-cases/send-messages.js';
import { FakeClock } from '../../support/fake-clock.js';
import { makeBook, makeJob, makeOffer } from '../../support/offer-fixtures.js';

export const REGION = 'us-east-1';

/** One A100 type, on-demand at 40 USD/h and spot at 12 USD/h in one AZ. */
export const BOOK: PriceBook = makeBook([
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: REGION,
    purchaseOption: 'on-demand',
    priceUsdPerHour: 40,
    onDemandPriceUsdPerHour: 40,
  }),
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: REGION,
    purchaseOption: 'spot',
    availabilityZone: 'us-east-1a',
    priceUsdPerHour: 12,
    onDemandPriceUsdPerHour: 40,
  }),
]);
/** The p4de.24xlarge spec as DescribeInstanceTypes reports it, for market fakes. */
export const P4DE_SPEC = {
  instanceType: 'p4de.24xlarge',
  acceleratorKind: 'gpu',
  acceleratorName: 'A100',
  acceleratorManufacturer: 'NVIDIA',
  acceleratorCount: 8,
  acceleratorMemoryGiB: 80,
  vcpus: 96,
  memoryGiB: 1152,
  efaInterfaces: 4,
} as const;

export const SPOT_OFFER = 'p4de.24xlarge|us-east-1|us-east-1a|spot';
export const ON_DEMAND_OFFER = 'p4de.24xlarge|us-east-1|*|on-demand';

export const messages: MessageFactory = (queue, entryId, body, keys) =>
  outgoingMessage(QUEUE_DEFINITIONS[queue], entryId, body, keys);

let solver: HighsMilpSolver | undefined;

/** The in-memory pipeline: ledger, queues and one fleet, all on a fake clock. */
export const makeWorld = async (start = '2026-03-01T12:00:00.000Z') => {
  solver ??= await HighsMilpSolver.create();
  const clock = new FakeClock(start);
  const ledger = new InMemoryLedger({ clock });
  const queues = new InMemoryJobQueues({ clock });
  const fleet = new InMemoryFleet({ region: REGION, clock });
  const fleetFor = (region: string) => {
    if (region !== REGION) throw new Error(`no fleet in ${region}`);
    return fleet;
  };
  const solveDeps: RunSolveDeps = {
    ledger,
    queues,
    messages,
    solver,
    clock,
    fallbackPriceBook: () => BOOK,
    quotas: { defaultVcpus: null, limits: new Map() },
    budgets: { defaultMonthlyUsd: 10_000, teams: new Map() },
    maxPendingJobs: 1000,
  };
  return {
    clock,
    ledger,
    queues,
    fleet,
    fleetFor,
    messages,
    solveDeps,
    capacity: { ledger, clock, fleetFor },
    provisionDeps: {
      ledger,
      clock,
      fleetFor,
      defaultLaunchTemplate: { id: 'lt-0123456789abcdef0', version: '$Latest' },
      unavailableTtlMinutes: 5,
    },
  };
};

export type World = Awaited<ReturnType<typeof makeWorld>>;

/** Reconcile over the world's pipeline: 15-minute stuck limit, runs over twice their estimate alerted. */
export const reconcileDeps = (w: World, overrides: Partial<ReconcileDeps> = {}): ReconcileDeps => ({
  ...w.capacity,
  queues: w.queues,
  messages: w.messages,
  regions: [REGION],
  stuckAfterMinutes: 15,
  maxRuntimeFactor: 2,
  overrunAction: 'alert',
  ...overrides,
});

/** A job request body as a producer sends it. */
export const requestBody = (jobId: string, overrides: Partial<JobRequestInput> = {}): string =>
  JSON.stringify({
    ...makeJob({ jobId, runtime: { estimatedHours: 2, interruptible: true, checkpointMinutes: 30 } }),
    ...overrides,
  });

export const stateChange = (instanceId: string, state: string, time: string): Ec2Event => ({
  kind: 'state-change',
  instanceId,
  state,
  time,
  region: REGION,
});

/** Takes requests in and runs one solve. */
export const intakeAndSolve = async (w: World, bodies: readonly string[]) => {
  const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
  const { runSolve } = await import('../../../lambdas/core/use-cases/run-solve.js');
  for (const [i, body] of bodies.entries()) await intakeMessage(w, { messageId: `req-${i}`, body });
  return runSolve(w.solveDeps);
};

/** Solves, provisions and starts every instance: the job ends RUNNING. */
export const runningJob = async (w: World, jobId: string, overrides: Partial<JobRequestInput> = {}) => {
  const { provisionAllocation } = await import('../../../lambdas/core/use-cases/provision-allocation.js');
  const { handleEc2Event } = await import('../../../lambdas/core/use-cases/handle-ec2-event.js');
  const report = await intakeAndSolve(w, [requestBody(jobId, overrides)]);
  const allocation = report.allocated.find((a) => a.jobId === jobId);
  if (allocation === undefined)
    throw new Error(`${jobId} was not allocated: ${JSON.stringify(report.waiting)}`);
  const provisioned = await provisionAllocation(w.provisionDeps, allocation);
  if (provisioned.kind !== 'provisioned') throw new Error(`${jobId}: ${JSON.stringify(provisioned)}`);
  for (const id of provisioned.instanceIds)
    await handleEc2Event(w.capacity, stateChange(id, 'running', w.clock.now().toISOString()));
  return { allocationId: allocation.allocationId, instanceIds: provisioned.instanceIds };
};

/** The same object with some methods replaced: a fake that fails in one place only. */
export const overriding = <T extends object>(target: T, overrides: Partial<T>): T =>
  new Proxy(target, {
    get: (t, p) => {
      if (Object.hasOwn(overrides, p)) return (overrides as Record<PropertyKey, unknown>)[p];
      const value: unknown = Reflect.get(t, p, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
