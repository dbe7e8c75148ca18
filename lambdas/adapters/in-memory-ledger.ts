import { chainHeadsIn } from '../core/audit/chain-heads-in.js';
import { BudgetExceededError, NotFoundError, VersionConflictError } from '../core/errors.js';
import type { JobState } from '../core/jobs/job-state.js';
import { boundRejection } from '../core/ledger/bounded-rejection.js';
import {
  appendBudgetEvent,
  BUDGET_RELEASED,
  BUDGET_RESERVED,
  BUDGET_SET,
  BUDGET_SETTLED,
  type BudgetChange,
  type BudgetHead,
  budgetHeadOf,
} from '../core/ledger/budget-chain.js';
import { canonicalJson, toJsonValue } from '../core/ledger/event-chain.js';
import { applyAllocation, applyTransition, receiveJob } from '../core/ledger/job-change.js';
import { applyUsageStart, applyUsageStop } from '../core/ledger/usage-change.js';
import {
  type AllocateInput,
  type BudgetRecord,
  type BudgetReservation,
  type ChainHead,
  type ChainHeadSource,
  type ChainInterval,
  type Clock,
  type CloseReservationResult,
  isPeriod,
  type JobEvent,
  type JobRecord,
  type LaunchClaimInput,
  type Ledger,
  microsToUsd,
  type NewJob,
  type Page,
  type PageRequest,
  type Period,
  type PutJobResult,
  periodOf,
  type Rejection,
  type RejectionInput,
  type ReleaseInput,
  type SettleInput,
  type TransitionInput,
  type UnavailableOffer,
  type UsageRecord,
  type UsageStart,
  type UsageStop,
  usdToMicros,
} from '../core/ports.js';
import type { PriceBook } from '../core/pricing/offer.js';
import { frozenCopy, plainCopy } from './plain-copy.js';
import { firstAfter, type IndexEntry, SortedIndex } from './sorted-index.js';

/** Default and largest page sizes, the same as the DynamoDB adapter's. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

interface BudgetState {
  readonly limit: number;
  readonly reserved: number;
  readonly spent: number;
  readonly available: number;
  readonly head: BudgetHead;
}

interface ReservationState {
  readonly team: string;
  readonly period: Period;
  readonly allocationId: string;
  readonly jobId: string;
  readonly amount: number;
  readonly status: BudgetReservation['status'];
  readonly actual: number | null;
  readonly reservedAt: string;
  readonly closedAt: string | null;
}

export interface InMemoryLedgerOptions {
  readonly clock: Clock;
}

const copy = plainCopy;

/** Validates a page size the same way in every adapter. */
export const pageLimit = (page: PageRequest | undefined): number => {
  const limit = page?.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`page.limit: ${limit} must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
};

const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

const decodeCursor = (cursor: string): string => {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0)
    throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is not a cursor this ledger issued`);
  return key;
};

/**
 * Pages through an index bucket (already in sort-key order), with the key of the last item as the
 * cursor; only the page's records are looked up (frozen, so handed out as stored).
 */
const paginate = <T>(
  entries: readonly IndexEntry[],
  recordOf: (id: string) => T,
  page: PageRequest | undefined,
): Page<T> => {
  const limit = pageLimit(page);
  const start = page?.cursor === undefined ? 0 : firstAfter(entries, decodeCursor(page.cursor));
  const chosen = entries.slice(start, start + limit);
  const items = chosen.map((entry) => recordOf(entry.id));
  const last = chosen.at(-1);
  return entries.length - start > limit && last !== undefined
    ? { items, cursor: encodeCursor(last.key) }
    : { items };
};

const stateOrder = (job: JobRecord) =>
  `${String(1000 - job.priority).padStart(4, '0')}#${job.createdAt}#${job.jobId}`;

const teamPeriodOrder = (job: JobRecord) => `${job.createdAt}#${job.jobId}`;

const usageOrder = (u: UsageRecord) => `${u.startedAt}#${u.instanceId}`;

/** Index buckets; a team and a month are joined with a character neither can hold. */
const teamPeriodBucket = (team: string, period: string) => `${team}\u0000${period}`;

const toBudgetRecord = (team: string, period: Period, b: BudgetState): BudgetRecord => ({
  team,
  period,
  limitUsd: microsToUsd(b.limit),
  reservedUsd: microsToUsd(b.reserved),
  spentUsd: microsToUsd(b.spent),
  availableUsd: microsToUsd(b.available),
  eventCount: b.head.eventCount,
  headHash: b.head.headHash,
});

