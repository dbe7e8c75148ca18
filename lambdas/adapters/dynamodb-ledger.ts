import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BudgetExceededError,
  CorruptRecordError,
  NotFoundError,
  QuartermasterError,
  VersionConflictError,
} from '../core/errors.js';
import type { FieldIssue } from '../core/jobs/job-request.js';
import type { JobState } from '../core/jobs/job-state.js';
import { boundRejection } from '../core/ledger/bounded-rejection.js';
import { canonicalJson, type JsonObject, toJsonValue } from '../core/ledger/event-chain.js';
import { applyAllocation, applyTransition, receiveJob } from '../core/ledger/job-change.js';
import {
  type AllocateInput,
  type BudgetRecord,
  type BudgetReservation,
  type Clock,
  type CloseReservationResult,
  isPeriod,
  type JobEvent,
  type JobRecord,
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
import type { Offer, PriceBook } from '../core/pricing/offer.js';
import { checkPriceBook, checkUsageStop, pageLimit } from './in-memory-ledger.js';
import {
  LEDGER_ATTRIBUTES as A,
  GSI1,
  GSI2,
  ledgerKeys as K,
  type TableDefinition,
} from './table-definition.js';

type Item = Record<string, AttributeValue>;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

/** Offers per price-book chunk are bounded by bytes: DynamoDB items hold at most 400 KB. */
const CHUNK_BYTES = 300_000;
/** Attempts when DynamoDB cancels a transaction because another one touched the same item. */
const CONFLICT_ATTEMPTS = 6;

const str = (item: Item, name: string, where: string): string => {
  const value = item[name]?.S;
  if (value === undefined)
    throw new CorruptRecordError(where, item[A.pk]?.S ?? '?', `missing string ${name}`);
  return value;
};

const num = (item: Item, name: string, where: string): number => {
  const value = item[name]?.N;
  if (value === undefined)
    throw new CorruptRecordError(where, item[A.pk]?.S ?? '?', `missing number ${name}`);
  return Number(value);
};

const optionalNum = (item: Item, name: string): number | null => {
  const value = item[name]?.N;
  return value === undefined ? null : Number(value);
};

const optionalStr = (item: Item, name: string): string | null => item[name]?.S ?? null;

const parseJson = <T>(item: Item, name: string, where: string): T => JSON.parse(str(item, name, where)) as T;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The cancellation code of each item of a cancelled transaction, in request order. */
const cancellationCodes = (err: TransactionCanceledException): readonly (string | undefined)[] =>
  (err.CancellationReasons ?? []).map((reason) => (reason.Code === 'None' ? undefined : reason.Code));

const isConflictOnly = (err: unknown): boolean =>
  err instanceof TransactionCanceledException &&
  cancellationCodes(err).some((code) => code === 'TransactionConflict') &&
  !cancellationCodes(err).some((code) => code === 'ConditionalCheckFailed');

const encodeCursor = (key: Item): string => {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) plain[name] = value.S;
  }
  return Buffer.from(JSON.stringify(plain), 'utf8').toString('base64url');
};

