import { CreateLaunchTemplateCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  createDynamoDbClient,
  createEc2Client,
  createSqsClient,
} from '../../lambdas/adapters/aws-clients.js';
import { createTable, DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import { Ec2Fleet } from '../../lambdas/adapters/ec2-fleet.js';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import { QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import { createQueues, SqsJobQueues } from '../../lambdas/adapters/sqs-queues.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import type { Fleet, LaunchRequest, LaunchResult } from '../../lambdas/core/cloud-ports.js';
import type { QueueId } from '../../lambdas/core/ports.js';
import { definedMessages } from '../../lambdas/handlers/runtime.js';
import { FakeClock } from '../support/fake-clock.js';
import { type motoClientConfig, TEST_REGION } from '../support/moto.js';
import { lambdaContext } from '../unit/handlers/lambda-fixtures.js';

/** moto does not validate AMI ids unless told to, so the template names a well-formed one. */
const IMAGE_ID = 'ami-0c1d2e3f4a5b6c7d8';

/** A Fleet that counts the launches that really created capacity (not reused by tag). */
export class CountingFleet implements Fleet {
  created = 0;
  readonly calls: string[] = [];
  constructor(private readonly inner: Fleet) {}
  async launch(request: LaunchRequest): Promise<LaunchResult> {
    this.calls.push(request.allocationId);
    const result = await this.inner.launch(request);
    if (result.outcome === 'launched' && !result.reused) this.created += 1;
    return result;
  }
  findByAllocation(allocationId: string) {
    return this.inner.findByAllocation(allocationId);
  }
  findManaged() {
    return this.inner.findManaged();
  }
  terminate(instanceIds: readonly string[]) {
    return this.inner.terminate(instanceIds);
  }
}

/**
 * The pipeline on moto: the ledger and events tables and the queues from the shared definitions,
 * one launch template.
 */
export const motoPipeline = async (config: ReturnType<typeof motoClientConfig>, prefix: string) => {
  const dynamo = createDynamoDbClient(config);
  const sqs = createSqsClient(config);
  const ec2: EC2Client = createEc2Client(config);
  const tableName = await createTable(dynamo, LEDGER_TABLE, `${prefix}${LEDGER_TABLE.nameSuffix}`);
  const eventsTableName = await createTable(dynamo, EVENTS_TABLE, `${prefix}${EVENTS_TABLE.nameSuffix}`);
  const urls = await createQueues(sqs, QUEUE_DEFINITIONS, prefix);
  const templateName = `${prefix}-worker`;
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: templateName,
      LaunchTemplateData: { ImageId: IMAGE_ID },
    }),
  );
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const ledger = new DynamoDbLedger({ client: dynamo, tableName, eventsTableName, clock });
  const queues = new SqsJobQueues({ client: sqs, urls });
  const fleet = new CountingFleet(new Ec2Fleet({ client: ec2, region: TEST_REGION }));
  const fleetFor = (region: string): Fleet => {
    if (region !== TEST_REGION) throw new Error(`no fleet for ${region} in this test`);
    return fleet;
  };
  const solver = await HighsMilpSolver.create();
  return {
    dynamo,
    sqs,
    ec2,
    tableName,
    eventsTableName,
    urls,
    clock,
    ledger,
    queues,
    fleet,
    fleetFor,
    solveDeps: {
      ledger,
      queues,
      messages: definedMessages,
      solver,
      clock,
      fallbackPriceBook: loadStaticPriceBook,
      quotas: { defaultVcpus: null, limits: new Map<string, number>() },
      budgets: { defaultMonthlyUsd: 1_000_000, teams: new Map() },
      regions: [TEST_REGION],
      maxPendingJobs: 1000,
    },
    provisionDeps: {
      ledger,
      clock,
      fleetFor,
      defaultLaunchTemplate: { name: templateName, version: '$Latest' },
      unavailableTtlMinutes: 5,
    },
  };
};

export type MotoPipeline = Awaited<ReturnType<typeof motoPipeline>>;

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Does what the Lambda event source mapping does: receives batches of up to ten from the queue,
 * calls the handler, deletes the records it did not report as failed. Stops when a receive comes
 * back empty, or holds only records that already failed in this drain (they come back after
 * their visibility timeout, for the next drain). Returns how many records were handled and how
 * many distinct records failed.
 */
export const drain = async (
  queues: SqsJobQueues,
  queue: QueueId,
  handler: SqsHandler,
  options: { readonly visibilityTimeoutSeconds?: number } = {},
): Promise<{ handled: number; failed: number }> => {
  let handled = 0;
  const failedBefore = new Set<string>();
  for (;;) {
    const batch = await queues.receive(queue, {
      maxMessages: 10,
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    if (batch.length === 0 || batch.every((m) => failedBefore.has(m.messageId)))
      return { handled, failed: failedBefore.size };
    const event: SQSEvent = {
      Records: batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: '0',
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: '0',
          ...(m.groupId === undefined ? {} : { MessageGroupId: m.groupId }),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${TEST_REGION}:123456789012:${queue}`,
        awsRegion: TEST_REGION,
      })),
    };
    const response = await handler(event, lambdaContext(queue));
    const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done = batch.filter((m) => !failedIds.has(m.messageId)).map((m) => m.receiptHandle);
    if (done.length > 0) await queues.delete(queue, done);
    handled += batch.length;
    for (const id of failedIds) failedBefore.add(id);
  }
};

/** An EventBridge `aws.ec2` event as the ec2-events queue receives it. */
export const ec2Envelope = (detailType: string, detail: Record<string, string>, time: string): string =>
  JSON.stringify({
    version: '0',
    id: `${detail['instance-id']}-${detailType.length}-${time}`,
    'detail-type': detailType,
    source: 'aws.ec2',
    account: '123456789012',
    time,
    region: TEST_REGION,
    resources: [`arn:aws:ec2:${TEST_REGION}:123456789012:instance/${detail['instance-id']}`],
    detail,
  });
