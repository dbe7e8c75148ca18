import { TransactionCanceledException, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { NotFoundError, VersionConflictError } from '../core/errors.js';
import {
  appendBudgetEvent,
  BUDGET_RELEASED,
  BUDGET_SET,
  BUDGET_SETTLED,
  type BudgetChange,
  type BudgetHead,
} from '../core/ledger/budget-chain.js';
import type { ChainedEvent } from '../core/ledger/event-chain.js';
import {
  type BudgetRecord,
  type BudgetReservation,
  type CloseReservationResult,
  isPeriod,
  type JobEvent,
  microsToUsd,
  type Period,
  type ReleaseInput,
  type SettleInput,
  usdToMicros,
} from '../core/ports.js';
import {
  eventItem,
  type Item,
  keyItem,
  N,
  num,
  optionalNum,
  optionalStr,
  S,
  toBudget,
  toEvent,
  toReservation,
} from './dynamodb-item-codec.js';
import { cancellationCodes, type DynamoTable, HEAD_ATTEMPTS, headRetryPause } from './dynamodb-table.js';
import { ledgerKeys as K } from './table-definition.js';

/** A budget as read, in µ$, with the head of its chain (absent on budgets older than chains). */
export interface StoredBudget {
  readonly limit: number;
  readonly reserved: number;
  readonly spent: number;
  readonly head: BudgetHead | undefined;
}

/** New balances in µ$. */
export interface BudgetBalancesMicros {
  readonly limit: number;
  readonly reserved: number;
  readonly spent: number;
}

const storedOf = (item: Item): StoredBudget => {
  const eventCount = optionalNum(item, 'eventCount');
  const headHash = optionalStr(item, 'headHash');
  return {
    limit: num(item, 'limitMicros', 'budget'),
    reserved: num(item, 'reservedMicros', 'budget'),
    spent: num(item, 'spentMicros', 'budget'),
    head: eventCount === null || headHash === null ? undefined : { eventCount, headHash },
  };
};

const isHeadMoved = (codes: readonly (string | undefined)[], indexes: readonly number[]): boolean =>
  indexes.some((i) => codes[i] === 'ConditionalCheckFailed' || codes[i] === 'TransactionConflict');

/**
 * Team budgets per period and the reservations allocations hold against them. Every change
 * writes the whole budget item conditional on the head (and balances) it was computed from, and
 * appends the change to the budget's chain in the same transaction (ADR 0010); a writer that
 * lost the race reads again.
 */
export class DynamoDbBudgets {
  readonly #t: DynamoTable;

  constructor(table: DynamoTable) {
    this.#t = table;
  }

  /** The budget item as stored, or `undefined`. */
  async readBudget(team: string, period: Period): Promise<StoredBudget | undefined> {
    const item = await this.#t.get(K.budget(team, period));
    return item === undefined ? undefined : storedOf(item);
  }

  /**
   * The two writes of a budget change: the item at its new balances, conditional on what was
   * read, and the chain's next event. Callers put them into their transaction in this order.
   */
  budgetWrites(
    team: string,
    period: Period,
    before: StoredBudget | undefined,
    next: BudgetBalancesMicros,
    change: BudgetChange,
    at: string,
  ): { readonly writes: readonly [TransactWriteItem, TransactWriteItem]; readonly event: ChainedEvent } {
    const event = appendBudgetEvent(before?.head, team, period, at, change, {
      limitUsd: microsToUsd(next.limit),
      reservedUsd: microsToUsd(next.reserved),
      spentUsd: microsToUsd(next.spent),
    });
    const item: Item = {
      ...keyItem(K.budget(team, period)),
      kind: S('BUDGET'),
      team: S(team),
      period: S(period),
      limitMicros: N(next.limit),
      reservedMicros: N(next.reserved),
      spentMicros: N(next.spent),
      availableMicros: N(next.limit - next.reserved - next.spent),
      eventCount: N(event.seq),
      headHash: S(event.hash),
    };
    const condition =
      before === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            // The balances too: a writer from before budget chains changes them without a head.
            ConditionExpression:
              `${before.head === undefined ? 'attribute_not_exists(eventCount)' : 'eventCount = :count'}` +
              ' AND limitMicros = :limit AND reservedMicros = :reserved AND spentMicros = :spent',
            ExpressionAttributeValues: {
              ...(before.head === undefined ? {} : { ':count': N(before.head.eventCount) }),
              ':limit': N(before.limit),
              ':reserved': N(before.reserved),
              ':spent': N(before.spent),
            },
          };
    return {
      writes: [
        { Put: { TableName: this.#t.table, Item: item, ...condition } },
        {
          Put: {
            TableName: this.#t.eventsTable,
            Item: eventItem(event, K.budgetEvent(team, period, event.seq)),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      event,
    };
  }

  async putBudget(input: { team: string; period: Period; limitUsd: number }): Promise<BudgetRecord> {
    if (!isPeriod(input.period))
      throw new TypeError(`putBudget: period ${JSON.stringify(input.period)} is not yyyy-mm`);
    const limit = usdToMicros(input.limitUsd, 'limitUsd');
    const { team, period } = input;
    return this.#t.guard('putBudget', `${team}/${period}`, async () => {
      for (let attempt = 1; attempt <= HEAD_ATTEMPTS; attempt++) {
        const before = await this.readBudget(team, period);
        const next = { limit, reserved: before?.reserved ?? 0, spent: before?.spent ?? 0 };
        const { writes, event } = this.budgetWrites(
          team,
          period,
          before,
          next,
          {
            type: BUDGET_SET,
            limitUsd: input.limitUsd,
            previousLimitUsd: before === undefined ? null : microsToUsd(before.limit),
          },
          this.#t.now(),
        );
        try {
          await this.#t.transact(writes);
        } catch (err) {
          // Someone else changed the budget between read and write: read again.
          if (!(err instanceof TransactionCanceledException) || !isHeadMoved(cancellationCodes(err), [0, 1]))
            throw err;
          await headRetryPause(attempt);
          continue;
        }
        return recordOf(team, period, next, event);
      }
      throw new VersionConflictError('budget', `${team}/${period}`, -1, undefined);
    });
  }

  async getBudget(team: string, period: Period): Promise<BudgetRecord | undefined> {
    return this.#t.guard('getBudget', `${team}/${period}`, async () => {
      const item = await this.#t.get(K.budget(team, period));
      return item === undefined ? undefined : toBudget(item);
    });
  }

  async listBudgetEvents(team: string, period: Period): Promise<readonly JobEvent[]> {
    return this.#t.guard('listBudgetEvents', `${team}/${period}`, async () => {
      const items = await this.#t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': S(K.budgetEvent(team, period, 0).pk),
            ':prefix': S(K.eventPrefix),
          },
          ConsistentRead: true,
        },
        this.#t.eventsTable,
      );
      return items.map(toEvent);
    });
  }

  async getReservation(team: string, allocationId: string): Promise<BudgetReservation | undefined> {
    return this.#t.guard('getReservation', `${team}/${allocationId}`, async () => {
      const item = await this.#t.get(K.reservation(team, allocationId));
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
    for (let attempt = 1; attempt <= HEAD_ATTEMPTS; attempt++) {
      const before = await this.getReservation(team, allocationId);
      if (before === undefined) throw new NotFoundError('budget reservation', id);
      if (before.status !== 'RESERVED') return { outcome: 'already-closed', reservation: before };
      const budget = await this.readBudget(team, before.period);
      if (budget === undefined) throw new NotFoundError('budget', `${team}/${before.period}`);
      const amount = usdToMicros(before.amountUsd);
      const held = { jobId: before.jobId, allocationId, reservedUsd: before.amountUsd };
      const { writes } = this.budgetWrites(
        team,
        before.period,
        budget,
        { limit: budget.limit, reserved: budget.reserved - amount, spent: budget.spent + actual },
        status === 'SETTLED'
          ? { type: BUDGET_SETTLED, ...held, actualUsd: microsToUsd(actual) }
          : { type: BUDGET_RELEASED, ...held },
        at,
      );
      try {
        await this.#t.transact([
          {
            Update: {
              TableName: this.#t.table,
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
          ...writes,
        ]);
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const codes = cancellationCodes(err);
        // Closed by someone else meanwhile, or the budget moved on: the next round sees which.
        if (!isHeadMoved(codes, [0, 1, 2])) throw err;
        await headRetryPause(attempt);
        continue;
      }
      const reservation: BudgetReservation = {
        ...before,
        status,
        actualUsd: microsToUsd(actual),
        closedAt: at,
      };
      return { outcome: status === 'SETTLED' ? 'settled' : 'released', reservation };
    }
    throw new VersionConflictError('budget reservation', id, -1, undefined);
  }

  async settleBudget(input: SettleInput): Promise<CloseReservationResult> {
    const actual = usdToMicros(input.actualUsd, 'actualUsd');
    return this.#t.guard('settleBudget', `${input.team}/${input.allocationId}`, () =>
      this.#close(input.team, input.allocationId, actual, input.at, 'SETTLED'),
    );
  }

  async releaseBudget(input: ReleaseInput): Promise<CloseReservationResult> {
    return this.#t.guard('releaseBudget', `${input.team}/${input.allocationId}`, () =>
      this.#close(input.team, input.allocationId, 0, input.at, 'RELEASED'),
    );
  }
}

/** The record a write leaves, without reading it back. */
const recordOf = (
  team: string,
  period: Period,
  next: BudgetBalancesMicros,
  event: ChainedEvent,
): BudgetRecord => ({
  team,
  period,
  limitUsd: microsToUsd(next.limit),
  reservedUsd: microsToUsd(next.reserved),
  spentUsd: microsToUsd(next.spent),
  availableUsd: microsToUsd(next.limit - next.reserved - next.spent),
  eventCount: event.seq,
  headHash: event.hash,
});