const decodeCursor = (cursor: string): Item => {
  let plain: unknown;
  try {
    plain = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is not a cursor this ledger issued`, {
      cause: err,
    });
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is not a cursor this ledger issued`);
  }
  const key: Item = {};
  for (const [name, value] of Object.entries(plain)) {
    if (typeof value !== 'string') throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is malformed`);
    key[name] = S(value);
  }
  return key;
};

const jobItem = (job: JobRecord): Item => ({
  ...keyItem(K.job(job.jobId)),
  [A.gsi1pk]: S(K.jobsByState(job.state)),
  [A.gsi1sk]: S(K.jobStateSort(job.priority, job.createdAt, job.jobId)),
  [A.gsi2pk]: S(K.teamPeriod(job.team, job.period)),
  [A.gsi2sk]: S(K.jobTeamSort(job.createdAt, job.jobId)),
  kind: S('JOB'),
  jobId: S(job.jobId),
  state: S(job.state),
  version: N(job.version),
  record: S(JSON.stringify(job)),
});

const eventItem = (event: JobEvent): Item => ({
  ...keyItem(K.event(event.jobId, event.seq)),
  kind: S('EVENT'),
  jobId: S(event.jobId),
  seq: N(event.seq),
  type: S(event.type),
  at: S(event.at),
  // Canonical JSON, so the stored bytes are exactly what was hashed.
  data: S(canonicalJson(event.data)),
  prevHash: S(event.prevHash),
  hash: S(event.hash),
});

const toEvent = (item: Item): JobEvent => ({
  jobId: str(item, 'jobId', 'event'),
  seq: num(item, 'seq', 'event'),
  type: str(item, 'type', 'event'),
  at: str(item, 'at', 'event'),
  data: parseJson<JsonObject>(item, 'data', 'event'),
  prevHash: str(item, 'prevHash', 'event'),
  hash: str(item, 'hash', 'event'),
});

const usageItem = (usage: UsageRecord): Item => ({
  ...keyItem(K.usage(usage.instanceId)),
  [A.gsi1pk]: S(K.usageByJob(usage.jobId)),
  [A.gsi1sk]: S(K.usageByJobSort(usage.startedAt, usage.instanceId)),
  [A.gsi2pk]: S(K.teamPeriod(usage.team, usage.period)),
  [A.gsi2sk]: S(K.usageTeamSort(usage.startedAt, usage.instanceId)),
  kind: S('USAGE'),
  instanceId: S(usage.instanceId),
  jobId: S(usage.jobId),
  ...(usage.stoppedAt === null ? {} : { stoppedAt: S(usage.stoppedAt) }),
  record: S(JSON.stringify(usage)),
});

function keyItem(key: { readonly pk: string; readonly sk: string }): Item {
  return { [A.pk]: S(key.pk), [A.sk]: S(key.sk) };
}

const toBudget = (item: Item): BudgetRecord => ({
  team: str(item, 'team', 'budget'),
  period: str(item, 'period', 'budget'),
  limitUsd: microsToUsd(num(item, 'limitMicros', 'budget')),
  reservedUsd: microsToUsd(num(item, 'reservedMicros', 'budget')),
  spentUsd: microsToUsd(num(item, 'spentMicros', 'budget')),
  availableUsd: microsToUsd(num(item, 'availableMicros', 'budget')),
});

const toReservation = (item: Item): BudgetReservation => {
  const actual = optionalNum(item, 'actualMicros');
  return {
    team: str(item, 'team', 'reservation'),
    period: str(item, 'period', 'reservation'),
    allocationId: str(item, 'allocationId', 'reservation'),
    jobId: str(item, 'jobId', 'reservation'),
    amountUsd: microsToUsd(num(item, 'amountMicros', 'reservation')),
    status: str(item, 'status', 'reservation') as BudgetReservation['status'],
    actualUsd: actual === null ? null : microsToUsd(actual),
    reservedAt: str(item, 'reservedAt', 'reservation'),
    closedAt: optionalStr(item, 'closedAt'),
  };
};

/** Splits offers into chunks whose JSON stays well under the item size limit. */
const chunkOffers = (offers: readonly Offer[]): Offer[][] => {
  const chunks: Offer[][] = [];
  let current: Offer[] = [];
  let bytes = 0;
  for (const offer of offers) {
    const size = Buffer.byteLength(JSON.stringify(offer), 'utf8') + 1;
    if (current.length > 0 && bytes + size > CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(offer);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

export interface DynamoDbLedgerOptions {
  readonly client: DynamoDBClient;
  /** The ledger table (`LEDGER_TABLE`): jobs, budgets, usage, price books, rejections. */
  readonly tableName: string;
  /** The append-only job events table (`EVENTS_TABLE`); only ever written with PutItem. */
  readonly eventsTableName: string;
  readonly clock: Clock;
}

/**
 * The ledger on two DynamoDB tables (layout: table-definition.ts, docs/adr/0001 and 0005). Every
 * state change is a conditional write on the job's version; the job write and its event (a Put on
 * the events table with `attribute_not_exists`, never an update) commit in one
 * TransactWriteItems, with the budget reservation when there is one. Storage failures become
 * domain errors; anything unexpected is rethrown with the operation as context and the SDK error
 * as `cause`.
 */
export class DynamoDbLedger implements Ledger {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #eventsTable: string;
  readonly #clock: Clock;

  constructor(options: DynamoDbLedgerOptions) {
    if (options.tableName.length === 0) throw new TypeError('DynamoDbLedger: tableName must not be empty');
    // Checked at run time too: callers in plain JavaScript (or `as` casts) can still leave it out.
    if (typeof options.eventsTableName !== 'string' || options.eventsTableName.length === 0)
      throw new TypeError('DynamoDbLedger: eventsTableName must not be empty');
    if (options.eventsTableName === options.tableName)
      throw new TypeError(
        `DynamoDbLedger: eventsTableName must name the events table, not the ledger table ${JSON.stringify(options.tableName)}`,
      );
    this.#client = options.client;
    this.#table = options.tableName;
    this.#eventsTable = options.eventsTableName;
    this.#clock = options.clock;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  async #guard<T>(operation: string, id: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof QuartermasterError || err instanceof TypeError || err instanceof RangeError)
        throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(
        `DynamoDbLedger.${operation}(${id}) on tables ${this.#table}, ${this.#eventsTable}: ${message}`,
        {
          cause: err,
        },
      );
    }
  }

  async #get(key: { readonly pk: string; readonly sk: string }): Promise<Item | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyItem(key), ConsistentRead: true }),
    );
    return out.Item;
  }

  async #transact(items: readonly TransactWriteItem[]): Promise<void> {
    await this.#client.send(new TransactWriteItemsCommand({ TransactItems: [...items] }));
  }

  /** Retries a read-decide-write step when a concurrent transaction touched the same items. */
  async #retryConflicts<T>(step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (!isConflictOnly(err) || attempt >= CONFLICT_ATTEMPTS) throw err;
        await sleep(10 * 2 ** attempt * Math.random());
      }
    }
  }

  async #query(
    input: Omit<QueryCommandInput, 'TableName'>,
    table: string = this.#table,
  ): Promise<{ items: Item[]; last?: Item }> {
    const out = await this.#client.send(new QueryCommand({ ...input, TableName: table }));
    return out.LastEvaluatedKey === undefined
      ? { items: out.Items ?? [] }
      : { items: out.Items ?? [], last: out.LastEvaluatedKey };
  }

  async #queryAll(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    table: string = this.#table,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#query(
        start === undefined ? input : { ...input, ExclusiveStartKey: start },
        table,
      );
      items.push(...page.items);
      start = page.last;
    } while (start !== undefined);
    return items;
  }

  /**
   * One page of an index query. Asks for one item more than the page so the cursor is only
   * returned when something really follows.
   */
  async #queryPage(
    index: string,
    keyNames: readonly [string, string],
    pk: string,
    prefix: string | undefined,
    page: PageRequest | undefined,
  ): Promise<{ items: Item[]; cursor?: string }> {
    const limit = pageLimit(page);
    const [pkName, skName] = keyNames;
    const start = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const out = await this.#query({
      IndexName: index,
      KeyConditionExpression: prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: prefix === undefined ? { '#pk': pkName } : { '#pk': pkName, '#sk': skName },
      ExpressionAttributeValues:
        prefix === undefined ? { ':pk': S(pk) } : { ':pk': S(pk), ':prefix': S(prefix) },
      Limit: limit + 1,
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    });
    if (out.items.length > limit) {
      const items = out.items.slice(0, limit);
      const last = items.at(-1) as Item;
      const key: Item = {};
      for (const name of [A.pk, A.sk, pkName, skName]) {
        const value = last[name];
        if (value !== undefined) key[name] = value;
      }
      return { items, cursor: encodeCursor(key) };
    }
    return out.last === undefined
      ? { items: out.items }
      : { items: out.items, cursor: encodeCursor(out.last) };
  }

  // ------------------------------------------------------------------------------------------
  // Jobs

  async putJobIfAbsent(input: NewJob): Promise<PutJobResult> {
    const jobId = input.request.jobId;
    return this.#guard('putJobIfAbsent', jobId, async () => {
      const { job, event } = receiveJob(input, this.#now());
      try {
        await this.#transact([
          {
            Put: {
              TableName: this.#table,
              Item: jobItem(job),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: this.#eventPut(event),
          },
        ]);
        return { outcome: 'created', job };
      } catch (err) {
        if (
          !(err instanceof TransactionCanceledException) ||
          cancellationCodes(err)[0] !== 'ConditionalCheckFailed'
        ) {
          throw err;
        }
        const existing = await this.getJob(jobId);
        if (existing === undefined)
          throw new CorruptRecordError('job', jobId, 'exists, then vanished', { cause: err });
        const identical =
          canonicalJson(toJsonValue(existing.request)) === canonicalJson(toJsonValue(input.request));
        return { outcome: 'duplicate', job: existing, identical };
      }
    });
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.#guard('getJob', jobId, async () => {
      const item = await this.#get(K.job(jobId));
      return item === undefined ? undefined : parseJson<JobRecord>(item, 'record', 'job');
    });
  }

  async #requireJob(jobId: string): Promise<JobRecord> {
    const job = await this.getJob(jobId);
    if (job === undefined) throw new NotFoundError('job', jobId);
    return job;
  }

  async #versionConflict(jobId: string, expected: number, cause: unknown): Promise<VersionConflictError> {
    const current = await this.getJob(jobId);
    return new VersionConflictError('job', jobId, expected, current?.version, { cause });
  }

  #jobWrites(before: JobRecord, after: JobRecord, event: JobEvent): TransactWriteItem[] {
    return [
      {
        Put: {
          TableName: this.#table,
          Item: jobItem(after),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': N(before.version) },
        },
      },
      { Put: this.#eventPut(event) },
    ];
  }

  /**
   * The only write this adapter makes on the events table: a Put that fails if the event exists,
   * so a retried append never replaces history (the table's policy denies every other write).
   */
  #eventPut(event: JobEvent) {
    return {
      TableName: this.#eventsTable,
      Item: eventItem(event),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  async listJobsByState(state: JobState, page?: PageRequest): Promise<Page<JobRecord>> {
    return this.#guard('listJobsByState', state, async () => {
      const out = await this.#queryPage(GSI1, [A.gsi1pk, A.gsi1sk], K.jobsByState(state), undefined, page);
      const items = out.items.map((item) => parseJson<JobRecord>(item, 'record', 'job'));
      return out.cursor === undefined ? { items } : { items, cursor: out.cursor };
    });
  }

  async listJobsByTeamAndPeriod(team: string, period: Period, page?: PageRequest): Promise<Page<JobRecord>> {
    if (!isPeriod(period))
      throw new TypeError(`listJobsByTeamAndPeriod: period ${JSON.stringify(period)} is not yyyy-mm`);
    return this.#guard('listJobsByTeamAndPeriod', `${team}/${period}`, async () => {
      const out = await this.#queryPage(
        GSI2,
        [A.gsi2pk, A.gsi2sk],
        K.teamPeriod(team, period),
        K.jobTeamPrefix,
        page,
      );
      const items = out.items.map((item) => parseJson<JobRecord>(item, 'record', 'job'));
      return out.cursor === undefined ? { items } : { items, cursor: out.cursor };
    });
  }

  async transition(input: TransitionInput): Promise<JobRecord> {
    return this.#guard('transition', input.jobId, async () => {
      const before = await this.#requireJob(input.jobId);
      const { job, event } = applyTransition(before, input, this.#now());
      try {
        await this.#transact(this.#jobWrites(before, job, event));
      } catch (err) {
        if (
          err instanceof TransactionCanceledException &&
          cancellationCodes(err).includes('ConditionalCheckFailed')
        ) {
          throw await this.#versionConflict(input.jobId, input.expectedVersion, err);
        }
        throw err;
      }
      return job;
    });
  }

  async allocate(input: AllocateInput): Promise<JobRecord> {
    return this.#guard('allocate', input.jobId, () => this.#retryConflicts(() => this.#allocateOnce(input)));
  }

  async #allocateOnce(input: AllocateInput): Promise<JobRecord> {
    const before = await this.#requireJob(input.jobId);
    const { job, event } = applyAllocation(before, input, this.#now());
    const { team, period, amountUsd, limitUsd } = input.reservation;
    const amount = usdToMicros(amountUsd, 'reservation.amountUsd');
    const limit = usdToMicros(limitUsd, 'reservation.limitUsd');
    if (amount > limit) {
      // The given limit only counts for a budget not stored yet; a stored one may differ.
      const stored = await this.getBudget(team, period);
      if (stored === undefined) throw new BudgetExceededError(team, period, amountUsd, limitUsd);
    }
    const budgetWrite: TransactWriteItem = {
      Update: {
        TableName: this.#table,
        Key: keyItem(K.budget(team, period)),
        UpdateExpression:
          'SET team = :team, period = :period, kind = :kind, ' +
          'limitMicros = if_not_exists(limitMicros, :limit), ' +
          'spentMicros = if_not_exists(spentMicros, :zero), ' +
          'reservedMicros = if_not_exists(reservedMicros, :zero) + :amount, ' +
          'availableMicros = if_not_exists(availableMicros, :limit) - :amount',
        ConditionExpression: 'attribute_not_exists(availableMicros) OR availableMicros >= :amount',
        ExpressionAttributeValues: {
          ':team': S(team),
          ':period': S(period),
          ':kind': S('BUDGET'),
          ':limit': N(limit),
          ':zero': N(0),
          ':amount': N(amount),
        },
      },
    };
    const reservationWrite: TransactWriteItem = {
      Put: {
        TableName: this.#table,
        Item: {
          ...keyItem(K.reservation(team, input.allocationId)),
          kind: S('RESERVATION'),
          team: S(team),
          period: S(period),
          allocationId: S(input.allocationId),
          jobId: S(input.jobId),
          amountMicros: N(amount),
          status: S('RESERVED'),
          reservedAt: S(event.at),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    try {
      await this.#transact([...this.#jobWrites(before, job, event), budgetWrite, reservationWrite]);
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [jobCode, eventCode, budgetCode, reservationCode] = cancellationCodes(err);
      if (jobCode === 'ConditionalCheckFailed' || eventCode === 'ConditionalCheckFailed') {
        throw await this.#versionConflict(input.jobId, input.expectedVersion, err);
      }
      if (budgetCode === 'ConditionalCheckFailed') {
        const budget = await this.getBudget(team, period);
        throw new BudgetExceededError(team, period, amountUsd, budget?.availableUsd, { cause: err });
      }
      if (reservationCode === 'ConditionalCheckFailed') {
        throw new VersionConflictError('budget reservation', `${team}/${input.allocationId}`, 0, undefined, {
          cause: err,
        });
      }
      throw err;
    }
    return job;
  }

  async listEvents(jobId: string): Promise<readonly JobEvent[]> {
    return this.#guard('listEvents', jobId, async () => {
      const items = await this.#queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': S(K.event(jobId, 0).pk), ':prefix': S(K.eventPrefix) },
          ConsistentRead: true,
        },
        this.#eventsTable,
      );
      return items.map(toEvent);
    });
  }

  async recordRejection(input: RejectionInput): Promise<'recorded' | 'duplicate'> {
    return this.#guard('recordRejection', input.messageId, async () => {
      // Bounded so the item fits DynamoDB's 400 KB whatever the message (as the in-memory ledger does).
      const r = boundRejection(input);
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: {
              ...keyItem(K.rejection(input.messageId)),
              kind: S('REJECTED'),
              messageId: S(r.messageId),
              rawBody: S(r.rawBody),
              reason: S(r.reason),
              issues: S(JSON.stringify(r.issues)),
              at: S(r.at),
              issueCount: N(r.issueCount ?? r.issues.length),
              rawBodyBytes: N(r.rawBodyBytes ?? 0),
              rawBodySha256: S(r.rawBodySha256 ?? ''),
              rawBodyTruncated: { BOOL: r.rawBodyTruncated === true },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'recorded';
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return 'duplicate';
        throw err;
      }
    });
  }

  async getRejection(messageId: string): Promise<Rejection | undefined> {
    return this.#guard('getRejection', messageId, async () => {
      const item = await this.#get(K.rejection(messageId));
      if (item === undefined) return undefined;
      return {
        messageId: str(item, 'messageId', 'rejection'),
        rawBody: str(item, 'rawBody', 'rejection'),
        reason: str(item, 'reason', 'rejection'),
        issues: parseJson<FieldIssue[]>(item, 'issues', 'rejection'),
        at: str(item, 'at', 'rejection'),
        ...(item.issueCount === undefined
          ? {}
          : {
              issueCount: num(item, 'issueCount', 'rejection'),
              rawBodyBytes: num(item, 'rawBodyBytes', 'rejection'),
              rawBodySha256: str(item, 'rawBodySha256', 'rejection'),
              rawBodyTruncated: item.rawBodyTruncated?.BOOL === true,
            }),
      };
    });
  }

  // ------------------------------------------------------------------------------------------
  // Budgets

  async putBudget(input: { team: string; period: Period; limitUsd: number }): Promise<BudgetRecord> {
    if (!isPeriod(input.period))
      throw new TypeError(`putBudget: period ${JSON.stringify(input.period)} is not yyyy-mm`);
    const limit = usdToMicros(input.limitUsd, 'limitUsd');
    return this.#guard('putBudget', `${input.team}/${input.period}`, async () => {
      for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
        const key = K.budget(input.team, input.period);
        const old = await this.#get(key);
        try {
          if (old === undefined) {
            const item: Item = {
              ...keyItem(key),
              kind: S('BUDGET'),
              team: S(input.team),
              period: S(input.period),
              limitMicros: N(limit),
              reservedMicros: N(0),
              spentMicros: N(0),
              availableMicros: N(limit),
            };
            await this.#client.send(
              new PutItemCommand({
                TableName: this.#table,
                Item: item,
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
            return toBudget(item);
          }
          const oldLimit = num(old, 'limitMicros', 'budget');
          const out = await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#table,
              Key: keyItem(key),
              UpdateExpression: 'SET limitMicros = :limit, availableMicros = availableMicros + :delta',
              ConditionExpression: 'limitMicros = :old',
              ExpressionAttributeValues: {
                ':limit': N(limit),
                ':delta': N(limit - oldLimit),
                ':old': N(oldLimit),
              },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return toBudget(out.Attributes ?? {});
        } catch (err) {
          // Someone else changed the limit between read and write: read again.
          if (!(err instanceof ConditionalCheckFailedException) || attempt === CONFLICT_ATTEMPTS) throw err;
        }
      }
      throw new Error('unreachable');
    });
  }

  async getBudget(team: string, period: Period): Promise<BudgetRecord | undefined> {
    return this.#guard('getBudget', `${team}/${period}`, async () => {
      const item = await this.#get(K.budget(team, period));
      return item === undefined ? undefined : toBudget(item);
    });
  }

  async getReservation(team: string, allocationId: string): Promise<BudgetReservation | undefined> {
    return this.#guard('getReservation', `${team}/${allocationId}`, async () => {
      const item = await this.#get(K.reservation(team, allocationId));
      return item === undefined ? undefined : toReservation(item);
    });
  }

  async #close(
    team: string,
    allocationId: string,
    actual: number,
    at: string,
    status: 'SETTLED' | 'RELEASED',
  ): Promise<CloseReservationResult> {
    const id = `${team}/${allocationId}`;
    const before = await this.getReservation(team, allocationId);
    if (before === undefined) throw new NotFoundError('budget reservation', id);
    if (before.status !== 'RESERVED') return { outcome: 'already-closed', reservation: before };
    const amount = usdToMicros(before.amountUsd);
    try {
      await this.#transact([
        {
          Update: {
            TableName: this.#table,
            Key: keyItem(K.reservation(team, allocationId)),
            UpdateExpression: 'SET #status = :status, actualMicros = :actual, closedAt = :at',
            ConditionExpression: '#status = :reserved',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': S(status),
              ':actual': N(actual),
              ':at': S(at),
              ':reserved': S('RESERVED'),
            },
          },
        },
        {
          Update: {
            TableName: this.#table,
            Key: keyItem(K.budget(team, before.period)),
            UpdateExpression:
              'SET reservedMicros = reservedMicros - :amount, spentMicros = spentMicros + :actual, ' +
              'availableMicros = availableMicros + :delta',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: {
              ':amount': N(amount),
              ':actual': N(actual),
              ':delta': N(amount - actual),
            },
          },
        },
      ]);
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [reservationCode, budgetCode] = cancellationCodes(err);
      if (reservationCode === 'ConditionalCheckFailed') {
        const now = await this.getReservation(team, allocationId);
        if (now !== undefined) return { outcome: 'already-closed', reservation: now };
      }
      if (budgetCode === 'ConditionalCheckFailed') {
        throw new NotFoundError('budget', `${team}/${before.period}`, { cause: err });
      }
      throw err;
    }
    const reservation: BudgetReservation = {
      ...before,
      status,
      actualUsd: microsToUsd(actual),
      closedAt: at,
    };
    return { outcome: status === 'SETTLED' ? 'settled' : 'released', reservation };
  }

  async settleBudget(input: SettleInput): Promise<CloseReservationResult> {
    const actual = usdToMicros(input.actualUsd, 'actualUsd');
    return this.#guard('settleBudget', `${input.team}/${input.allocationId}`, () =>
      this.#retryConflicts(() => this.#close(input.team, input.allocationId, actual, input.at, 'SETTLED')),
    );
  }

  async releaseBudget(input: ReleaseInput): Promise<CloseReservationResult> {
    return this.#guard('releaseBudget', `${input.team}/${input.allocationId}`, () =>
      this.#retryConflicts(() => this.#close(input.team, input.allocationId, 0, input.at, 'RELEASED')),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Usage

  async startUsage(start: UsageStart) {
    usdToMicros(start.unitPriceUsdPerHour, 'unitPriceUsdPerHour');
    return this.#guard('startUsage', start.instanceId, async () => {
      const usage: UsageRecord = {
        ...start,
        period: periodOf(start.startedAt),
        stoppedAt: null,
        costUsd: null,
      };
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: usageItem(usage),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { outcome: 'started', usage } as const;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const existing = await this.getUsage(start.instanceId);
        if (existing === undefined)
          throw new CorruptRecordError('usage', start.instanceId, 'exists, then vanished');
        return { outcome: 'already-started', usage: existing } as const;
      }
    });
  }

  async stopUsage(stop: UsageStop) {
    return this.#guard('stopUsage', stop.instanceId, async () => {
      const usage = await this.getUsage(stop.instanceId);
      if (usage === undefined) throw new NotFoundError('usage interval of instance', stop.instanceId);
      if (usage.stoppedAt !== null) return { outcome: 'already-stopped', usage } as const;
      checkUsageStop(usage, stop);
      const stopped: UsageRecord = { ...usage, stoppedAt: stop.stoppedAt, costUsd: stop.costUsd };
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: usageItem(stopped),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(stoppedAt)',
          }),
        );
        return { outcome: 'stopped', usage: stopped } as const;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const now = await this.getUsage(stop.instanceId);
        if (now === undefined)
          throw new NotFoundError('usage interval of instance', stop.instanceId, { cause: err });
        return { outcome: 'already-stopped', usage: now } as const;
      }
    });
  }

  async getUsage(instanceId: string): Promise<UsageRecord | undefined> {
    return this.#guard('getUsage', instanceId, async () => {
      const item = await this.#get(K.usage(instanceId));
      return item === undefined ? undefined : parseJson<UsageRecord>(item, 'record', 'usage');
    });
  }

  async listUsageByJob(jobId: string): Promise<readonly UsageRecord[]> {
    return this.#guard('listUsageByJob', jobId, async () => {
      const items = await this.#queryAll({
        IndexName: GSI1,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': A.gsi1pk },
        ExpressionAttributeValues: { ':pk': S(K.usageByJob(jobId)) },
      });
      return items.map((item) => parseJson<UsageRecord>(item, 'record', 'usage'));
    });
  }

  async listUsageByTeamAndPeriod(
    team: string,
    period: Period,
    page?: PageRequest,
  ): Promise<Page<UsageRecord>> {
    if (!isPeriod(period))
      throw new TypeError(`listUsageByTeamAndPeriod: period ${JSON.stringify(period)} is not yyyy-mm`);
    return this.#guard('listUsageByTeamAndPeriod', `${team}/${period}`, async () => {
      const out = await this.#queryPage(
        GSI2,
        [A.gsi2pk, A.gsi2sk],
        K.teamPeriod(team, period),
        K.usageTeamPrefix,
        page,
      );
      const items = out.items.map((item) => parseJson<UsageRecord>(item, 'record', 'usage'));
      return out.cursor === undefined ? { items } : { items, cursor: out.cursor };
    });
  }

  // ------------------------------------------------------------------------------------------
  // Price books and offer availability

  async putPriceBook(book: PriceBook): Promise<'stored' | 'duplicate'> {
    checkPriceBook(book);
    return this.#guard('putPriceBook', book.id, async () => {
      const existing = await this.#get(K.priceBookMeta(book.id));
      if (existing !== undefined) {
        // Re-point the index in case a previous attempt stopped between the two writes.
        await this.#putIndex(str(existing, 'storedAt', 'price book'), book.id);
        return 'duplicate';
      }
      const chunks = chunkOffers(book.offers);
      // Chunks first, metadata next, index last: a reader never finds a book with missing offers.
      await Promise.all(
        chunks.map((offers, index) =>
          this.#client.send(
            new PutItemCommand({
              TableName: this.#table,
              Item: {
                ...keyItem(K.priceBookChunk(book.id, index)),
                kind: S('PRICEBOOK_CHUNK'),
                offers: S(JSON.stringify(offers)),
              },
            }),
          ),
        ),
      );
      const storedAt = this.#now();
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: {
              ...keyItem(K.priceBookMeta(book.id)),
              kind: S('PRICEBOOK'),
              id: S(book.id),
              source: S(book.source),
              asOf: S(book.asOf),
              storedAt: S(storedAt),
              chunkCount: N(chunks.length),
              offerCount: N(book.offers.length),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return 'duplicate';
        throw err;
      }
      await this.#putIndex(storedAt, book.id);
      return 'stored';
    });
  }

  async #putIndex(storedAt: string, bookId: string): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...keyItem(K.priceBookIndex(storedAt, bookId)),
          kind: S('PRICEBOOK_INDEX'),
          bookId: S(bookId),
        },
      }),
    );
  }

  async getPriceBook(id: string): Promise<PriceBook | undefined> {
    return this.#guard('getPriceBook', id, async () => {
      const meta = await this.#get(K.priceBookMeta(id));
      if (meta === undefined) return undefined;
      const chunks = await this.#queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': S(K.priceBookMeta(id).pk), ':prefix': S(K.priceBookChunkPrefix) },
        ConsistentRead: true,
      });
      const offers = chunks.flatMap((chunk) => parseJson<Offer[]>(chunk, 'offers', 'price book chunk'));
      const expectedChunks = num(meta, 'chunkCount', 'price book');
      const expectedOffers = num(meta, 'offerCount', 'price book');
      if (chunks.length !== expectedChunks || offers.length !== expectedOffers) {
        throw new CorruptRecordError(
          'price book',
          id,
          `found ${chunks.length}/${expectedChunks} chunks and ${offers.length}/${expectedOffers} offers`,
        );
      }
      return {
        id: str(meta, 'id', 'price book'),
        source: str(meta, 'source', 'price book') as PriceBook['source'],
        asOf: str(meta, 'asOf', 'price book'),
        offers,
      };
    });
  }

  async getLatestPriceBook(): Promise<PriceBook | undefined> {
    return this.#guard('getLatestPriceBook', 'latest', async () => {
      const out = await this.#query({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(K.priceBookIndexPk) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      });
      const latest = out.items[0];
      return latest === undefined ? undefined : this.getPriceBook(str(latest, 'bookId', 'price book index'));
    });
  }

  async markOfferUnavailable(entry: UnavailableOffer): Promise<void> {
    const until = Date.parse(entry.until);
    if (Number.isNaN(until))
      throw new TypeError(`markOfferUnavailable: until ${JSON.stringify(entry.until)} is not an ISO instant`);
    await this.#guard('markOfferUnavailable', entry.offerId, async () => {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...keyItem(K.unavailableOffer(entry.offerId)),
            kind: S('UNAVAILABLE_OFFER'),
            offerId: S(entry.offerId),
            until: S(entry.until),
            reason: S(entry.reason),
            // TTL removes the entry eventually; readers still filter on `until` (TTL is lazy).
            [A.expiresAt]: N(Math.ceil(until / 1000)),
          },
        }),
      );
    });
  }

  async listUnavailableOffers(at: string): Promise<readonly UnavailableOffer[]> {
    const now = Date.parse(at);
    return this.#guard('listUnavailableOffers', at, async () => {
      const items = await this.#queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(K.unavailablePk) },
        ConsistentRead: true,
      });
      return items
        .map((item) => ({
          offerId: str(item, 'offerId', 'unavailable offer'),
          until: str(item, 'until', 'unavailable offer'),
          reason: str(item, 'reason', 'unavailable offer'),
        }))
        .filter((entry) => Date.parse(entry.until) > now);
    });
  }
}

/**
 * Creates a table from its definition (tests, local use), with its stream and TTL when the
 * definition has them. Resolves once the table is ACTIVE.
 */
export const createTable = async (
  client: DynamoDBClient,
  def: TableDefinition,
  name: string,
): Promise<string> => {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: def.billingMode,
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        { AttributeName: def.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Object.entries(def.attributes).map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      // DynamoDB rejects an empty index list: leave the field out when there are none.
      ...(def.globalIndexes.length === 0
        ? {}
        : {
            GlobalSecondaryIndexes: def.globalIndexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
                { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
              ],
              Projection: { ProjectionType: index.projection },
            })),
          }),
      ...(def.streamView === undefined
        ? {}
        : { StreamSpecification: { StreamEnabled: true, StreamViewType: def.streamView } }),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  if (def.ttlAttribute !== undefined) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
      }),
    );
  }
  return name;
};
