import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AttributeType,
  BillingMode,
  type ITable,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Code,
  FilterCriteria,
  FilterRule,
  Function as LambdaFunction,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTS_TABLE } from '../lambdas/adapters/table-definition.js';
import { HANDLER_ARCHITECTURE, HANDLER_RUNTIME } from './handler-function.js';
import { eventsTableDenyStatement } from './iam-policies.js';
import {
  acknowledgeFailureQueue,
  acknowledgeRuntime,
  acknowledgeWildcardResources,
} from './nag-suppressions.js';

/**
 * Attempts per stream batch before it goes to the failure queue. A batch is bisected on each
 * error, so one bad record is isolated rather than holding back the rest of its shard.
 */
export const TAMPER_STREAM_RETRY_ATTEMPTS = 10;

/** Stream record types that can only mean an event was changed or deleted (the table has no TTL). */
export const TAMPER_EVENT_NAMES = ['MODIFY', 'REMOVE'] as const;

/**
 * The tamper function's whole code. The alarm counts its invocations, not anything it logs, so
 * the code only has to leave a readable trail (what was changed or removed, with the old image)
 * for whoever answers the alarm.
 */
export const TAMPER_FUNCTION_CODE = `exports.handler = async (event) => {
  for (const record of event.Records ?? []) {
    console.error(JSON.stringify({
      alert: 'job event changed or removed',
      eventName: record.eventName,
      eventSourceARN: record.eventSourceARN,
      keys: record.dynamodb && record.dynamodb.Keys,
      oldImage: record.dynamodb && record.dynamodb.OldImage,
      approximateCreationDateTime: record.dynamodb && record.dynamodb.ApproximateCreationDateTime,
      userIdentity: record.userIdentity,
    }));
  }
};
`;

export interface EventsTableProps {
  readonly namePrefix: string;
  /** Encrypts the table and its stream (the ledger's key). */
  readonly key: IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  /** Whether the stream's event source mapping is enabled (off where mappings cannot run). */
  readonly streamMappingEnabled: boolean;
}

/**
 * The append-only job events table (docs/adr/0005-append-only-events.md) and its tamper alarm
 * source:
 * - the table from `EVENTS_TABLE`: on demand, the ledger's KMS key, PITR, deletion protection,
 *   no TTL, a stream with old images;
 * - a resource policy denying UpdateItem, DeleteItem, BatchWriteItem, PartiQLUpdate and
 *   PartiQLDelete to every principal, so no later grant can edit history through the data plane;
 * - a tiny function fed only MODIFY and REMOVE stream records (an event source filter), so each
 *   of its invocations is a tampering; `tamperMetric` counts them for an alarm.
 */
export class EventsTable extends Construct {
  readonly table: Table;
  /** Stream batches the tamper function failed on after every retry; alarmed like a dead-letter queue. */
  readonly failureQueue: Queue;
  readonly tamperFunction: LambdaFunction;
  /** Invocations of the tamper function: above zero only when an event was changed or removed. */
  readonly tamperMetric: IMetric;

  constructor(scope: Construct, id: string, props: EventsTableProps) {
    super(scope, id);
    const tableName = `${props.namePrefix}${EVENTS_TABLE.nameSuffix}`;
    // A table's policy cannot reference the table's own attributes (a cycle): the ARN is built
    // from the fixed name instead.
    const tableArn = Stack.of(this).formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableName,
    });
    const attr = (name: string) => ({
      name,
      type:
        EVENTS_TABLE.attributes[name] === 'N'
          ? AttributeType.NUMBER
          : EVENTS_TABLE.attributes[name] === 'B'
            ? AttributeType.BINARY
            : AttributeType.STRING,
    });
    if (EVENTS_TABLE.streamView !== 'OLD_IMAGE' || EVENTS_TABLE.ttlAttribute !== undefined) {
      throw new Error(
        `EventsTable: EVENTS_TABLE must have an OLD_IMAGE stream and no TTL (got stream ${String(EVENTS_TABLE.streamView)}, TTL ${String(EVENTS_TABLE.ttlAttribute)})`,
      );
    }
    this.table = new Table(this, 'Table', {
      tableName,
      partitionKey: attr(EVENTS_TABLE.partitionKey),
      sortKey: attr(EVENTS_TABLE.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      stream: StreamViewType.OLD_IMAGE,
      resourcePolicy: new PolicyDocument({ statements: [eventsTableDenyStatement(tableArn)] }),
      removalPolicy: props.removalPolicy,
    });

    this.failureQueue = new Queue(this, 'TamperFailures', {
      queueName: `${props.namePrefix}-events-tamper-failures`,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFailureQueue(this.failureQueue, 'The events stream failure destination');

    const functionName = `${props.namePrefix}-events-tamper-alarm`;
    const logGroup = new LogGroup(this, 'TamperLogs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'TamperRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName}: reads the events table's stream and writes its own logs`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.tamperFunction = new LambdaFunction(this, 'TamperFunction', {
      functionName,
      description: 'Logs job events that were changed or removed; each invocation raises the tamper alarm',
      runtime: HANDLER_RUNTIME,
      architecture: HANDLER_ARCHITECTURE,
      code: Code.fromInline(TAMPER_FUNCTION_CODE),
      handler: 'index.handler',
      role,
      logGroup,
      timeout: Duration.seconds(30),
      memorySize: 128,
    });
    acknowledgeRuntime(this.tamperFunction);
    this.tamperFunction.addEventSource(
      // The double cast works around CDK's types under exactOptionalPropertyTypes.
      new DynamoEventSource(this.table as unknown as ITable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // A tamper alert must never be dropped: bisect failing batches, retry, and hand what
        // still fails to a queue that has its own alarm (the records' stream positions in it
        // point at what to inspect; the stream keeps records for 24 hours).
        bisectBatchOnError: true,
        retryAttempts: TAMPER_STREAM_RETRY_ATTEMPTS,
        // Bound by hand: the stock SqsDlq grants kms:GenerateDataKey* and kms:ReEncrypt*, wider
        // than the two exact actions the role gets below.
        onFailure: { bind: () => ({ destination: this.failureQueue.queueArn }) },
        enabled: props.streamMappingEnabled,
        filters: [FilterCriteria.filter({ eventName: FilterRule.or(...TAMPER_EVENT_NAMES) })],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'SendFailedBatches',
        actions: ['sqs:SendMessage'],
        resources: [this.failureQueue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'EncryptFailedBatches',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.key.keyArn],
      }),
    );
    // The event source grants dynamodb:ListStreams, which has no resource-level permissions.
    acknowledgeWildcardResources(
      role,
      [new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] })],
      'dynamodb:ListStreams supports no resource-level permissions; the stream reads themselves are limited to this table stream.',
    );
    this.tamperMetric = this.tamperFunction.metricInvocations({
      period: Duration.minutes(1),
      statistic: 'Sum',
    });
  }
}
