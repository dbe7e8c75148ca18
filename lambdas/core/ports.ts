import type { FieldIssue, JobRequest } from './jobs/job-request.js';
import type { JobState } from './jobs/job-state.js';
import type { ChainedEvent, JsonObject } from './ledger/event-chain.js';
import type { Allocation, DecisionRecord } from './planning/plan.js';
import type { PriceBook, PurchaseOption } from './pricing/offer.js';

/**
 * Ports: what the domain needs from the outside world, typed so handlers (intake, solve,
 * provision, events, reconcile) can be written and tested against in-memory twins and run
 * against DynamoDB and SQS unchanged. Every adapter passes the same contract suite
 * (test/support/*-contract.ts).
 */

/** The only source of time. Core never reads the clock; adapters and handlers get one injected. */
export interface Clock {
  now(): Date;
}

/** A budget or reporting period: a UTC calendar month, `yyyy-mm`. */
export type Period = string;

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** True for a well-formed `yyyy-mm` period. */
export const isPeriod = (value: string): boolean => PERIOD.test(value);

/** The UTC month an ISO instant falls in, e.g. `2026-03-31T23:59:59Z` → `2026-03`. */
export const periodOf = (isoInstant: string): Period => {
  const ms = Date.parse(isoInstant);
  if (Number.isNaN(ms)) throw new TypeError(`periodOf: ${JSON.stringify(isoInstant)} is not an ISO instant`);
  return new Date(ms).toISOString().slice(0, 7);
};

// ---------------------------------------------------------------------------------------------
// Paging

export interface PageRequest {
  /** Items per page; adapters cap it (DynamoDB: 1 MB per query anyway). Default 100. */
  readonly limit?: number;
  /** Opaque token from the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items may follow. */
  readonly cursor?: string;
}

// ---------------------------------------------------------------------------------------------
// Jobs

/** The team budget an allocation draws on. */
export interface BudgetReservationRequest {
  readonly team: string;
  readonly period: Period;
  readonly amountUsd: number;
  /** The team's limit for the period, used only when the ledger holds no budget for it yet. */
  readonly limitUsd: number;
}

/** What an allocated job holds until it goes back to PENDING. */
export interface JobAllocation {
  /** Unique per allocation attempt; the CreateFleet ClientToken and the reservation key. */
  readonly allocationId: string;
  readonly allocation: Allocation;
  readonly priceBookId: string;
  readonly reservation: { readonly team: string; readonly period: Period; readonly amountUsd: number };
  readonly allocatedAt: string;
}

/** Facts learnt while a job runs; set through `transition`'s `fields`. */
export interface JobRuntimeFields {
  readonly fleetId?: string;
  readonly instanceIds?: readonly string[];
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Why the job last failed, was cancelled, interrupted or sent back to PENDING. */
  readonly reason?: string;
  /**
   * Set when a job goes back to PENDING after a spot interruption with too little slack left to
   * risk another one: its next allocation must be on-demand.
   */
  readonly onDemandOnly?: boolean;
  /**
   * Work (reference-model hours) checkpointed by the job's interrupted runs, kept across
   * attempts so that the next plan and the next interruption start from it.
   */
  readonly workDoneHours?: number;
  /**
   * Hours the job's interrupted runs ran without keeping the work (the whole run without
   * checkpoints, the tail after the last one with them), summed across attempts: what the
   * lost-work cap (docs/adr/0014) holds against the job's length.
   */
  readonly lostWorkHours?: number;
}

/** A job as the ledger holds it. */
export interface JobRecord {
  readonly jobId: string;
  readonly team: string;
  readonly project: string;
  readonly priority: number;
  readonly state: JobState;
  /** Starts at 1; every change adds 1. Writers pass the version they read. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The month the job was received in, for reports. */
  readonly period: Period;
  readonly request: JobRequest;
  /** Allocations so far, including the current one. */
  readonly attempts: number;
  readonly allocation: JobAllocation | null;
  readonly runtime: JobRuntimeFields;
  /** Seq and hash of the job's latest event: the head of its chain. */
  readonly eventCount: number;
  readonly headHash: string;
}

export interface NewJob {
  readonly request: JobRequest;
  /** The SQS message it came in, when it came through the queue. */
  readonly messageId?: string;
}

export type PutJobResult =
  | { readonly outcome: 'created'; readonly job: JobRecord }
  /** `identical` tells a harmless redelivery from a different request reusing a jobId. */
  | { readonly outcome: 'duplicate'; readonly job: JobRecord; readonly identical: boolean };

