import { isJobState } from '../jobs/job-state.js';
import type { JobEvent, Period } from '../ports.js';
import { BUDGET_RESERVED, BUDGET_SETTLED, type BudgetBalances, parseBudgetChainId } from './budget-chain.js';
import type { JsonObject, JsonValue } from './event-chain.js';
import type { UsageCommitment } from './ledger-export.js';
import {
  onDemandPerInstanceHour,
  USAGE_STARTED,
  USAGE_STOPPED,
  type UsageStartFacts,
  type UsageStopFacts,
} from './usage-change.js';

/**
 * What the chains of a ledger say, folded event by event: per job, the facts its record and its
 * usage records must agree with; per budget, the balances its record must show and the
 * reservations it holds (ADR 0010). Only facts an event states are kept: a chain written by an
 * older writer, or by a simulation with its own event shapes, leaves some unstated, and callers
 * treat those as not covered rather than as disagreeing. Every fact keeps the seq of the event
 * that states it, so a disagreement can name the event.
 */

/** The allocation facts an ALLOCATED event states. */
export interface ChainedAllocation {
  readonly seq: number;
  readonly allocationId: string;
  readonly allocatedAt: string;
  /** The allocation's fields in the export's flat shape, as far as the event states them. */
  readonly fields: Readonly<Record<string, JsonValue>>;
}

/** One usage interval as its job's chain states it. */
export interface ChainedInterval {
  readonly start: UsageStartFacts;
  readonly startSeq: number;
  stop: UsageStopFacts | null;
  stopSeq: number | null;
  /** When the stop was written (the event's `at`), to tell which stops a settlement saw. */
  stopAt: string | null;
}

/** Per allocation: what the export derives for its usage lines from the chain. */
export interface AttemptFacts {
  readonly seq: number;
  readonly onDemandPriceUsdPerHour: number | null;
  readonly priceBookId: string | undefined;
  /** The commitment the allocation drew on, as the ALLOCATED event states it. */
  readonly commitment: UsageCommitment | undefined;
  interrupted: boolean;
  interruptedSeq: number | null;
}

/** A reservation an ALLOCATED event states. */
export interface ChainedReservation {
  readonly seq: number;
  readonly team: string;
  readonly period: Period;
  readonly amountUsd: number;
}

export interface JobChainFacts {
  readonly jobId: string;
  events: number;
  lastSeq: number;
  lastAt: string | null;
  lastHash: string;
  /** From RECEIVED: the request's identity, and whether usage is chained for this job. */
  received: {
    readonly seq: number;
    readonly at: string;
    readonly team: string;
    readonly project: string;
    readonly priority: number;
    readonly tags: Readonly<Record<string, string>> | undefined;
    readonly usageChained: boolean;
  } | null;
  state: string | null;
  stateSeq: number;
  attempts: number;
  attemptsSeq: number;
  allocation: ChainedAllocation | null;
  allocationSeq: number;
  /** The job's runtime facts replayed from the transitions; `null` when an event does not say them. */
  runtime: Record<string, JsonValue> | null;
  runtimeSeq: number;
  readonly intervals: Map<string, ChainedInterval>;
  readonly attemptFacts: Map<string, AttemptFacts>;
  readonly reservations: Map<string, ChainedReservation>;
  /** The attempt the next INTERRUPTED event belongs to. */
  current: AttemptFacts | undefined;
  /** True once any event carried usage: the job is under the usage chain even without the marker. */
  hasUsageEvents: boolean;
}

/** A budget chain's reservations, balances and where they were stated. */
export interface BudgetChainFacts {
  readonly chainId: string;
  readonly team: string;
  readonly period: Period;
  events: number;
  lastSeq: number;
  lastHash: string;
  after: BudgetBalances | null;
  afterSeq: number;
  readonly reservations: Map<
    string,
    {
      readonly seq: number;
      readonly jobId: string;
      readonly jobPeriod: string | null;
      readonly amountUsd: number;
    }
  >;
  /** Settlements by allocation: what was spent, and when. */
  readonly settlements: Map<
    string,
    { readonly seq: number; readonly at: string; readonly jobId: string; readonly actualUsd: number }
  >;
}

