import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient, createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { createTable } from '../../lambdas/adapters/dynamodb-ledger.js';
import { QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import { createQueues } from '../../lambdas/adapters/sqs-queues.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import { QUEUE_KEYS } from '../../lambdas/core/ports.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';

beforeAll(resetMoto);

describe('createTable', () => {
  it('builds the ledger table exactly as the definition describes it', async () => {
    const client = createDynamoDbClient(motoClientConfig());
    await createTable(client, LEDGER_TABLE, 'qm-def-ledger');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'qm-def-ledger' }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(
      Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName)]),
    ).toEqual([
      ['gsi1', ['gsi1pk', 'gsi1sk']],
      ['gsi2', ['gsi2pk', 'gsi2sk']],
    ]);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'qm-def-ledger' }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
  });

  it('builds the events table with an old-image stream, no index and no TTL', async () => {
    const client = createDynamoDbClient(motoClientConfig());
    await createTable(client, EVENTS_TABLE, 'qm-def-events');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'qm-def-events' }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes ?? []).toEqual([]);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'OLD_IMAGE' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'qm-def-events' }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  });
});

describe('createQueues', () => {
  it('creates every queue with its DLQ, redrive policy and visibility timeout', async () => {
    const client = createSqsClient(motoClientConfig());
    const urls = await createQueues(client, QUEUE_DEFINITIONS, 'qm-def');
    expect(urls['job-requests']).toMatch(/qm-def-job-requests\.fifo$/);
    expect(urls['ec2-events-dlq']).toMatch(/qm-def-ec2-events-dlq$/);
    for (const key of QUEUE_KEYS) {
      const def = QUEUE_DEFINITIONS[key];
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: urls[key], AttributeNames: ['All'] }),
      );
      expect(Attributes?.VisibilityTimeout).toBe(String(def.visibilityTimeoutSeconds));
      expect(Attributes?.MaximumMessageSize).toBe(String(def.maximumMessageBytes));
      expect(Attributes?.FifoQueue ?? 'false').toBe(String(def.fifo));
      const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}');
      expect(Number(redrive.maxReceiveCount)).toBe(def.maxReceiveCount);
      expect(redrive.deadLetterTargetArn).toMatch(new RegExp(`${key}-dlq${def.fifo ? '\\.fifo' : ''}$`));
    }
  });

  it('refuses a prefix that makes an invalid queue name, naming it', async () => {
    const client = createSqsClient(motoClientConfig());
    await expect(createQueues(client, QUEUE_DEFINITIONS, 'bad prefix')).rejects.toThrow(
      'createQueues: queue name "bad prefix-job-requests.fifo" from prefix "bad prefix" is invalid',
    );
  });
});