export interface TransitionInput {
  readonly jobId: string;
  readonly expectedVersion: number;
  /** Any state but ALLOCATED, which only `allocate` may enter (it reserves budget). */
  readonly to: JobState;
  /** Recorded in the event as `detail`. */
  readonly data?: JsonObject;
  readonly fields?: JobRuntimeFields;
}

export interface AllocateInput {
  readonly jobId: string;
  readonly expectedVersion: number;
  readonly allocationId: string;
  readonly allocation: Allocation;
  readonly decision: DecisionRecord;
  readonly reservation: BudgetReservationRequest;
}

/** A job event: one link of its hash chain. */
export type JobEvent = ChainedEvent;

/**
 * An invalid request, kept with its raw body so nothing is dropped silently. Bounded to fit one
 * ledger item whatever the message (`boundRejection`): the first issues of `issueCount`, and the
 * body in full unless `rawBodyTruncated` (then its first bytes; length and SHA-256 always).
 * The four bounding fields are absent on records written before they existed.
 */
export interface Rejection {
  readonly messageId: string;
  readonly rawBody: string;
  readonly reason: string;
  readonly issues: readonly FieldIssue[];
  readonly at: string;
  /** Issues found, of which `issues` holds the first. */
  readonly issueCount?: number;
  /** UTF-8 length of the body as received. */
  readonly rawBodyBytes?: number;
  readonly rawBodySha256?: string;
  /** True when `rawBody` holds only the body's first bytes. */
  readonly rawBodyTruncated?: boolean;
}

export interface RejectionInput {
  readonly messageId: string;
  readonly rawBody: string;
  readonly reason: string;
  readonly issues?: readonly FieldIssue[];
  readonly at: string;
}

export interface LaunchClaimInput {
  readonly allocationId: string;
  readonly jobId: string;
  /** ISO instant of the claim. */
  readonly at: string;
  readonly leaseSeconds: number;
}

