import { InMemoryLedger } from '../adapters/in-memory-ledger.js';
import { InMemoryJobQueues } from '../adapters/in-memory-queues.js';
import { outgoingMessage, QUEUE_DEFINITIONS } from '../adapters/queue-definitions.js';
import { loadStaticPriceBook } from '../adapters/static-price-book.js';
import type { Fleet } from '../core/cloud-ports.js';
import type { Ledger, QueueKey, ReceivedMessage } from '../core/ports.js';
import { parseEc2Event } from '../core/use-cases/ec2-event.js';
import { handleEc2Event } from '../core/use-cases/handle-ec2-event.js';
import { handleJobEvent } from '../core/use-cases/handle-job-event.js';
import { intakeMessage } from '../core/use-cases/intake-message.js';
import type { CapacityDeps } from '../core/use-cases/job-capacity.js';
import { parseJobEventMessage, parseProvisionMessage } from '../core/use-cases/pipeline-messages.js';
import { type ProvisionDeps, provisionAllocation } from '../core/use-cases/provision-allocation.js';
import type { ReconcileDeps } from '../core/use-cases/reconcile.js';
import type { RefreshPricesDeps } from '../core/use-cases/refresh-prices.js';
import type { RunSolveDeps } from '../core/use-cases/run-solve.js';
import type { MessageFactory } from '../core/use-cases/send-messages.js';
import { EventHeap } from './event-heap.js';
import { faultyPort } from './faulty-port.js';
import { SimulatedClock } from './simulated-clock.js';
import { SimulatedEc2 } from './simulated-ec2.js';
import { SimulatedWorkload } from './simulated-workload.js';
import { advisorBucketsOf, SpotCapacity } from './spot-capacity.js';
import { DEFAULT_TWIN_SCHEDULES, type TwinInput } from './twin-input.js';
import { TWIN_STRATEGIES } from './twin-strategy.js';

/** The queues in the order a pass delivers them: requests, launches, job events, EC2 events. */
const QUEUES: readonly QueueKey[] = ['job-requests', 'provision', 'job-events', 'ec2-events'];

/** Queue entries with the FIFO ids each queue's definition asks for, as the handlers build them. */
export const twinMessages: MessageFactory = (queue, entryId, body, keys) =>
  outgoingMessage(QUEUE_DEFINITIONS[queue], entryId, body, keys);

const messages = twinMessages;

/**
 * A batch in another order, as a standard queue or several FIFO groups may deliver it: reversed,
 * with each group's own messages kept in their order (FIFO keeps order within a group).
 */
const reordered = (batch: readonly ReceivedMessage[]): ReceivedMessage[] => {
  const groups = [...new Set(batch.map((m) => m.groupId ?? m.messageId))].reverse();
  return groups.flatMap((g) => batch.filter((m) => (m.groupId ?? m.messageId) === g));
};

/**
 * The deployment in memory: ledger, queues, simulated EC2 and workload, and the use-case
 * dependencies wired as the handlers wire them (lambdas/handlers/*.ts). `drain` delivers queued
 * messages to the same use-case calls the intake, provision and events handlers make.
 */
/** Least share of the bundled book's offer keys a twin refresh must cover (see refreshDeps). */
const TWIN_REFRESH_MIN_COVERAGE = 0.5;

