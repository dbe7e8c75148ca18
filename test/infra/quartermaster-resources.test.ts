import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import { MAX_REQUEST_BYTES } from '../../lambdas/core/jobs/job-request.js';
import { ENV } from '../../lambdas/handlers/config.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import {
  TAMPER_EVENT_NAMES,
  TAMPER_FUNCTION_CODE,
  TAMPER_STREAM_RETRY_ATTEMPTS,
} from '../../lib/events-table.js';
import { EVENTS_DENIED_ACTIONS } from '../../lib/iam-policies.js';
import { BUDGET_USED_METRIC, METRICS_NAMESPACE } from '../../lib/monitoring.js';
import { EC2_EVENT_DETAIL_TYPES } from '../../lib/quartermaster.js';
import { environmentOf, synthStack } from './synth-fixture.js';

const { template } = synthStack();

type Props = Record<string, unknown>;
const resourcesOf = (type: string): Props[] =>
  Object.values(template.findResources(type)).map((r) => (r as { Properties: Props }).Properties);
const fnNamed = (name: string): Props => {
  const found = resourcesOf('AWS::Lambda::Function').find((p) => p.FunctionName === `quartermaster-${name}`);
  if (found === undefined) throw new Error(`no function ${name}`);
  return found;
};
const envOf = (name: string) => environmentOf(template, name);

const tableNamed = (suffix: string): Props =>
  resourcesOf('AWS::DynamoDB::Table').find((t) => t.TableName === `quartermaster${suffix}`) ?? {};

describe('Quartermaster ledger table', () => {
  const table = tableNamed(LEDGER_TABLE.nameSuffix);

  it('is built from the shared table definition: name, keys and both GSIs', () => {
    expect(resourcesOf('AWS::DynamoDB::Table').map((t) => t.TableName)).toEqual([
      `quartermaster${LEDGER_TABLE.nameSuffix}`,
      `quartermaster${EVENTS_TABLE.nameSuffix}`,
    ]);
    expect(table.TableName).toBe(`quartermaster${LEDGER_TABLE.nameSuffix}`);
    expect(table.KeySchema).toEqual([
      { AttributeName: LEDGER_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: LEDGER_TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = (
      table.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[]
    ).map((i) => ({ name: i.IndexName, keys: i.KeySchema, projection: i.Projection }));
    expect(indexes).toEqual(
      LEDGER_TABLE.globalIndexes.map((i) => ({
        name: i.indexName,
        keys: [
          { AttributeName: i.partitionKey, KeyType: 'HASH' },
          { AttributeName: i.sortKey, KeyType: 'RANGE' },
        ],
        projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it('bills per request, is encrypted with the customer managed key, has PITR, deletion protection and TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: `quartermaster${LEDGER_TABLE.nameSuffix}`,
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: LEDGER_TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('is retained when the stack is deleted, by default', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: { TableName: `quartermaster${LEDGER_TABLE.nameSuffix}` },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('Quartermaster events table (append-only, ADR 0005)', () => {
  const table = tableNamed(EVENTS_TABLE.nameSuffix);

  it('is built from the shared events definition: keys, no index and no TTL', () => {
    expect(table.KeySchema).toEqual([
      { AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: EVENTS_TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.GlobalSecondaryIndexes).toBeUndefined();
    expect(table.TimeToLiveSpecification).toBeUndefined();
  });

  it('bills per request, is encrypted with the ledger key, has PITR, deletion protection and an OLD_IMAGE stream', () => {
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^QuartermasterKey/), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      StreamSpecification: { StreamViewType: 'OLD_IMAGE' },
    });
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: { TableName: `quartermaster${EVENTS_TABLE.nameSuffix}` },
      DeletionPolicy: 'Retain',
    });
  });

  it('denies every principal each write that could change or remove an event, in its resource policy', () => {
    const policy = table.ResourcePolicy as { PolicyDocument: { Statement: Props[] } };
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'DenyChangingOrRemovingEvents',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [...EVENTS_DENIED_ACTIONS].sort(),
        Resource: `arn:aws:dynamodb:us-east-1:123456789012:table/quartermaster${EVENTS_TABLE.nameSuffix}`,
      },
    ]);
    expect([...EVENTS_DENIED_ACTIONS].sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PartiQLDelete',
      'dynamodb:PartiQLUpdate',
      'dynamodb:UpdateItem',
    ]);
  });

  it('feeds only MODIFY and REMOVE stream records to the tamper function', () => {
    const fromStream = resourcesOf('AWS::Lambda::EventSourceMapping').filter((m) =>
      JSON.stringify(m.EventSourceArn).includes('StreamArn'),
    );
    expect(fromStream).toEqual([
      expect.objectContaining({
        FunctionName: { Ref: expect.stringMatching(/TamperFunction/) },
        StartingPosition: 'TRIM_HORIZON',
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: [...TAMPER_EVENT_NAMES] }) }] },
        Enabled: true,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: TAMPER_STREAM_RETRY_ATTEMPTS,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/TamperFailures/), 'Arn'] } },
        },
      }),
    ]);
    const failures = resourcesOf('AWS::SQS::Queue').filter((q) =>
      String(q.QueueName).endsWith('-events-tamper-failures'),
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]?.KmsMasterKeyId).toBeDefined();
    expect(fnNamed('events-tamper-alarm').Runtime).toBe('nodejs22.x');
  });

  it('logs what was changed or removed, with the old image, from the tamper function code', async () => {
    const module = { exports: {} as { handler?: (event: unknown) => Promise<void> } };
    new Function('exports', 'module', TAMPER_FUNCTION_CODE)(module.exports, module);
    const lines: string[] = [];
    const original = console.error;
    console.error = (line: string) => lines.push(line);
    try {
      await module.exports.handler?.({
        Records: [
          {
            eventName: 'REMOVE',
            eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/quartermaster-events/stream/x',
            dynamodb: {
              Keys: { pk: { S: 'JOB#j1' }, sk: { S: 'EVENT#00000002' } },
              OldImage: { type: { S: 'ALLOCATED' } },
            },
          },
        ],
      });
    } finally {
      console.error = original;
    }
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        alert: 'job event changed or removed',
        eventName: 'REMOVE',
        keys: { pk: { S: 'JOB#j1' }, sk: { S: 'EVENT#00000002' } },
        oldImage: { type: { S: 'ALLOCATED' } },
      }),
    ]);
  });
});

