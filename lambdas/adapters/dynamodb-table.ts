import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { QuartermasterError } from '../core/errors.js';
import type { Clock, PageRequest } from '../core/ports.js';
import { decodeCursor, encodeCursor, type Item, keyItem, S } from './dynamodb-item-codec.js';
import { pageLimit } from './in-memory-ledger.js';
import { LEDGER_ATTRIBUTES as A } from './table-definition.js';

/** Attempts when DynamoDB cancels a transaction because another one touched the same item. */
export const CONFLICT_ATTEMPTS = 6;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Attempts of a write that appends to a chain (a job's usage events, a budget's events) when the
 * chain's head moved between read and write. More than `CONFLICT_ATTEMPTS`: every concurrent
 * writer of one budget but the winner goes round again, and each round has one winner.
 */
export const HEAD_ATTEMPTS = 30;

/** A short, jittered, capped pause before reading a moved head again. */
export const headRetryPause = (attempt: number): Promise<void> =>
  sleep(Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * Math.random());

/** The cancellation code of each item of a cancelled transaction, in request order. */
export const cancellationCodes = (err: TransactionCanceledException): readonly (string | undefined)[] =>
  (err.CancellationReasons ?? []).map((reason) => (reason.Code === 'None' ? undefined : reason.Code));

const isConflictOnly = (err: unknown): boolean =>
  err instanceof TransactionCanceledException &&
  cancellationCodes(err).some((code) => code === 'TransactionConflict') &&
  !cancellationCodes(err).some((code) => code === 'ConditionalCheckFailed');

/**
 * One DynamoDB ledger's tables and the calls every part makes on them: reads, transactions, the
 * conflict retry, paged queries and the error guard that names the operation.
 */
export class DynamoTable {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly eventsTable: string;
  readonly clock: Clock;

  /** Checked by `DynamoDbLedger`, which is the only caller. */
  constructor(options: {
    readonly client: DynamoDBClient;
    readonly table: string;
    readonly eventsTable: string;
    readonly clock: Clock;
  }) {
    this.client = options.client;
    this.table = options.table;
    this.eventsTable = options.eventsTable;
    this.clock = options.clock;
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  async guard<T>(operation: string, id: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof QuartermasterError || err instanceof TypeError || err instanceof RangeError)
        throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(
        `DynamoDbLedger.${operation}(${id}) on tables ${this.table}, ${this.eventsTable}: ${message}`,
        {
          cause: err,
        },
      );
    }
  }

  async get(key: { readonly pk: string; readonly sk: string }): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: keyItem(key), ConsistentRead: true }),
    );
    return out.Item;
  }

  async transact(items: readonly TransactWriteItem[]): Promise<void> {
    await this.client.send(new TransactWriteItemsCommand({ TransactItems: [...items] }));
  }

  /** Retries a read-decide-write step when a concurrent transaction touched the same items. */
  async retryConflicts<T>(step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (!isConflictOnly(err) || attempt >= CONFLICT_ATTEMPTS) throw err;
        await sleep(10 * 2 ** attempt * Math.random());
      }
    }
  }

  async query(
    input: Omit<QueryCommandInput, 'TableName'>,
    table: string = this.table,
  ): Promise<{ items: Item[]; last?: Item }> {
    const out = await this.client.send(new QueryCommand({ ...input, TableName: table }));
    return out.LastEvaluatedKey === undefined
      ? { items: out.Items ?? [] }
      : { items: out.Items ?? [], last: out.LastEvaluatedKey };
  }

  async queryAll(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    table: string = this.table,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.query(
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
  async queryPage(
    index: string,
    keyNames: readonly [string, string],
    pk: string,
    prefix: string | undefined,
    page: PageRequest | undefined,
  ): Promise<{ items: Item[]; cursor?: string }> {
    const limit = pageLimit(page);
    const [pkName, skName] = keyNames;
    const start = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const out = await this.query({
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
}