export const createTwinPipeline = (input: TwinInput) => {
  const strategy = TWIN_STRATEGIES[input.strategy ?? 'quartermaster'];
  const schedules = { ...DEFAULT_TWIN_SCHEDULES, ...input.schedules };
  const book = input.priceBook ?? loadStaticPriceBook();
  const clock = new SimulatedClock(input.startMs);
  const ledgerStore = new InMemoryLedger({ clock });
  const queues = new InMemoryJobQueues({ clock });
  const faults = input.faults;
  // EC2 events a fault holds back, sent when due (the loop wakes for them).
  const delayedEvents = new EventHeap<{ readonly id: string; readonly body: string }>();
  const ec2Queues: Pick<InMemoryJobQueues, 'send'> =
    faults === undefined
      ? queues
      : {
          send: async (queue, entries) => {
            if (queue !== 'ec2-events') return queues.send(queue, entries);
            const kept = entries.filter((e) => {
              if (faults.hit('lose-ec2-event')) return false;
              if (!faults.hit('delay-ec2-event')) return true;
              delayedEvents.push(clock.nowMs() + Math.ceil(1 + faults.draw() * 29) * 60_000, e);
              return false;
            });
            // The sender sees every entry accepted: a lost event is lost after EventBridge took it.
            const sent = kept.length === 0 ? [] : await queues.send(queue, kept);
            return entries.map(
              (e) =>
                sent.find((r) => r.id === e.id) ?? { id: e.id, ok: true as const, messageId: `held-${e.id}` },
            );
          },
        };
  /** What the use-cases call; with faults, ports that throttle and crash as the spec says. */
  const ports = {
    ledger: faults === undefined ? ledgerStore : faultyPort<Ledger>(ledgerStore, faults, 'ledger'),
    queues: faults === undefined ? queues : faultyPort(queues, faults, 'queues'),
  };
  const ec2 = new SimulatedEc2({
    clock,
    queues: ec2Queues,
    priceBook: book,
    capacity: new SpotCapacity(
      input.traces,
      input.startMs,
      input.spotMarket === 'traces' ? {} : { bucketOf: advisorBucketsOf(book) },
    ),
    ...(input.quotas === undefined ? {} : { quotas: input.quotas }),
    ...input.ec2,
  });
  const workload = new SimulatedWorkload({
    queues,
    messages,
    ...(input.costModel === undefined ? {} : { costModel: input.costModel }),
  });
  ec2.onStateChange(workload.instanceChanged);

  // The solve plans with the strategy's view of the book; everything else sees the ledger as is.
  const planningLedger: Ledger = new Proxy(ports.ledger, {
    get: (target, p) => {
      if (p === 'getLatestPriceBook')
        return async () => {
          const stored = await target.getLatestPriceBook();
          return stored === undefined ? undefined : strategy.planBook(stored);
        };
      const value: unknown = Reflect.get(target, p, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const prices = new Map(book.offers.map((o) => [o.id, o.priceUsdPerHour]));
  const capacityView = {
    hasCapacity: (o: Parameters<SimulatedEc2['hasCapacity']>[0]) => ec2.hasCapacity(o),
    priceOf: (id: string) => prices.get(id) ?? Number.POSITIVE_INFINITY,
  };
  const fleetFor = (region: string): Fleet => {
    const fleet = ec2.fleetFor(region);
    const launching: Fleet = {
      ...fleet,
      launch: (request) => fleet.launch(strategy.launch(request, capacityView)),
    };
    return faults === undefined ? launching : faultyPort(launching, faults, `fleet ${region}`);
  };
  const regions = [...new Set(book.offers.map((o) => o.region))].sort();

  const capacity: CapacityDeps = {
    ledger: ports.ledger,
    clock,
    fleetFor,
    requeueRule: {
      // The margin a deployment leaves: two reconcile runs, which look at spot jobs again.
      decisionIntervalHours: (2 * schedules.reconcileMinutes) / 60,
      ...(strategy.afterInterruption === undefined ? {} : { policy: strategy.afterInterruption }),
      ...(input.costModel === undefined ? {} : { changeoverHours: input.costModel.restartOverheadHours }),
    },
  };
  const provisionDeps: ProvisionDeps = {
    ledger: ports.ledger,
    clock,
    fleetFor,
    // Requests without a launch template get the deployment's default.
    defaultLaunchTemplate: { name: 'qm-default-worker', version: '$Default' },
    unavailableTtlMinutes: 5,
  };
  const solveDeps: RunSolveDeps = {
    ledger: planningLedger,
    queues: ports.queues,
    messages,
    solver: input.solver,
    clock,
    fallbackPriceBook: () => strategy.planBook(book),
    quotas: input.quotas ?? { defaultVcpus: null, limits: new Map() },
    budgets: input.budgets ?? { defaultMonthlyUsd: 100_000, teams: new Map() },
    maxPendingJobs: input.maxPendingJobs ?? 2_000,
    timeLimitSeconds: input.timeLimitSeconds ?? 20,
    ...(input.costModel === undefined ? {} : { costModel: input.costModel }),
    ...(strategy.fallbacks === undefined ? {} : { fallbacks: strategy.fallbacks }),
    ...(input.commitments === undefined || input.commitments.length === 0
      ? {}
      : { commitments: input.commitments }),
    // The solve stops preempted jobs through the same capacity ports the deployed solve is given.
    ...(input.preemption === undefined || input.preemption === 'off'
      ? {}
      : { preemption: { ...capacity, mode: input.preemption } }),
  };
  const reconcileDeps: ReconcileDeps = {
    ...capacity,
    queues: ports.queues,
    messages,
    regions,
    stuckAfterMinutes: 15,
    intervalMinutes: schedules.reconcileMinutes,
    maxRuntimeFactor: 2,
    overrunAction: 'alert',
    budgetTeams: [...(input.budgets?.teams.keys() ?? [])],
  };

  // A deployment refreshes the regions it is configured for, and a refresh keeps the last book
  // when a region comes back without spot prices: the twin refreshes the regions with both. The
  // simulated market reports zone prices only, as EC2 does, so the bundled book's spot prices the
  // advisor implied region-wide (a third of its spot keys) have no live counterpart: the coverage
  // rule is relaxed to what such a book can meet, and every policy plans with the same live book.
  const refreshRegions = regions.filter((r) =>
    book.offers.some((o) => o.region === r && o.purchaseOption === 'spot' && o.availabilityZone !== null),
  );
  const refreshDeps: RefreshPricesDeps = {
    ledger: ports.ledger,
    market: ec2.market,
    clock,
    fallbackPriceBook: () => book,
    regions: refreshRegions,
    minCoverage: TWIN_REFRESH_MIN_COVERAGE,
  };

  const errors: { at: string; queue: string; error: string }[] = [];
  const wakeUps = new EventHeap<null>();
  const stats = { delivered: 0, finishedSomething: false };
  const rejectedIds = new Set<string>();

  const handle = async (queue: QueueKey, m: ReceivedMessage): Promise<boolean> => {
    const at = clock.now().toISOString();
    // Kept as the handlers keep a message they cannot act on: a REJECTED record with its body.
    const reject = (reason: string) =>
      ports.ledger.recordRejection({ messageId: m.messageId, rawBody: m.body, reason, at });
    switch (queue) {
      case 'job-requests': {
        const outcome = await intakeMessage({ ledger: ports.ledger, clock }, m);
        if (outcome.kind === 'rejected') {
          stats.finishedSomething = true;
          const id = (JSON.parse(m.body) as { jobId?: unknown }).jobId;
          if (typeof id === 'string') rejectedIds.add(id);
        }
        return true;
      }
      case 'provision': {
        const parsed = parseProvisionMessage(m.body);
        if (!parsed.ok) {
          await reject('provision');
          return true;
        }
        if (faults?.hit('concurrent')) {
          // Two deliveries of one allocation at the same moment: one winner may launch (issue 12).
          const both = await Promise.allSettled([
            provisionAllocation(provisionDeps, parsed.value),
            provisionAllocation(provisionDeps, parsed.value),
          ]);
          for (const r of both) {
            if (r.status === 'rejected') throw r.reason;
            if (r.value.kind === 'failed') stats.finishedSomething = true;
          }
          return true;
        }
        const outcome = await provisionAllocation(provisionDeps, parsed.value);
        if (outcome.kind === 'failed') stats.finishedSomething = true;
        return true;
      }
      case 'job-events': {
        const parsed = parseJobEventMessage(m.body);
        if (!parsed.ok) {
          await reject('job event');
          return true;
        }
        const outcome = await handleJobEvent(capacity, parsed.value);
        if (outcome.kind === 'finished') stats.finishedSomething = true;
        if (outcome.kind === 'refused') {
          // The job was requeued at the instant its work ended: it runs (briefly) again.
          workload.reopen(parsed.value.jobId);
          await reject(outcome.reason);
        }
        return true;
      }
      default: {
        const parsed = parseEc2Event(m.body);
        if (!parsed.ok) {
          await reject('ec2 event');
          return true;
        }
        const outcome = await handleEc2Event(capacity, parsed.value);
        if (outcome.kind === 'interrupted' || outcome.kind === 'usage-stopped')
          stats.finishedSomething = true;
        // As the events handler does: its last delivery is left to reconcile, not dead-lettered.
        return outcome.kind !== 'retry' || m.receiveCount >= QUEUE_DEFINITIONS['ec2-events'].maxReceiveCount;
      }
    }
  };

  /** Delivers every visible message, queue by queue, until a whole pass finds none. */
  const drain = async (): Promise<void> => {
    for (let busy = true; busy; ) {
      busy = false;
      for (const queue of QUEUES) {
        for (;;) {
          const batch = await queues.receive(queue, { maxMessages: 10 });
          if (batch.length === 0) break;
          busy = true;
          stats.delivered += batch.length;
          const done: string[] = [];
          for (const m of faults?.hit('reorder') ? reordered(batch) : batch) {
            let ok = false;
            try {
              ok = await handle(queue, m);
            } catch (err) {
              errors.push({
                at: clock.now().toISOString(),
                queue,
                error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
              });
            }
            // A duplicate: handled, but the delete never happened, so it comes back.
            if (ok && faults?.hit('duplicate')) ok = false;
            if (ok) done.push(m.receiptHandle);
            else wakeUps.push(clock.nowMs() + QUEUE_DEFINITIONS[queue].visibilityTimeoutSeconds * 1000, null);
          }
          if (done.length > 0) await queues.delete(queue, done);
        }
      }
    }
  };

  return {
    strategy,
    schedules,
    clock,
    ledger: ledgerStore,
    faults,
    delayedEvents,
    sendDelayed: async (): Promise<void> => {
      const now = clock.nowMs();
      for (let e = delayedEvents.popDue(now); e !== undefined; e = delayedEvents.popDue(now))
        await queues.send('ec2-events', [e]);
    },
    queues,
    ec2,
    workload,
    capacity,
    solveDeps,
    reconcileDeps,
    refreshDeps,
    errors,
    wakeUps,
    stats,
    rejectedIds,
    drain,
  };
};

export type TwinPipeline = ReturnType<typeof createTwinPipeline>;