describe('Quartermaster queues', () => {
  const queues = resourcesOf('AWS::SQS::Queue');

  it('creates every queue and its dead-letter queue from the shared definitions, FIFO where defined', () => {
    // Plus the events stream's failure destination.
    expect(queues).toHaveLength(Object.keys(QUEUE_DEFINITIONS).length * 2 + 1);
    for (const def of Object.values(QUEUE_DEFINITIONS)) {
      const queue = queues.find((q) => q.QueueName === `quartermaster${def.nameSuffix}`);
      const dlq = queues.find((q) => q.QueueName === `quartermaster${def.deadLetterNameSuffix}`);
      expect(queue, def.key).toBeDefined();
      expect(dlq, def.key).toBeDefined();
      expect(queue?.FifoQueue ?? false).toBe(def.fifo);
      expect(queue?.VisibilityTimeout).toBe(def.visibilityTimeoutSeconds);
      expect(queue?.MessageRetentionPeriod).toBe(def.retentionSeconds);
      expect(queue?.MaximumMessageSize).toBe(def.maximumMessageBytes);
      // Producer-facing queues take no more than their consumer accepts; EC2 events up to EventBridge's limit.
      expect(def.maximumMessageBytes).toBe(def.key === 'ec2-events' ? 262_144 : MAX_REQUEST_BYTES);
      expect(dlq?.MessageRetentionPeriod).toBe(def.deadLetterRetentionSeconds);
      expect((queue?.RedrivePolicy as { maxReceiveCount?: number } | undefined)?.maxReceiveCount).toBe(
        def.maxReceiveCount,
      );
    }
  });

  it('encrypts every queue with the customer managed key', () => {
    for (const q of queues) {
      expect(q.KmsMasterKeyId, String(q.QueueName)).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/Key/), 'Arn'],
      });
    }
  });

  it('denies every request to every queue that is not over TLS', () => {
    const policies = resourcesOf('AWS::SQS::QueuePolicy');
    const guarded = policies.flatMap((p) =>
      (
        p.PolicyDocument as { Statement: { Effect: string; Condition?: unknown; Action: unknown }[] }
      ).Statement.filter(
        (s) =>
          s.Effect === 'Deny' &&
          JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
      ).length > 0
        ? (p.Queues as unknown[])
        : [],
    );
    expect(guarded).toHaveLength(queues.length);
  });

  it('lets only the EC2 events rule (by aws:SourceArn) send to the ec2-events queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              ArnEquals: {
                'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/quartermaster-ec2-events',
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('Quartermaster functions', () => {
  it('runs one function per handler on nodejs22.x, ARM64, with active X-Ray tracing and source maps', () => {
    for (const name of HANDLER_NAMES) {
      const fn = fnNamed(name);
      expect(fn.Runtime, name).toBe('nodejs22.x');
      expect(fn.Architectures, name).toEqual(['arm64']);
      expect(fn.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(envOf(name).NODE_OPTIONS, name).toBe('--enable-source-maps');
    }
  });

  it('gives each function both table names and only the queue URLs it consumes or sends to', () => {
    for (const name of HANDLER_NAMES) {
      expect(envOf(name)[ENV.table], name).toEqual({ Ref: expect.stringMatching(/Ledger/) });
      expect(envOf(name)[ENV.eventsTable], name).toEqual({ Ref: expect.stringMatching(/EventsTable/) });
    }
    expect(Object.keys(envOf('intake')).filter((k) => k.endsWith('_QUEUE_URL'))).toEqual([
      ENV.queueUrl['job-requests'],
    ]);
    expect(Object.keys(envOf('solve')).filter((k) => k.endsWith('_QUEUE_URL'))).toEqual([
      ENV.queueUrl.provision,
    ]);
    expect(
      Object.keys(envOf('events'))
        .filter((k) => k.endsWith('_QUEUE_URL'))
        .sort(),
    ).toEqual([ENV.queueUrl['ec2-events'], ENV.queueUrl['job-events']].sort());
    expect(Object.keys(envOf('report')).filter((k) => k.endsWith('_QUEUE_URL'))).toEqual([]);
  });

  it('passes teams, budgets, quotas, regions and the worker launch settings as the handler config expects', () => {
    const solve = envOf('solve');
    expect(JSON.parse(String(solve[ENV.teamBudgets]))).toEqual({
      vision: { weight: 2, monthlyUsd: 60_000 },
      nlp: { weight: 3, monthlyUsd: 120_000 },
    });
    expect(JSON.parse(String(solve[ENV.quotas])).quotas).toHaveLength(1);
    expect(solve[ENV.regions]).toBe('us-east-1,us-west-2');
    const provision = envOf('provision');
    expect(JSON.parse(String(provision[ENV.launchTemplate]))).toEqual({
      id: 'lt-0123456789abcdef0',
      version: '3',
    });
    expect(provision[ENV.subnetIds]).toBe('subnet-0123456789abcdef0');
    expect(envOf('monthly-export').QM_EXPORT_BUCKET).toEqual({ Ref: expect.stringMatching(/Exports/) });
  });

  it('lets only one solve and one reconcile run at a time', () => {
    expect(fnNamed('solve').ReservedConcurrentExecutions).toBe(1);
    expect(fnNamed('reconcile').ReservedConcurrentExecutions).toBe(1);
  });

  it('consumes each work queue with partial batch responses (reportBatchItemFailures)', () => {
    const mappings = resourcesOf('AWS::Lambda::EventSourceMapping').filter(
      (m) => !JSON.stringify(m.EventSourceArn).includes('StreamArn'),
    );
    expect(mappings).toHaveLength(4);
    for (const m of mappings) {
      expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(m.Enabled).toBe(true);
    }
  });

  it('gives each function a log group with the configured retention', () => {
    const groups = resourcesOf('AWS::Logs::LogGroup');
    expect(groups.map((g) => g.LogGroupName).sort()).toEqual(
      [...HANDLER_NAMES, 'events-tamper-alarm'].map((n) => `/aws/lambda/quartermaster-${n}`).sort(),
    );
    for (const g of groups) expect(g.RetentionInDays).toBe(90);
  });
});

describe('Quartermaster events and schedules', () => {
  it('routes EC2 state changes, spot interruption warnings and rebalance recommendations to the ec2-events queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'quartermaster-ec2-events',
      EventPattern: { source: ['aws.ec2'], 'detail-type': [...EC2_EVENT_DETAIL_TYPES] },
      Targets: [{ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Ec2EventsQueue'), 'Arn'] } }],
    });
  });

  it('schedules solve every minute, spot prices every 15 minutes, on-demand prices daily, reconcile every 5 minutes, digests hourly and the export monthly', () => {
    const schedules = resourcesOf('AWS::Events::Rule')
      .filter((r) => r.ScheduleExpression !== undefined)
      .map((r) => r.ScheduleExpression)
      .sort();
    expect(schedules).toEqual(
      [
        'cron(0 3 1 * ? *)',
        'rate(1 day)',
        'rate(1 hour)',
        'rate(1 minute)',
        'rate(15 minutes)',
        'rate(5 minutes)',
      ].sort(),
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ scope: 'spot' }) })],
    });
  });
});