/** Job records and their append-only, hash-chained events. */
export interface JobLedger {
  /**
   * Creates the job in PENDING with its RECEIVED event, unless the jobId exists already.
   * Idempotent: a redelivered request returns `duplicate`, never a second job.
   */
  putJobIfAbsent(job: NewJob): Promise<PutJobResult>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  /** Jobs in one state, highest priority first, then oldest. */
  listJobsByState(state: JobState, page?: PageRequest): Promise<Page<JobRecord>>;
  /** Jobs received by a team in a period, oldest first. */
  listJobsByTeamAndPeriod(team: string, period: Period, page?: PageRequest): Promise<Page<JobRecord>>;
  /**
   * Moves a job to `to` and appends the event, as one conditional write on `expectedVersion`.
   * Moving to PENDING clears the allocation (the caller releases its budget).
   * @throws NotFoundError, VersionConflictError, InvalidTransitionError
   */
  transition(input: TransitionInput): Promise<JobRecord>;
  /**
   * PENDING → ALLOCATED, the ALLOCATED event with the decision record, and the budget
   * reservation, all in one transaction: a budget is never overspent, even under concurrency.
   * @throws NotFoundError, VersionConflictError, InvalidTransitionError, BudgetExceededError
   */
  allocate(input: AllocateInput): Promise<JobRecord>;
  /** Every event of a job in seq order (empty when the job is unknown). */
  listEvents(jobId: string): Promise<readonly JobEvent[]>;
  /** Keeps an invalid request; idempotent by SQS message id. */
  recordRejection(input: RejectionInput): Promise<'recorded' | 'duplicate'>;
  /**
   * Claims the right to launch an allocation's capacity, for `leaseSeconds` from `at`: of any
   * number of concurrent callers exactly one gets `claimed`; the others get `held` until the
   * lease runs out (then a caller may take it over: the first holder crashed or timed out).
   */
  claimLaunch(input: LaunchClaimInput): Promise<'claimed' | 'held'>;
  getRejection(messageId: string): Promise<Rejection | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Budgets

export interface BudgetRecord {
  readonly team: string;
  readonly period: Period;
  readonly limitUsd: number;
  readonly reservedUsd: number;
  readonly spentUsd: number;
  /** `limit - reserved - spent`; negative only when actual costs overran reservations. */
  readonly availableUsd: number;
  /**
   * Head of the budget's own chain (ADR 0010): its event count and last hash. Absent on budgets
   * not changed since before budgets had chains.
   */
  readonly eventCount?: number;
  readonly headHash?: string;
}

/**
 * Money is kept in whole micro-dollars inside the ledger, so sums are exact in every adapter
 * (DynamoDB numbers are decimal, JavaScript numbers are binary) and budgets compare equal.
 */
export const usdToMicros = (usd: number, field = 'amountUsd'): number => {
  if (!Number.isFinite(usd) || usd < 0)
    throw new RangeError(`${field}: ${usd} must be a finite amount ≥ 0 USD`);
  return Math.round(usd * 1_000_000);
};

/** Whole micro-dollars back to USD. */
export const microsToUsd = (micros: number): number => micros / 1_000_000;

export type ReservationStatus = 'RESERVED' | 'SETTLED' | 'RELEASED';

export interface BudgetReservation {
  readonly team: string;
  readonly period: Period;
  readonly allocationId: string;
  readonly jobId: string;
  readonly amountUsd: number;
  readonly status: ReservationStatus;
  /** What the allocation really cost, once settled. */
  readonly actualUsd: number | null;
  readonly reservedAt: string;
  readonly closedAt: string | null;
}

export interface SettleInput {
  readonly team: string;
  readonly allocationId: string;
  readonly actualUsd: number;
  readonly at: string;
}

export interface ReleaseInput {
  readonly team: string;
  readonly allocationId: string;
  readonly at: string;
}

export type CloseReservationResult =
  | { readonly outcome: 'settled' | 'released'; readonly reservation: BudgetReservation }
  /** The reservation was closed before (redelivery): nothing changed. */
  | { readonly outcome: 'already-closed'; readonly reservation: BudgetReservation };

/**
 * Team budgets per period: reserve at allocation, settle on completion, release on failure. Every
 * change appends an event to the budget's chain in the same write (ADR 0010).
 */
export interface BudgetLedger {
  /** Sets a team's limit for a period, keeping what is reserved and spent. */
  putBudget(input: {
    readonly team: string;
    readonly period: Period;
    readonly limitUsd: number;
  }): Promise<BudgetRecord>;
  getBudget(team: string, period: Period): Promise<BudgetRecord | undefined>;
  getReservation(team: string, allocationId: string): Promise<BudgetReservation | undefined>;
  /** Turns a reservation into spend at its actual cost. Idempotent. @throws NotFoundError */
  settleBudget(input: SettleInput): Promise<CloseReservationResult>;
  /** Gives a reservation back unspent. Idempotent. @throws NotFoundError */
  releaseBudget(input: ReleaseInput): Promise<CloseReservationResult>;
  /** The events of a budget's chain in seq order (empty when it has none). */
  listBudgetEvents(team: string, period: Period): Promise<readonly JobEvent[]>;
}

// ---------------------------------------------------------------------------------------------
// Usage

export interface UsageStart {
  readonly instanceId: string;
  readonly jobId: string;
  readonly allocationId: string;
  readonly team: string;
  readonly project: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string | null;
  readonly purchaseOption: PurchaseOption;
  readonly unitPriceUsdPerHour: number;
  readonly startedAt: string;
}

export interface UsageRecord extends UsageStart {
  /** The month usage started in. */
  readonly period: Period;
  readonly stoppedAt: string | null;
  readonly costUsd: number | null;
}

export interface UsageStop {
  readonly instanceId: string;
  readonly stoppedAt: string;
  readonly costUsd: number;
}

/**
 * One interval per instance: from running to terminated. Idempotent by instance id. Starting and
 * stopping each append an event (USAGE_STARTED, USAGE_STOPPED) to the job's chain in the same
 * write, so the job's version and head move on (ADR 0010).
 */
export interface UsageLedger {
  /** @throws NotFoundError when the job is unknown; TypeError when the interval is not the job's */
  startUsage(
    start: UsageStart,
  ): Promise<{ readonly outcome: 'started' | 'already-started'; readonly usage: UsageRecord }>;
  /** @throws NotFoundError when the instance never started */
  stopUsage(
    stop: UsageStop,
  ): Promise<{ readonly outcome: 'stopped' | 'already-stopped'; readonly usage: UsageRecord }>;
  getUsage(instanceId: string): Promise<UsageRecord | undefined>;
  listUsageByJob(jobId: string): Promise<readonly UsageRecord[]>;
  listUsageByTeamAndPeriod(team: string, period: Period, page?: PageRequest): Promise<Page<UsageRecord>>;
}

// ---------------------------------------------------------------------------------------------
// Price books and offer availability

export interface UnavailableOffer {
  readonly offerId: string;
  /** ISO instant after which the offer may be tried again. */
  readonly until: string;
  readonly reason: string;
}

export interface PriceBookStore {
  /**
   * Stores an immutable book; the latest stored book becomes `getLatestPriceBook`. A book with
   * no offers is refused, so a failed refresh never replaces a good book.
   */
  putPriceBook(book: PriceBook): Promise<'stored' | 'duplicate'>;
  getPriceBook(id: string): Promise<PriceBook | undefined>;
  getLatestPriceBook(): Promise<PriceBook | undefined>;
  /** After a capacity error: skip this offer until `until`. */
  markOfferUnavailable(entry: UnavailableOffer): Promise<void>;
  /** Offers still unavailable at `at`. */
  listUnavailableOffers(at: string): Promise<readonly UnavailableOffer[]>;
}

/**
 * A chain's head as of an instant: the event with the highest seq among the chain's events in an
 * interval. Job chains and budget chains (`budget/<team>/<period>`) alike.
 */
export interface ChainHead {
  readonly chainId: string;
  /** The head event's seq, which is the number of events the chain had then. */
  readonly eventCount: number;
  readonly headHash: string;
  readonly lastEventAt: string;
}

/** An interval of the ledger's time: after `after` (the beginning when null), up to `until`. */
export interface ChainInterval {
  readonly after: string | null;
  readonly until: string;
}

/** What a signed digest needs from the ledger (issue 13 part 2): the heads an interval moved. */
export interface ChainHeadSource {
  /**
   * Every chain with an event whose `at` lies in the interval, with the highest-seq such event as
   * its head, ordered by chain id.
   */
  listChainHeads(interval: ChainInterval): Promise<readonly ChainHead[]>;
}

/** The whole ledger: what the DynamoDB table and the in-memory twin both provide. */
export interface Ledger extends JobLedger, BudgetLedger, UsageLedger, PriceBookStore {}

// ---------------------------------------------------------------------------------------------
// Queues

/** The logical work queues. */
export const QUEUE_KEYS = ['job-requests', 'provision', 'job-events', 'ec2-events'] as const;
export type QueueKey = (typeof QUEUE_KEYS)[number];
/** A work queue or its dead-letter queue. */
export type QueueId = QueueKey | `${QueueKey}-dlq`;

/** SQS's limit on entries per batch call. */
export const MAX_BATCH_SIZE = 10;

export interface OutgoingMessage {
  /** Batch entry id, unique within the batch: 1–80 of `A-Z a-z 0-9 - _`. */
  readonly id: string;
  readonly body: string;
  /** FIFO queues only, required there. */
  readonly groupId?: string;
  /** FIFO queues only, required there (no content-based deduplication). */
  readonly deduplicationId?: string;
}

export type SendResult =
  | { readonly id: string; readonly ok: true; readonly messageId: string }
  | {
      readonly id: string;
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      /** True when resending the same entry cannot succeed. */
      readonly senderFault: boolean;
    };

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** 1 on first delivery. */
  readonly receiveCount: number;
  readonly groupId?: string;
}

export interface ReceiveOptions {
  /** 1–10, default 10. */
  readonly maxMessages?: number;
  /** Long-poll seconds, default 0. */
  readonly waitSeconds?: number;
  /** Overrides the queue's visibility timeout for these messages. */
  readonly visibilityTimeoutSeconds?: number;
}

export type DeleteResult =
  | { readonly receiptHandle: string; readonly ok: true }
  | { readonly receiptHandle: string; readonly ok: false; readonly code: string; readonly message: string };

/** The pipeline's queues. Batches report per entry: one bad entry never fails the others. */
export interface JobQueues {
  /** @throws RangeError for an empty batch or more than MAX_BATCH_SIZE entries */
  send(queue: QueueKey, messages: readonly OutgoingMessage[]): Promise<readonly SendResult[]>;
  receive(queue: QueueId, options?: ReceiveOptions): Promise<readonly ReceivedMessage[]>;
  /** @throws RangeError for an empty batch or more than MAX_BATCH_SIZE entries */
  delete(queue: QueueId, receiptHandles: readonly string[]): Promise<readonly DeleteResult[]>;
}