/** Balances in µ$ → the budget chain's `after` in USD. */
const balancesOf = (b: Pick<BudgetState, 'limit' | 'reserved' | 'spent'>) => ({
  limitUsd: microsToUsd(b.limit),
  reservedUsd: microsToUsd(b.reserved),
  spentUsd: microsToUsd(b.spent),
});

const toReservation = (r: ReservationState): BudgetReservation => ({
  team: r.team,
  period: r.period,
  allocationId: r.allocationId,
  jobId: r.jobId,
  amountUsd: microsToUsd(r.amount),
  status: r.status,
  actualUsd: r.actual === null ? null : microsToUsd(r.actual),
  reservedAt: r.reservedAt,
  closedAt: r.closedAt,
});

const requirePeriod = (period: string, where: string): void => {
  if (!isPeriod(period)) throw new TypeError(`${where}: period ${JSON.stringify(period)} is not yyyy-mm`);
};

/** Rejects a stop before its start: a cost interval cannot be negative. */
export const checkUsageStop = (usage: UsageRecord, stop: UsageStop): void => {
  usdToMicros(stop.costUsd, 'costUsd');
  if (Date.parse(stop.stoppedAt) < Date.parse(usage.startedAt)) {
    throw new RangeError(
      `stopUsage(${stop.instanceId}): stoppedAt ${stop.stoppedAt} is before startedAt ${usage.startedAt}`,
    );
  }
};

/** Refuses a book a failed refresh could have produced. */
export const checkPriceBook = (book: PriceBook): void => {
  if (book.id.length === 0) throw new TypeError('putPriceBook: book.id must not be empty');
  if (book.offers.length === 0) {
    throw new RangeError(`putPriceBook(${book.id}): the book has no offers; refusing to store an empty book`);
  }
};

/** @throws TypeError for a claim that cannot be made (no ids, a lease that is not positive, a bad instant) */
export const checkLaunchClaim = (input: LaunchClaimInput): void => {
  if (input.allocationId.trim() === '') throw new TypeError('claimLaunch: allocationId must not be empty');
  if (!(Number.isFinite(input.leaseSeconds) && input.leaseSeconds > 0))
    throw new TypeError(
      `claimLaunch(${input.allocationId}): leaseSeconds must be > 0, got ${input.leaseSeconds}`,
    );
  if (Number.isNaN(Date.parse(input.at)) || !input.at.endsWith('Z'))
    throw new TypeError(
      `claimLaunch(${input.allocationId}): at ${JSON.stringify(input.at)} is not a UTC ISO instant`,
    );
};

/** When a claim's lease ends, as a UTC ISO instant (comparable as a string). */
export const leaseUntil = (input: LaunchClaimInput): string =>
  new Date(Date.parse(input.at) + input.leaseSeconds * 1000).toISOString();

/**
 * The ledger in memory: the embedded mode (`qm plan`, `qm simulate`) and handler unit tests.
 * Behaves like `DynamoDbLedger` (both pass test/support/ledger-contract.ts). Every method's
 * checks and writes happen without an intervening await, so concurrent calls are atomic.
 */
export class InMemoryLedger implements Ledger, ChainHeadSource {
  readonly #clock: Clock;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #events = new Map<string, JobEvent[]>();
  readonly #rejections = new Map<string, Rejection>();
  /** Lease end per allocation id. */
  readonly #launchClaims = new Map<string, string>();
  readonly #budgets = new Map<string, BudgetState>();
  readonly #budgetEvents = new Map<string, JobEvent[]>();
  readonly #reservations = new Map<string, ReservationState>();
  readonly #usage = new Map<string, UsageRecord>();
  readonly #priceBooks = new Map<string, { readonly book: PriceBook; readonly storedAt: string }>();
  readonly #unavailable = new Map<string, UnavailableOffer>();
  // Listings read these instead of scanning every record: a month's twin run lists pending jobs and
  // the teams' usage at every solve.
  readonly #jobsByState = new SortedIndex();
  readonly #jobsByTeamPeriod = new SortedIndex();
  readonly #usageByJob = new SortedIndex();
  readonly #usageByTeamPeriod = new SortedIndex();