describe('Quartermaster report endpoint and exports', () => {
  it('serves reports on a Function URL that requires IAM (SigV4) authentication', () => {
    const urls = resourcesOf('AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    expect(urls[0]?.AuthType).toBe('AWS_IAM');
    expect(urls[0]?.TargetFunctionArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Report/), 'Arn'] });
  });

  it('keeps exports in a versioned, KMS-encrypted bucket that blocks public access, requires TLS and logs access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({
        DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogs') },
      }),
    });
    const buckets = resourcesOf('AWS::S3::Bucket');
    for (const b of buckets) expect(b.PublicAccessBlockConfiguration).toBeDefined();
    const tlsDenied = resourcesOf('AWS::S3::BucketPolicy').filter((p) =>
      JSON.stringify(p.PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsDenied).toHaveLength(buckets.length);
  });
});

describe('Quartermaster alarms and dashboard', () => {
  const alarms = resourcesOf('AWS::CloudWatch::Alarm');

  it('alarms on any message in each dead-letter queue', () => {
    const dlqAlarms = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    // One per work queue, and one for stream batches the tamper function could not take.
    expect(dlqAlarms).toHaveLength(Object.keys(QUEUE_DEFINITIONS).length + 1);
    for (const a of dlqAlarms) {
      expect(a.Threshold).toBe(0);
      expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(JSON.stringify(a.Dimensions)).toMatch(/Dlq|TamperFailures/);
    }
    expect(dlqAlarms.filter((a) => JSON.stringify(a.Dimensions).includes('TamperFailures'))).toHaveLength(1);
  });

  it('alarms on errors of every function', () => {
    const errorAlarms = alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda');
    expect(errorAlarms).toHaveLength(HANDLER_NAMES.length);
  });

  it('alarms on the first changed or removed job event (any tamper function invocation)', () => {
    const tamper = alarms.filter((a) => a.MetricName === 'Invocations' && a.Namespace === 'AWS/Lambda');
    expect(tamper).toEqual([
      expect.objectContaining({
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/TamperFunction/) } }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: expect.stringMatching(/AlarmTopic/) }],
      }),
    ]);
  });

  it('alarms per team when the budget-used metric the handlers publish passes 90%', () => {
    const budget = alarms.filter(
      (a) => a.Namespace === METRICS_NAMESPACE && a.MetricName === BUDGET_USED_METRIC,
    );
    expect(budget.map((a) => a.Dimensions)).toEqual([
      [{ Name: 'team', Value: 'vision' }],
      [{ Name: 'team', Value: 'nlp' }],
    ]);
    for (const a of budget) expect(a.Threshold).toBe(0.9);
  });

  it('sends every alarm to the KMS-encrypted, TLS-only alarm topic', () => {
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/AlarmTopic/) }]);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has one dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('rotates the customer managed key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});