const obj = (value: JsonValue | undefined): JsonObject | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
const str = (value: JsonValue | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;
const num = (value: JsonValue | undefined): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Work checkpointed and lost by earlier runs: the runtime facts that outlive an attempt (as job-change keeps them). */
const carried = (runtime: Record<string, JsonValue>): Record<string, JsonValue> => {
  const done = runtime.workDoneHours;
  const lost = runtime.lostWorkHours;
  return {
    ...(done === undefined ? {} : { workDoneHours: done }),
    ...(lost === undefined ? {} : { lostWorkHours: lost }),
  };
};

const TAG_VALUE = (v: JsonValue): v is string => typeof v === 'string';

/** What an ALLOCATED event's `allocation` states, by the names the export's allocation uses. */
export const ALLOCATED_EVENT_FIELDS = [
  'instanceType',
  'region',
  'availabilityZone',
  'purchaseOption',
  'nodes',
  'unitPriceUsdPerHour',
  'expectedHours',
  'expectedCostUsd',
  'onDemandEquivalentUsd',
] as const;

/** The allocation fields of a job-change ALLOCATED event, in the export's flat shape. */
const allocationFields = (data: JsonObject): Record<string, JsonValue> => {
  const allocation = obj(data.allocation);
  const decision = obj(data.decision);
  const reservation = obj(data.reservation);
  const out: Record<string, JsonValue> = {};
  if (allocation !== undefined)
    for (const key of ALLOCATED_EVENT_FIELDS) {
      const value = allocation[key];
      if (value !== undefined) out[key] = value;
    }
  const book = str(decision?.priceBookId);
  if (book !== undefined) out.priceBookId = book;
  const asOf = str(decision?.priceBookAsOf);
  if (asOf !== undefined) out.priceBookAsOf = asOf;
  const reserved = num(reservation?.amountUsd);
  if (reserved !== undefined) out.reservedUsd = reserved;
  return out;
};

const startFacts = (value: JsonValue | undefined): UsageStartFacts | undefined => {
  const u = obj(value);
  if (u === undefined) return undefined;
  const instanceId = str(u.instanceId);
  const allocationId = str(u.allocationId);
  const instanceType = str(u.instanceType);
  const region = str(u.region);
  const zone = u.availabilityZone;
  const purchaseOption = str(u.purchaseOption);
  const unitPrice = num(u.unitPriceUsdPerHour);
  const startedAt = str(u.startedAt);
  if (
    instanceId === undefined ||
    allocationId === undefined ||
    instanceType === undefined ||
    region === undefined ||
    !(zone === null || typeof zone === 'string') ||
    (purchaseOption !== 'spot' && purchaseOption !== 'on-demand') ||
    unitPrice === undefined ||
    startedAt === undefined
  )
    return undefined;
  const book = str(u.priceBookId);
  const listPrice = u.onDemandPriceUsdPerHour;
  return {
    instanceId,
    allocationId,
    instanceType,
    region,
    availabilityZone: zone,
    purchaseOption,
    unitPriceUsdPerHour: unitPrice,
    startedAt,
    ...(book === undefined ? {} : { priceBookId: book }),
    ...(listPrice === null || typeof listPrice === 'number' ? { onDemandPriceUsdPerHour: listPrice } : {}),
  };
};

const COMMITMENT_KINDS = [
  'savings-plan',
  'reserved-instance',
  'capacity-reservation',
  'capacity-block',
] as const;

/** The commitment an allocation drew on, from its chained `commitment` (ADR 0015); undefined: none. */
const commitmentOf = (
  allocation: { readonly [k: string]: JsonValue } | undefined,
): UsageCommitment | undefined => {
  const c = obj(allocation?.commitment);
  const id = str(c?.id);
  const kind = COMMITMENT_KINDS.find((k) => k === c?.kind);
  const rate = num(c?.effectiveRateUsdPerHour);
  return id === undefined || kind === undefined || rate === undefined
    ? undefined
    : { id, kind, effectiveUnitPriceUsdPerHour: rate };
};

const stopFacts = (value: JsonValue | undefined): UsageStopFacts | undefined => {
  const u = obj(value);
  const instanceId = str(u?.instanceId);
  const allocationId = str(u?.allocationId);
  const stoppedAt = str(u?.stoppedAt);
  if (u === undefined || instanceId === undefined || allocationId === undefined || stoppedAt === undefined)
    return undefined;
  const cost = u.costUsd;
  const checkpoint = u.lastCheckpointAt;
  return {
    instanceId,
    allocationId,
    stoppedAt,
    ...(cost === null || typeof cost === 'number' ? { costUsd: cost } : {}),
    ...(typeof u.interrupted === 'boolean' ? { interrupted: u.interrupted } : {}),
    ...(checkpoint === null || typeof checkpoint === 'string' ? { lastCheckpointAt: checkpoint } : {}),
  };
};

/** An empty fold for a job. */
export const newJobChainFacts = (jobId: string): JobChainFacts => ({
  jobId,
  events: 0,
  lastSeq: 0,
  lastAt: null,
  lastHash: '',
  received: null,
  state: null,
  stateSeq: 0,
  attempts: 0,
  attemptsSeq: 0,
  allocation: null,
  allocationSeq: 0,
  runtime: null,
  runtimeSeq: 0,
  intervals: new Map(),
  attemptFacts: new Map(),
  reservations: new Map(),
  current: undefined,
  hasUsageEvents: false,
});

/**
 * Folds the next event of a job's chain (events in seq order) into its facts. Never throws: what
 * an event does not state in the expected shape stays unstated.
 */
export const foldJobEvent = (f: JobChainFacts, event: JobEvent): void => {
  const { seq, data } = event;
  f.events += 1;
  f.lastSeq = seq;
  f.lastAt = event.at;
  f.lastHash = event.hash;
  const to = str(data.to);
  switch (event.type) {
    case 'RECEIVED': {
      const request = obj(data.request);
      const team = str(request?.team);
      const project = str(request?.project);
      const priority = num(request?.priority);
      const tags = obj(request?.tags);
      if (team !== undefined && project !== undefined && priority !== undefined)
        f.received = {
          seq,
          at: event.at,
          team,
          project,
          priority,
          tags:
            tags === undefined
              ? undefined
              : Object.fromEntries(
                  Object.entries(tags).filter((e): e is [string, string] => TAG_VALUE(e[1])),
                ),
          usageChained: data.usageChained === true,
        };
      f.state = 'PENDING';
      f.stateSeq = seq;
      f.runtime = {};
      f.runtimeSeq = seq;
      return;
    }
    case USAGE_STARTED: {
      f.hasUsageEvents = true;
      const start = startFacts(data.usage);
      if (start !== undefined && !f.intervals.has(start.instanceId))
        f.intervals.set(start.instanceId, { start, startSeq: seq, stop: null, stopSeq: null, stopAt: null });
      return;
    }
    case USAGE_STOPPED: {
      f.hasUsageEvents = true;
      const stop = stopFacts(data.usage);
      const interval = stop === undefined ? undefined : f.intervals.get(stop.instanceId);
      if (stop !== undefined && interval !== undefined && interval.stop === null) {
        interval.stop = stop;
        interval.stopSeq = seq;
        interval.stopAt = event.at;
      }
      return;
    }
    case 'ALLOCATED': {
      f.attempts += 1;
      f.attemptsSeq = seq;
      const allocationId = str(data.allocationId);
      const decision = obj(data.decision);
      const allocation = obj(data.allocation);
      f.current = {
        seq,
        onDemandPriceUsdPerHour: allocation === undefined ? null : onDemandPerInstanceHour(allocation),
        priceBookId: str(decision?.priceBookId),
        commitment: commitmentOf(allocation),
        interrupted: false,
        interruptedSeq: null,
      };
      if (allocationId !== undefined) {
        f.attemptFacts.set(allocationId, f.current);
        f.allocation = { seq, allocationId, allocatedAt: event.at, fields: allocationFields(data) };
        const reservation = obj(data.reservation);
        const team = str(reservation?.team);
        const period = str(reservation?.period);
        const amountUsd = num(reservation?.amountUsd);
        if (team !== undefined && period !== undefined && amountUsd !== undefined)
          f.reservations.set(allocationId, { seq, team, period, amountUsd });
      } else f.allocation = null;
      f.allocationSeq = seq;
      break;
    }
    default:
      if (event.type === 'INTERRUPTED' && f.current !== undefined) {
        f.current.interrupted = true;
        f.current.interruptedSeq = seq;
      }
      if (event.type === 'REQUEUED') {
        f.allocation = null;
        f.allocationSeq = seq;
      }
  }
  // A state change: the event's type names the state it entered (REQUEUED: back to PENDING).
  const state = event.type === 'REQUEUED' ? 'PENDING' : event.type;
  if (isJobState(state)) {
    f.state = state;
    f.stateSeq = seq;
  }
  // Runtime facts replay only over transitions in the job-change shape (`from`, `to`, `fields`).
  if (f.runtime !== null && isJobState(state)) {
    if (to === undefined || str(data.from) === undefined) f.runtime = null;
    else if (event.type === 'ALLOCATED') f.runtime = carried(f.runtime);
    else {
      const fields = obj(data.fields) ?? {};
      f.runtime = to === 'PENDING' ? { ...carried(f.runtime), ...fields } : { ...f.runtime, ...fields };
    }
    f.runtimeSeq = seq;
  }
};

/** An empty fold for a budget chain, or `undefined` when the id is a job's. */
export const newBudgetChainFacts = (chainId: string): BudgetChainFacts | undefined => {
  const id = parseBudgetChainId(chainId);
  if (id === undefined) return undefined;
  return {
    chainId,
    team: id.team,
    period: id.period,
    events: 0,
    lastSeq: 0,
    lastHash: '',
    after: null,
    afterSeq: 0,
    reservations: new Map(),
    settlements: new Map(),
  };
};

/** Folds the next event of a budget's chain. */
export const foldBudgetEvent = (f: BudgetChainFacts, event: JobEvent): void => {
  const { data, seq } = event;
  f.events += 1;
  f.lastSeq = seq;
  f.lastHash = event.hash;
  const after = obj(data.after);
  const limitUsd = num(after?.limitUsd);
  const reservedUsd = num(after?.reservedUsd);
  const spentUsd = num(after?.spentUsd);
  f.after =
    limitUsd === undefined || reservedUsd === undefined || spentUsd === undefined
      ? null
      : { limitUsd, reservedUsd, spentUsd };
  f.afterSeq = seq;
  const allocationId = str(data.allocationId);
  const jobId = str(data.jobId);
  if (event.type === BUDGET_RESERVED && allocationId !== undefined && jobId !== undefined) {
    const amountUsd = num(data.amountUsd);
    if (amountUsd !== undefined)
      f.reservations.set(allocationId, { seq, jobId, jobPeriod: str(data.jobPeriod) ?? null, amountUsd });
  }
  if (event.type === BUDGET_SETTLED && allocationId !== undefined && jobId !== undefined) {
    const actualUsd = num(data.actualUsd);
    if (actualUsd !== undefined) f.settlements.set(allocationId, { seq, at: event.at, jobId, actualUsd });
  }
};

/**
 * Per allocation: the list price per instance-hour the planner priced it against, the price book,
 * and whether the attempt ended in a spot interruption (an INTERRUPTED event after its ALLOCATED
 * event and before the next one). What the ledger export puts on usage lines.
 */
export const attemptFacts = (events: readonly JobEvent[]): Map<string, AttemptFacts> => {
  const f = newJobChainFacts(events[0]?.jobId ?? '');
  for (const event of events) foldJobEvent(f, event);
  return f.attemptFacts;
};
