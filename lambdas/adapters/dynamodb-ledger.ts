import {
  CreateTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { ChainHead, ChainHeadSource, ChainInterval, Clock, Ledger } from '../core/ports.js';
import { DynamoDbBudgets } from './dynamodb-budgets.js';
import { scanChainHeads } from './dynamodb-chain-heads.js';
import { DynamoDbJobs } from './dynamodb-jobs.js';
import { DynamoDbLaunchClaims } from './dynamodb-launch-claims.js';
import { DynamoDbPriceBooks } from './dynamodb-price-books.js';
import { DynamoDbRejections } from './dynamodb-rejections.js';
import { DynamoTable } from './dynamodb-table.js';
import { DynamoDbUsage } from './dynamodb-usage.js';
import type { TableDefinition } from './table-definition.js';

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
export class DynamoDbLedger implements Ledger, ChainHeadSource {
  readonly #jobs: DynamoDbJobs;
  readonly #rejections: DynamoDbRejections;
  readonly #launchClaims: DynamoDbLaunchClaims;
  readonly #budgets: DynamoDbBudgets;
  readonly #usage: DynamoDbUsage;
  readonly #priceBooks: DynamoDbPriceBooks;
  readonly #table: DynamoTable;

  constructor(options: DynamoDbLedgerOptions) {
    if (options.tableName.length === 0) throw new TypeError('DynamoDbLedger: tableName must not be empty');
    // Checked at run time too: callers in plain JavaScript (or `as` casts) can still leave it out.
    if (typeof options.eventsTableName !== 'string' || options.eventsTableName.length === 0)
      throw new TypeError('DynamoDbLedger: eventsTableName must not be empty');
    if (options.eventsTableName === options.tableName)
      throw new TypeError(
        `DynamoDbLedger: eventsTableName must name the events table, not the ledger table ${JSON.stringify(options.tableName)}`,
      );
    const table = new DynamoTable({
      client: options.client,
      table: options.tableName,
      eventsTable: options.eventsTableName,
      clock: options.clock,
    });
    this.#table = table;
    this.#budgets = new DynamoDbBudgets(table);
    this.#jobs = new DynamoDbJobs(table, this.#budgets);
    this.#rejections = new DynamoDbRejections(table);
    this.#launchClaims = new DynamoDbLaunchClaims(table);
    this.#usage = new DynamoDbUsage(table, (jobId) => this.#jobs.getJob(jobId));
    this.#priceBooks = new DynamoDbPriceBooks(table);
  }

  putJobIfAbsent(
    ...args: Parameters<DynamoDbJobs['putJobIfAbsent']>
  ): ReturnType<DynamoDbJobs['putJobIfAbsent']> {
    return this.#jobs.putJobIfAbsent(...args);
  }

  getJob(...args: Parameters<DynamoDbJobs['getJob']>): ReturnType<DynamoDbJobs['getJob']> {
    return this.#jobs.getJob(...args);
  }

  listJobsByState(
    ...args: Parameters<DynamoDbJobs['listJobsByState']>
  ): ReturnType<DynamoDbJobs['listJobsByState']> {
    return this.#jobs.listJobsByState(...args);
  }

  listJobsByTeamAndPeriod(
    ...args: Parameters<DynamoDbJobs['listJobsByTeamAndPeriod']>
  ): ReturnType<DynamoDbJobs['listJobsByTeamAndPeriod']> {
    return this.#jobs.listJobsByTeamAndPeriod(...args);
  }

  transition(...args: Parameters<DynamoDbJobs['transition']>): ReturnType<DynamoDbJobs['transition']> {
    return this.#jobs.transition(...args);
  }

  allocate(...args: Parameters<DynamoDbJobs['allocate']>): ReturnType<DynamoDbJobs['allocate']> {
    return this.#jobs.allocate(...args);
  }

  listEvents(...args: Parameters<DynamoDbJobs['listEvents']>): ReturnType<DynamoDbJobs['listEvents']> {
    return this.#jobs.listEvents(...args);
  }

  recordRejection(
    ...args: Parameters<DynamoDbRejections['recordRejection']>
  ): ReturnType<DynamoDbRejections['recordRejection']> {
    return this.#rejections.recordRejection(...args);
  }

  claimLaunch(
    ...args: Parameters<DynamoDbLaunchClaims['claimLaunch']>
  ): ReturnType<DynamoDbLaunchClaims['claimLaunch']> {
    return this.#launchClaims.claimLaunch(...args);
  }

  getRejection(
    ...args: Parameters<DynamoDbRejections['getRejection']>
  ): ReturnType<DynamoDbRejections['getRejection']> {
    return this.#rejections.getRejection(...args);
  }

  putBudget(...args: Parameters<DynamoDbBudgets['putBudget']>): ReturnType<DynamoDbBudgets['putBudget']> {
    return this.#budgets.putBudget(...args);
  }

  getBudget(...args: Parameters<DynamoDbBudgets['getBudget']>): ReturnType<DynamoDbBudgets['getBudget']> {
    return this.#budgets.getBudget(...args);
  }

  getReservation(
    ...args: Parameters<DynamoDbBudgets['getReservation']>
  ): ReturnType<DynamoDbBudgets['getReservation']> {
    return this.#budgets.getReservation(...args);
  }

  settleBudget(
    ...args: Parameters<DynamoDbBudgets['settleBudget']>
  ): ReturnType<DynamoDbBudgets['settleBudget']> {
    return this.#budgets.settleBudget(...args);
  }

  listBudgetEvents(
    ...args: Parameters<DynamoDbBudgets['listBudgetEvents']>
  ): ReturnType<DynamoDbBudgets['listBudgetEvents']> {
    return this.#budgets.listBudgetEvents(...args);
  }

  releaseBudget(
    ...args: Parameters<DynamoDbBudgets['releaseBudget']>
  ): ReturnType<DynamoDbBudgets['releaseBudget']> {
    return this.#budgets.releaseBudget(...args);
  }

  startUsage(...args: Parameters<DynamoDbUsage['startUsage']>): ReturnType<DynamoDbUsage['startUsage']> {
    return this.#usage.startUsage(...args);
  }

  stopUsage(...args: Parameters<DynamoDbUsage['stopUsage']>): ReturnType<DynamoDbUsage['stopUsage']> {
    return this.#usage.stopUsage(...args);
  }

  getUsage(...args: Parameters<DynamoDbUsage['getUsage']>): ReturnType<DynamoDbUsage['getUsage']> {
    return this.#usage.getUsage(...args);
  }

  listUsageByJob(
    ...args: Parameters<DynamoDbUsage['listUsageByJob']>
  ): ReturnType<DynamoDbUsage['listUsageByJob']> {
    return this.#usage.listUsageByJob(...args);
  }

  listUsageByTeamAndPeriod(
    ...args: Parameters<DynamoDbUsage['listUsageByTeamAndPeriod']>
  ): ReturnType<DynamoDbUsage['listUsageByTeamAndPeriod']> {
    return this.#usage.listUsageByTeamAndPeriod(...args);
  }

  putPriceBook(
    ...args: Parameters<DynamoDbPriceBooks['putPriceBook']>
  ): ReturnType<DynamoDbPriceBooks['putPriceBook']> {
    return this.#priceBooks.putPriceBook(...args);
  }

  getPriceBook(
    ...args: Parameters<DynamoDbPriceBooks['getPriceBook']>
  ): ReturnType<DynamoDbPriceBooks['getPriceBook']> {
    return this.#priceBooks.getPriceBook(...args);
  }

  getLatestPriceBook(
    ...args: Parameters<DynamoDbPriceBooks['getLatestPriceBook']>
  ): ReturnType<DynamoDbPriceBooks['getLatestPriceBook']> {
    return this.#priceBooks.getLatestPriceBook(...args);
  }

  markOfferUnavailable(
    ...args: Parameters<DynamoDbPriceBooks['markOfferUnavailable']>
  ): ReturnType<DynamoDbPriceBooks['markOfferUnavailable']> {
    return this.#priceBooks.markOfferUnavailable(...args);
  }

  listUnavailableOffers(
    ...args: Parameters<DynamoDbPriceBooks['listUnavailableOffers']>
  ): ReturnType<DynamoDbPriceBooks['listUnavailableOffers']> {
    return this.#priceBooks.listUnavailableOffers(...args);
  }

  listChainHeads(interval: ChainInterval): Promise<readonly ChainHead[]> {
    return this.#table.guard('listChainHeads', interval.until, () => scanChainHeads(this.#table, interval));
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