  constructor(options: InMemoryLedgerOptions) {
    this.#clock = options.clock;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  /**
   * Stores a frozen copy of a job record and files it in the listings' indexes. Job and usage
   * records are kept frozen so that reads return them as stored: a solve reads every pending and
   * live job and the teams' recent usage, and copying each of them on every read dominated long
   * simulations. A caller that wants another record builds a new one, as the ledger's types (all
   * readonly) already require.
   */
  #storeJob(record: JobRecord): JobRecord {
    const job = frozenCopy(record);
    this.#jobs.set(job.jobId, job);
    this.#jobsByState.put(job.jobId, job.state, stateOrder(job));
    this.#jobsByTeamPeriod.put(job.jobId, teamPeriodBucket(job.team, job.period), teamPeriodOrder(job));
    return job;
  }

  /** Stores a frozen copy of a usage record and files it in the listings' indexes. */
  #storeUsage(record: UsageRecord): UsageRecord {
    const usage = frozenCopy(record);
    this.#usage.set(usage.instanceId, usage);
    this.#usageByJob.put(usage.instanceId, usage.jobId, usageOrder(usage));
    this.#usageByTeamPeriod.put(
      usage.instanceId,
      teamPeriodBucket(usage.team, usage.period),
      usageOrder(usage),
    );
    return usage;
  }

  /** A record the indexes name: present, since records are never removed. */
  readonly #jobOf = (jobId: string): JobRecord => this.#jobs.get(jobId) as JobRecord;
  readonly #usageOf = (instanceId: string): UsageRecord => this.#usage.get(instanceId) as UsageRecord;

  async putJobIfAbsent(input: NewJob): Promise<PutJobResult> {
    const existing = this.#jobs.get(input.request.jobId);
    if (existing !== undefined) {
      const identical =
        canonicalJson(toJsonValue(existing.request)) === canonicalJson(toJsonValue(input.request));
      return { outcome: 'duplicate', job: existing, identical };
    }
    const { job, event } = receiveJob(input, this.#now());
    const stored = this.#storeJob(job);
    this.#events.set(job.jobId, [event]);
    return { outcome: 'created', job: stored };
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.#jobs.get(jobId);
  }

  async listJobsByState(state: JobState, page?: PageRequest): Promise<Page<JobRecord>> {
    return paginate(this.#jobsByState.entries(state), this.#jobOf, page);
  }

  async listJobsByTeamAndPeriod(team: string, period: Period, page?: PageRequest): Promise<Page<JobRecord>> {
    requirePeriod(period, 'listJobsByTeamAndPeriod');
    return paginate(this.#jobsByTeamPeriod.entries(teamPeriodBucket(team, period)), this.#jobOf, page);
  }

  #requireJob(jobId: string): JobRecord {
    const job = this.#jobs.get(jobId);
    if (job === undefined) throw new NotFoundError('job', jobId);
    return job;
  }

  #commit(job: JobRecord, event: JobEvent): JobRecord {
    const stored = this.#storeJob(job);
    this.#events.get(job.jobId)?.push(event);
    return stored;
  }

  async transition(input: TransitionInput): Promise<JobRecord> {
    const { job, event } = applyTransition(this.#requireJob(input.jobId), input, this.#now());
    return this.#commit(job, event);
  }

  async allocate(input: AllocateInput): Promise<JobRecord> {
    const { job, event } = applyAllocation(this.#requireJob(input.jobId), input, this.#now());
    const { team, period, amountUsd, limitUsd } = input.reservation;
    const amount = usdToMicros(amountUsd, 'reservation.amountUsd');
    const budgetKey = `${team}#${period}`;
    const limit = usdToMicros(limitUsd, 'reservation.limitUsd');
    const budget = this.#budgets.get(budgetKey) ?? {
      limit,
      reserved: 0,
      spent: 0,
      available: limit,
      head: { eventCount: 0, headHash: '' },
    };
    if (budget.available < amount) {
      throw new BudgetExceededError(team, period, amountUsd, microsToUsd(budget.available));
    }
    const reservationKey = `${team}#${input.allocationId}`;
    if (this.#reservations.has(reservationKey)) {
      throw new VersionConflictError('budget reservation', `${team}/${input.allocationId}`, 0, undefined);
    }
    this.#changeBudget(
      team,
      period,
      budget,
      { ...budget, reserved: budget.reserved + amount, available: budget.available - amount },
      {
        type: BUDGET_RESERVED,
        jobId: input.jobId,
        jobPeriod: job.period,
        allocationId: input.allocationId,
        amountUsd,
      },
      event.at,
    );
    this.#reservations.set(reservationKey, {
      team,
      period,
      allocationId: input.allocationId,
      jobId: input.jobId,
      amount,
      status: 'RESERVED',
      actual: null,
      reservedAt: event.at,
      closedAt: null,
    });
    return this.#commit(job, event);
  }

  async listEvents(jobId: string): Promise<readonly JobEvent[]> {
    return copy(this.#events.get(jobId) ?? []);
  }

  async claimLaunch(input: LaunchClaimInput): Promise<'claimed' | 'held'> {
    checkLaunchClaim(input);
    const until = this.#launchClaims.get(input.allocationId);
    if (until !== undefined && until > input.at) return 'held';
    this.#launchClaims.set(input.allocationId, leaseUntil(input));
    return 'claimed';
  }

  async recordRejection(input: RejectionInput): Promise<'recorded' | 'duplicate'> {
    if (this.#rejections.has(input.messageId)) return 'duplicate';
    // Bounded as the DynamoDB ledger bounds it, so the two adapters keep the same record.
    this.#rejections.set(input.messageId, copy(boundRejection(input)));
    return 'recorded';
  }

  async getRejection(messageId: string): Promise<Rejection | undefined> {
    const rejection = this.#rejections.get(messageId);
    return rejection === undefined ? undefined : copy(rejection);
  }

  /** Stores a budget's new balances and appends the change to its chain, as one step. */
  #changeBudget(
    team: string,
    period: Period,
    before: BudgetState | undefined,
    next: Omit<BudgetState, 'head'>,
    change: BudgetChange,
    at: string,
  ): BudgetState {
    const head = before === undefined || before.head.eventCount === 0 ? undefined : before.head;
    const event = appendBudgetEvent(head, team, period, at, change, balancesOf(next));
    const key = `${team}#${period}`;
    const stored: BudgetState = { ...next, head: budgetHeadOf(event) };
    this.#budgets.set(key, stored);
    const events = this.#budgetEvents.get(key) ?? [];
    events.push(event);
    this.#budgetEvents.set(key, events);
    return stored;
  }

  async putBudget(input: { team: string; period: Period; limitUsd: number }): Promise<BudgetRecord> {
    requirePeriod(input.period, 'putBudget');
    const limit = usdToMicros(input.limitUsd, 'limitUsd');
    const key = `${input.team}#${input.period}`;
    const old = this.#budgets.get(key);
    const next =
      old === undefined
        ? { limit, reserved: 0, spent: 0, available: limit }
        : { ...old, limit, available: old.available + (limit - old.limit) };
    const stored = this.#changeBudget(
      input.team,
      input.period,
      old,
      next,
      {
        type: BUDGET_SET,
        limitUsd: input.limitUsd,
        previousLimitUsd: old === undefined ? null : microsToUsd(old.limit),
      },
      this.#now(),
    );
    return toBudgetRecord(input.team, input.period, stored);
  }

  async listChainHeads(interval: ChainInterval): Promise<readonly ChainHead[]> {
    const chains = [...this.#events.values(), ...this.#budgetEvents.values()];
    return chainHeadsIn(chains.flat(), interval);
  }

  async listBudgetEvents(team: string, period: Period): Promise<readonly JobEvent[]> {
    return copy(this.#budgetEvents.get(`${team}#${period}`) ?? []);
  }

  async getBudget(team: string, period: Period): Promise<BudgetRecord | undefined> {
    const budget = this.#budgets.get(`${team}#${period}`);
    return budget === undefined ? undefined : toBudgetRecord(team, period, budget);
  }

  async getReservation(team: string, allocationId: string): Promise<BudgetReservation | undefined> {
    const reservation = this.#reservations.get(`${team}#${allocationId}`);
    return reservation === undefined ? undefined : toReservation(reservation);
  }

  #close(team: string, allocationId: string, actual: number, at: string, status: 'SETTLED' | 'RELEASED') {
    const key = `${team}#${allocationId}`;
    const reservation = this.#reservations.get(key);
    if (reservation === undefined) throw new NotFoundError('budget reservation', `${team}/${allocationId}`);
    if (reservation.status !== 'RESERVED') {
      return { outcome: 'already-closed', reservation: toReservation(reservation) } as const;
    }
    const budgetKey = `${team}#${reservation.period}`;
    const budget = this.#budgets.get(budgetKey);
    if (budget === undefined) throw new NotFoundError('budget', `${team}/${reservation.period}`);
    const held = { jobId: reservation.jobId, allocationId, reservedUsd: microsToUsd(reservation.amount) };
    this.#changeBudget(
      team,
      reservation.period,
      budget,
      {
        ...budget,
        reserved: budget.reserved - reservation.amount,
        spent: budget.spent + actual,
        available: budget.available + reservation.amount - actual,
      },
      status === 'SETTLED'
        ? { type: BUDGET_SETTLED, ...held, actualUsd: microsToUsd(actual) }
        : { type: BUDGET_RELEASED, ...held },
      at,
    );
    const closed: ReservationState = { ...reservation, status, actual, closedAt: at };
    this.#reservations.set(key, closed);
    return {
      outcome: status === 'SETTLED' ? 'settled' : 'released',
      reservation: toReservation(closed),
    } as const;
  }

  async settleBudget(input: SettleInput): Promise<CloseReservationResult> {
    return this.#close(
      input.team,
      input.allocationId,
      usdToMicros(input.actualUsd, 'actualUsd'),
      input.at,
      'SETTLED',
    );
  }

  async releaseBudget(input: ReleaseInput): Promise<CloseReservationResult> {
    return this.#close(input.team, input.allocationId, 0, input.at, 'RELEASED');
  }

  async startUsage(start: UsageStart) {
    usdToMicros(start.unitPriceUsdPerHour, 'unitPriceUsdPerHour');
    const existing = this.#usage.get(start.instanceId);
    if (existing !== undefined) return { outcome: 'already-started', usage: existing } as const;
    const { job, event } = applyUsageStart(this.#requireJob(start.jobId), start, this.#now());
    const usage: UsageRecord = {
      ...copy(start),
      period: periodOf(start.startedAt),
      stoppedAt: null,
      costUsd: null,
    };
    const stored = this.#storeUsage(usage);
    this.#commit(job, event);
    return { outcome: 'started', usage: stored } as const;
  }

  async stopUsage(stop: UsageStop) {
    const usage = this.#usage.get(stop.instanceId);
    if (usage === undefined) throw new NotFoundError('usage interval of instance', stop.instanceId);
    if (usage.stoppedAt !== null) return { outcome: 'already-stopped', usage } as const;
    checkUsageStop(usage, stop);
    const { job, event } = applyUsageStop(this.#requireJob(usage.jobId), usage, stop, this.#now());
    const stopped: UsageRecord = { ...usage, stoppedAt: stop.stoppedAt, costUsd: stop.costUsd };
    const stored = this.#storeUsage(stopped);
    this.#commit(job, event);
    return { outcome: 'stopped', usage: stored } as const;
  }

  async getUsage(instanceId: string): Promise<UsageRecord | undefined> {
    return this.#usage.get(instanceId);
  }

  async listUsageByJob(jobId: string): Promise<readonly UsageRecord[]> {
    return paginate(this.#usageByJob.entries(jobId), this.#usageOf, { limit: MAX_PAGE_SIZE }).items;
  }

  async listUsageByTeamAndPeriod(
    team: string,
    period: Period,
    page?: PageRequest,
  ): Promise<Page<UsageRecord>> {
    requirePeriod(period, 'listUsageByTeamAndPeriod');
    return paginate(this.#usageByTeamPeriod.entries(teamPeriodBucket(team, period)), this.#usageOf, page);
  }

  async putPriceBook(book: PriceBook): Promise<'stored' | 'duplicate'> {
    checkPriceBook(book);
    if (this.#priceBooks.has(book.id)) return 'duplicate';
    this.#priceBooks.set(book.id, { book: copy(book), storedAt: this.#now() });
    return 'stored';
  }

  async getPriceBook(id: string): Promise<PriceBook | undefined> {
    const stored = this.#priceBooks.get(id);
    return stored === undefined ? undefined : copy(stored.book);
  }

  async getLatestPriceBook(): Promise<PriceBook | undefined> {
    let latest: { key: string; book: PriceBook } | undefined;
    for (const { book, storedAt } of this.#priceBooks.values()) {
      const key = `${storedAt}#${book.id}`;
      if (latest === undefined || key > latest.key) latest = { key, book };
    }
    return latest === undefined ? undefined : copy(latest.book);
  }

  async markOfferUnavailable(entry: UnavailableOffer): Promise<void> {
    this.#unavailable.set(entry.offerId, copy(entry));
  }

  async listUnavailableOffers(at: string): Promise<readonly UnavailableOffer[]> {
    const now = Date.parse(at);
    return [...this.#unavailable.values()]
      .filter((entry) => Date.parse(entry.until) > now)
      .sort((a, b) => (a.offerId < b.offerId ? -1 : 1))
      .map(copy);
  }
}
