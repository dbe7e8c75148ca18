import {
  ConditionalCheckFailedException,
  PutItemCommand,
  TransactionCanceledException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { NotFoundError } from '../core/errors.js';
import {
  type BudgetRecord,
  type BudgetReservation,
  type CloseReservationResult,
  isPeriod,
  microsToUsd,
  type Period,
  type ReleaseInput,
  type SettleInput,
  usdToMicros,
} from '../core/ports.js';
import { type Item, keyItem, N, num, S, toBudget, toReservation } from './dynamodb-item-codec.js';
import { CONFLICT_ATTEMPTS, cancellationCodes, type DynamoTable } from './dynamodb-table.js';
import { ledgerKeys as K } from './table-definition.js';

/** Team budgets per period and the reservations allocations hold against them. */
export class DynamoDbBudgets {
  readonly #t: DynamoTable;

  constructor(table: DynamoTable) {
    this.#t = table;
  }

  async putBudget(input: { team: string; period: Period; limitUsd: number }): Promise<BudgetRecord> {
    if (!isPeriod(input.period))
      throw new TypeError(`putBudget: period ${JSON.stringify(input.period)} is not yyyy-mm`);
    const limit = usdToMicros(input.limitUsd, 'limitUsd');
    return this.#t.guard('putBudget', `${input.team}/${input.period}`, async () => {
      for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
        const key = K.budget(input.team, input.period);
        const old = await this.#t.get(key);
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
            await this.#t.client.send(
              new PutItemCommand({
                TableName: this.#t.table,
                Item: item,
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
            return toBudget(item);
          }
          const oldLimit = num(old, 'limitMicros', 'budget');
          const out = await this.#t.client.send(
            new UpdateItemCommand({
              TableName: this.#t.table,
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
    return this.#t.guard('getBudget', `${team}/${period}`, async () => {
      const item = await this.#t.get(K.budget(team, period));
      return item === undefined ? undefined : toBudget(item);
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
    const before = await this.getReservation(team, allocationId);
    if (before === undefined) throw new NotFoundError('budget reservation', id);
    if (before.status !== 'RESERVED') return { outcome: 'already-closed', reservation: before };
    const amount = usdToMicros(before.amountUsd);
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
        {
          Update: {
            TableName: this.#t.table,
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
    return this.#t.guard('settleBudget', `${input.team}/${input.allocationId}`, () =>
      this.#t.retryConflicts(() => this.#close(input.team, input.allocationId, actual, input.at, 'SETTLED')),
    );
  }

  async releaseBudget(input: ReleaseInput): Promise<CloseReservationResult> {
    return this.#t.guard('releaseBudget', `${input.team}/${input.allocationId}`, () =>
      this.#t.retryConflicts(() => this.#close(input.team, input.allocationId, 0, input.at, 'RELEASED')),
    );
  }
}
