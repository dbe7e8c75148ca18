import { TransactionCanceledException, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  BudgetExceededError,
  CorruptRecordError,
  NotFoundError,
  VersionConflictError,
} from '../core/errors.js';
import type { JobState } from '../core/jobs/job-state.js';
import { BUDGET_RESERVED } from '../core/ledger/budget-chain.js';
import { canonicalJson, toJsonValue } from '../core/ledger/event-chain.js';
import { applyAllocation, applyTransition, receiveJob } from '../core/ledger/job-change.js';
import {
  type AllocateInput,
  isPeriod,
  type JobEvent,
  type JobRecord,
  microsToUsd,
  type NewJob,
  type Page,
  type PageRequest,
  type Period,
  type PutJobResult,
  type TransitionInput,
  usdToMicros,
} from '../core/ports.js';
import type { DynamoDbBudgets } from './dynamodb-budgets.js';
import { eventItem, jobItem, keyItem, N, parseJson, S, toEvent } from './dynamodb-item-codec.js';
import { cancellationCodes, type DynamoTable, HEAD_ATTEMPTS, headRetryPause } from './dynamodb-table.js';
import { LEDGER_ATTRIBUTES as A, GSI1, GSI2, ledgerKeys as K } from './table-definition.js';

/** Job records and their events: intake, transitions and allocations, each one transaction with its event. */
export class DynamoDbJobs {
  readonly #t: DynamoTable;
  /** An allocation reserves budget in the same transaction, so it reads the budget first. */
  readonly #budgets: Pick<DynamoDbBudgets, 'readBudget' | 'budgetWrites'>;

  constructor(table: DynamoTable, budgets: Pick<DynamoDbBudgets, 'readBudget' | 'budgetWrites'>) {
    this.#t = table;
    this.#budgets = budgets;
  }

  async putJobIfAbsent(input: NewJob): Promise<PutJobResult> {
    const jobId = input.request.jobId;
    return this.#t.guard('putJobIfAbsent', jobId, async () => {
      const { job, event } = receiveJob(input, this.#t.now());
      try {
        await this.#t.transact([
          {
            Put: {
              TableName: this.#t.table,
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
    return this.#t.guard('getJob', jobId, async () => {
      const item = await this.#t.get(K.job(jobId));
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
          TableName: this.#t.table,
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
      TableName: this.#t.eventsTable,
      Item: eventItem(event),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  async listJobsByState(state: JobState, page?: PageRequest): Promise<Page<JobRecord>> {
    return this.#t.guard('listJobsByState', state, async () => {
      const out = await this.#t.queryPage(GSI1, [A.gsi1pk, A.gsi1sk], K.jobsByState(state), undefined, page);
      const items = out.items.map((item) => parseJson<JobRecord>(item, 'record', 'job'));
      return out.cursor === undefined ? { items } : { items, cursor: out.cursor };
    });
  }

  async listJobsByTeamAndPeriod(team: string, period: Period, page?: PageRequest): Promise<Page<JobRecord>> {
    if (!isPeriod(period))
      throw new TypeError(`listJobsByTeamAndPeriod: period ${JSON.stringify(period)} is not yyyy-mm`);
    return this.#t.guard('listJobsByTeamAndPeriod', `${team}/${period}`, async () => {
      const out = await this.#t.queryPage(
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
    return this.#t.guard('transition', input.jobId, async () => {
      const before = await this.#requireJob(input.jobId);
      const { job, event } = applyTransition(before, input, this.#t.now());
      try {
        await this.#t.transact(this.#jobWrites(before, job, event));
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
    return this.#t.guard('allocate', input.jobId, async () => {
      for (let attempt = 1; attempt <= HEAD_ATTEMPTS; attempt++) {
        const job = await this.#t.retryConflicts(() => this.#allocateOnce(input));
        if (job !== 'budget-moved') return job;
        await headRetryPause(attempt);
      }
      throw new VersionConflictError(
        'budget',
        `${input.reservation.team}/${input.reservation.period}`,
        -1,
        undefined,
      );
    });
  }

  /**
   * One try: the job, its event, the budget at its new balances with the budget chain's next
   * event, and the reservation, in one transaction. `budget-moved` when another change of the
   * budget came between read and write (the caller reads again).
   */
  async #allocateOnce(input: AllocateInput): Promise<JobRecord | 'budget-moved'> {
    const before = await this.#requireJob(input.jobId);
    const { job, event } = applyAllocation(before, input, this.#t.now());
    const { team, period, amountUsd, limitUsd } = input.reservation;
    const amount = usdToMicros(amountUsd, 'reservation.amountUsd');
    // The given limit only counts for a budget not stored yet; a stored one may differ.
    const budget = await this.#budgets.readBudget(team, period);
    const limit = budget?.limit ?? usdToMicros(limitUsd, 'reservation.limitUsd');
    const reserved = budget?.reserved ?? 0;
    const spent = budget?.spent ?? 0;
    if (amount > limit - reserved - spent)
      throw new BudgetExceededError(team, period, amountUsd, microsToUsd(limit - reserved - spent));
    const budgetChange = this.#budgets.budgetWrites(
      team,
      period,
      budget,
      { limit, reserved: reserved + amount, spent },
      {
        type: BUDGET_RESERVED,
        jobId: input.jobId,
        jobPeriod: before.period,
        allocationId: input.allocationId,
        amountUsd,
      },
      event.at,
    );
    const reservationWrite: TransactWriteItem = {
      Put: {
        TableName: this.#t.table,
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
      await this.#t.transact([
        ...this.#jobWrites(before, job, event),
        ...budgetChange.writes,
        reservationWrite,
      ]);
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [jobCode, eventCode, budgetCode, budgetEventCode, reservationCode] = cancellationCodes(err);
      if (jobCode === 'ConditionalCheckFailed' || eventCode === 'ConditionalCheckFailed') {
        throw await this.#versionConflict(input.jobId, input.expectedVersion, err);
      }
      if (reservationCode === 'ConditionalCheckFailed') {
        throw new VersionConflictError('budget reservation', `${team}/${input.allocationId}`, 0, undefined, {
          cause: err,
        });
      }
      // The budget changed since it was read (another reservation, a settlement): read again.
      if (budgetCode === 'ConditionalCheckFailed' || budgetEventCode === 'ConditionalCheckFailed')
        return 'budget-moved';
      throw err;
    }
    return job;
  }

  async listEvents(jobId: string): Promise<readonly JobEvent[]> {
    return this.#t.guard('listEvents', jobId, async () => {
      const items = await this.#t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': S(K.event(jobId, 0).pk), ':prefix': S(K.eventPrefix) },
          ConsistentRead: true,
        },
        this.#t.eventsTable,
      );
      return items.map(toEvent);
    });
  }
}
