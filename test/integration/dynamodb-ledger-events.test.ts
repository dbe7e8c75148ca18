import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { createTable, DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import { EVENTS_TABLE, LEDGER_TABLE, ledgerKeys } from '../../lambdas/adapters/table-definition.js';
import { VersionConflictError } from '../../lambdas/core/errors.js';
import { FakeClock } from '../support/fake-clock.js';
import { allocationFor, jobRequest } from '../support/ledger-fixtures.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';

/**
 * Where the DynamoDB adapter puts job events (ADR 0005): on the events table only, appended with
 * a conditional Put inside the same transaction as the job write.
 */

let client: ReturnType<typeof createDynamoDbClient>;
let run = 0;
let tableName = '';
let eventsTableName = '';
let ledger: DynamoDbLedger;

beforeAll(async () => {
  await resetMoto();
  client = createDynamoDbClient(motoClientConfig());
});

beforeEach(async () => {
  run += 1;
  [tableName, eventsTableName] = await Promise.all([
    createTable(client, LEDGER_TABLE, `qm-ev-${run}${LEDGER_TABLE.nameSuffix}`),
    createTable(client, EVENTS_TABLE, `qm-ev-${run}${EVENTS_TABLE.nameSuffix}`),
  ]);
  ledger = new DynamoDbLedger({ client, tableName, eventsTableName, clock: new FakeClock() });
});

const itemsOf = async (table: string, pk: string) =>
  (
    await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

describe('DynamoDbLedger job events', () => {
  it('stores a job on the ledger table and its events on the events table only', async () => {
    await ledger.putJobIfAbsent({ request: jobRequest('job-1'), messageId: 'm-1' });
    await ledger.transition({ jobId: 'job-1', expectedVersion: 1, to: 'CANCELLED' });
    const pk = ledgerKeys.job('job-1').pk;
    expect((await itemsOf(tableName, pk)).map((i) => i.sk?.S)).toEqual(['JOB']);
    expect((await itemsOf(eventsTableName, pk)).map((i) => [i.sk?.S, i.type?.S])).toEqual([
      ['EVENT#00000001', 'RECEIVED'],
      ['EVENT#00000002', 'CANCELLED'],
    ]);
  });

  it('never replaces an existing event, and then leaves the job unchanged (one transaction)', async () => {
    const { job } = await ledger.putJobIfAbsent({ request: jobRequest('job-1'), messageId: 'm-1' });
    // Someone wrote seq 2 out of band; the next transition must neither overwrite it nor commit.
    const squatter = {
      ...Object.fromEntries(Object.entries(ledgerKeys.event('job-1', 2)).map(([k, v]) => [k, { S: v }])),
      type: { S: 'FORGED' },
    };
    await client.send(new PutItemCommand({ TableName: eventsTableName, Item: squatter }));
    await expect(
      ledger.transition({ jobId: 'job-1', expectedVersion: 1, to: 'CANCELLED' }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await ledger.getJob('job-1')).toEqual(job);
    const stored = await client.send(
      new GetItemCommand({
        TableName: eventsTableName,
        Key: { pk: { S: 'JOB#job-1' }, sk: { S: 'EVENT#00000002' } },
      }),
    );
    expect(stored.Item?.type?.S).toBe('FORGED');
  });

  it('commits an allocation across both tables or not at all', async () => {
    const { job } = await ledger.putJobIfAbsent({ request: jobRequest('job-1'), messageId: 'm-1' });
    const input = allocationFor(job, 100, 1000);
    await ledger.allocate(input);
    const events = await ledger.listEvents('job-1');
    expect(events.map((e) => e.type)).toEqual(['RECEIVED', 'ALLOCATED']);
    expect((await ledger.getJob('job-1'))?.eventCount).toBe(2);
    expect(await ledger.getReservation(input.reservation.team, input.allocationId)).toMatchObject({
      status: 'RESERVED',
    });
  });

  it('refuses to start without an events table, or with the ledger table as one', () => {
    const clock = new FakeClock();
    expect(() => new DynamoDbLedger({ client, tableName, eventsTableName: '', clock })).toThrow(
      'DynamoDbLedger: eventsTableName must not be empty',
    );
    expect(() => new DynamoDbLedger({ client, tableName, eventsTableName: tableName, clock })).toThrow(
      /eventsTableName must name the events table, not the ledger table/,
    );
  });
});
