import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import {
  AnyPrincipal,
  Effect,
  type IGrantable,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { FunctionUrlAuthType, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_DEFINITIONS, queueNames } from '../lambdas/adapters/queue-definitions.js';
import { LEDGER_TABLE } from '../lambdas/adapters/table-definition.js';
import type { QueueKey } from '../lambdas/core/ports.js';
import { ENV } from '../lambdas/handlers/config.js';
import {
  DEFAULT_DIGEST_PREFIX,
  DIGEST_KEY_ENV,
  DIGEST_PREFIX_ENV,
} from '../lambdas/handlers/digest-settings.js';
import { HANDLER_NAMES, type HandlerName } from './bundle-settings.js';
import { EventsTable } from './events-table.js';
import { defaultPrebundledCodeDir, PACKAGE_ROOT } from './handler-code.js';
import { createHandlerFunction } from './handler-function.js';
import {
  DIGEST_SIGN_ACTIONS,
  DIGEST_VERIFY_ACTIONS,
  describeStatement,
  type Ec2DescribeAction,
  EVENTS_SCAN_ACTIONS,
  type EventsAccess,
  eventsTableStatements,
  KMS_DECRYPT_ACTIONS,
  launchStatements,
  PRICING_ACTIONS,
  S3_PUT_OBJECT,
  SERVICE_QUOTAS_ACTIONS,
  sendStatements,
  type TableAccess,
  tableStatements,
  terminateStatement,
} from './iam-policies.js';
import { METRICS_NAMESPACE, Monitoring } from './monitoring.js';
import {
  acknowledgeRuntime,
  acknowledgeStarResource,
  acknowledgeWildcardResources,
} from './nag-suppressions.js';
import type { QuartermasterProps } from './quartermaster-props.js';
import { budgetThresholdsEnv, type ResolvedConfig, resolveProps, teamBudgetsJson } from './resolve-props.js';

/** The EC2 events the service reacts to (DESIGN.md Flow), routed to the ec2-events queue. */
export const EC2_EVENT_DETAIL_TYPES = [
  'EC2 Instance State-change Notification',
  'EC2 Spot Instance Interruption Warning',
  'EC2 Instance Rebalance Recommendation',
] as const;

/** What each function may touch; the construct turns it into IAM statements. */
interface FunctionPlan {
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly table: TableAccess;
  /** `dynamodb:LeadingKeys` patterns, when the function only touches some item kinds. */
  readonly leadingKeys?: readonly string[];
  /** Job events (ADR 0005): handlers that change jobs append; reports and exports read. */
  readonly events: EventsAccess;
  readonly consumes: readonly QueueKey[];
  readonly sendsTo: readonly QueueKey[];
  readonly ec2?: {
    readonly launch?: boolean;
    readonly terminate?: boolean;
    readonly describe: readonly Ec2DescribeAction[];
  };
  readonly reservedConcurrency?: number;
}

const seconds = (key: QueueKey) => Duration.seconds(QUEUE_DEFINITIONS[key].consumerTimeoutSeconds);

const FUNCTION_PLANS: Readonly<Record<HandlerName, FunctionPlan>> = {
  // Intake creates jobs (JOB#…) and keeps rejected requests (REJECTED#…); it sends nothing.
  intake: {
    timeout: seconds('job-requests'),
    memorySize: 512,
    table: 'put',
    leadingKeys: ['JOB#*', 'REJECTED#*'],
    events: 'append',
    consumes: ['job-requests'],
    sendsTo: [],
  },
  // One solve at a time: two concurrent batch decisions would fight over the same pending jobs.
  solve: {
    timeout: Duration.seconds(60),
    memorySize: 2048,
    table: 'read-write',
    events: 'append',
    consumes: [],
    sendsTo: ['provision'],
    reservedConcurrency: 1,
  },
  provision: {
    timeout: seconds('provision'),
    memorySize: 512,
    table: 'read-write',
    events: 'append',
    consumes: ['provision'],
    sendsTo: [],
    ec2: { launch: true, describe: ['ec2:DescribeInstances', 'ec2:DescribeSubnets'] },
  },
  events: {
    timeout: seconds('job-events'),
    memorySize: 512,
    table: 'read-write',
    events: 'append',
    consumes: ['job-events', 'ec2-events'],
    sendsTo: [],
    ec2: { terminate: true, describe: ['ec2:DescribeInstances'] },
  },
  // Price books only (PRICEBOOK#… items and the PRICEBOOKS index).
  'price-refresh': {
    timeout: Duration.minutes(5),
    memorySize: 1024,
    table: 'put',
    leadingKeys: ['PRICEBOOK*'],
    events: 'none',
    consumes: [],
    sendsTo: [],
    ec2: {
      describe: ['ec2:DescribeSpotPriceHistory', 'ec2:DescribeInstanceTypes', 'ec2:GetSpotPlacementScores'],
    },
  },
  reconcile: {
    timeout: Duration.minutes(5),
    memorySize: 512,
    table: 'read-write',
    events: 'append',
    consumes: [],
    sendsTo: [],
    ec2: { terminate: true, describe: ['ec2:DescribeInstances'] },
    reservedConcurrency: 1,
  },
  report: {
    timeout: Duration.seconds(30),
    memorySize: 1024,
    table: 'read',
    events: 'read',
    consumes: [],
    sendsTo: [],
  },
  'monthly-export': {
    timeout: Duration.minutes(5),
    memorySize: 1024,
    table: 'read',
    events: 'read',
    consumes: [],
    sendsTo: [],
  },
  // Streams a month of hourly bill lines past an index of the month's usage.
  'bill-reconcile': {
    timeout: Duration.minutes(15),
    memorySize: 2048,
    table: 'read',
    events: 'read',
    consumes: [],
    sendsTo: [],
  },
  // Reads the events table's heads by time (a Scan, granted below), signs with the digest key.
  digest: {
    timeout: Duration.minutes(5),
    memorySize: 1024,
    table: 'none',
    events: 'none',
    consumes: [],
    sendsTo: [],
    reservedConcurrency: 1,
  },
};

const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * Quartermaster in a team's own stack: the ledger table, the append-only job events table (with
 * its deny policy and tamper alarm, ADR 0005) and work queues (from their shared definitions),
 * one Lambda per handler with least-privilege roles, EC2 event routing, schedules, the
 * IAM-authenticated report URL, the monthly export bucket, alarms and a dashboard.
 *
 * @example
 * new Quartermaster(stack, 'Quartermaster', {
 *   teams: [{ name: 'vision', weight: 2, monthlyBudgetUsd: 60_000 }],
 *   provisioningRegions: ['us-east-1', 'us-west-2'],
 * });
 */
export class Quartermaster extends Construct {
  /** Encrypts the table, queues, export bucket and the created alarm topic. */
  readonly key: Key;
  readonly table: Table;
  /** Job events: PutItem-only writers, a resource-policy deny on every other write, a stream alarm. */
  readonly events: EventsTable;
  readonly queues: Readonly<Record<QueueKey, Queue>>;
  readonly deadLetterQueues: Readonly<Record<QueueKey, Queue>>;
  readonly functions: Readonly<Record<HandlerName, IFunction>>;
  readonly exportBucket: Bucket;
  /** Signs the chain-head digests (ECC_NIST_P256); only the digest function may Sign. */
  readonly digestKey: Key;
  readonly accessLogBucket: Bucket;
  readonly alarmTopic: ITopic;
  readonly monitoring: Monitoring;
  /** The report endpoint; callers sign requests with SigV4 (`lambda:InvokeFunctionUrl`). */
  readonly reportUrl: string;
  readonly config: ResolvedConfig;

  constructor(scope: Construct, id: string, props: QuartermasterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const config = resolveProps(props, stack.region);
    this.config = config;
    const prefix = config.namePrefix;

    this.key = new Key(this, 'Key', {
      description: `${prefix}: encrypts the ledger table, work queues, exports and alarm topic`,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });
    // The EC2 events rule has a fixed name, so its ARN is known before it exists and both the key
    // and the queue policy can name it as the only EventBridge source (no dependency cycle).
    const ec2RuleName = `${prefix}-ec2-events`;
    const ec2RuleArn = stack.formatArn({ service: 'events', resource: 'rule', resourceName: ec2RuleName });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowEc2EventsRuleToEncrypt',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:SourceArn': ec2RuleArn } },
      }),
    );
    // CloudWatch alarms publish to the encrypted alarm topic.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncrypt',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.table = this.createTable(config);
    this.events = new EventsTable(this, 'EventsTable', {
      namePrefix: prefix,
      key: this.key,
      removalPolicy: config.removalPolicy,
      logRetention: config.logRetention,
      streamMappingEnabled: config.eventSourcesEnabled,
    });
    const { queues, deadLetterQueues } = this.createQueues(config);
    this.queues = queues;
    this.deadLetterQueues = deadLetterQueues;

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      // Log delivery only writes to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: config.removalPolicy,
    });
    this.exportBucket = new Bucket(this, 'Exports', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The double cast works around CDK's types under exactOptionalPropertyTypes.
      serverAccessLogsBucket: this.accessLogBucket as unknown as IBucket,
      serverAccessLogsPrefix: 'exports/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      // Digests and exports cannot be replaced or deleted before their retention ends (docs/audit.md).
      objectLockEnabled: true,
      objectLockDefaultRetention:
        config.objectLock.mode === 'compliance'
          ? ObjectLockRetention.compliance(config.objectLock.retention)
          : ObjectLockRetention.governance(config.objectLock.retention),
      removalPolicy: config.removalPolicy,
    });
    this.digestKey = new Key(this, 'DigestKey', {
      description: `${prefix}: signs the ledger's chain-head digests`,
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: config.removalPolicy,
    });

    this.functions = this.createFunctions(config, props.prebundledCodeDir);
    // An explicit deny outranks the key policy's account grant and any identity policy: no other
    // principal, an administrator included, can sign a digest without first changing this policy.
    const digestRole = this.functions.digest.role;
    if (digestRole !== undefined)
      this.digestKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'DenySigningExceptByTheDigestFunction',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: [...DIGEST_SIGN_ACTIONS],
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': digestRole.roleArn } },
        }),
      );

    const ec2Queue = queues['ec2-events'];
    ec2Queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowOnlyTheEc2EventsRule',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [ec2Queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': ec2RuleArn } },
      }),
    );
    const ec2Rule = new Rule(this, 'Ec2Events', {
      ruleName: ec2RuleName,
      description: `${prefix}: EC2 state changes, spot interruptions and rebalance recommendations`,
      eventPattern: { source: ['aws.ec2'], detailType: [...EC2_EVENT_DETAIL_TYPES] },
    });
    // Not the stock SqsQueue target: with a KMS queue it grants EventBridge without a source condition.
    ec2Rule.addTarget({ bind: () => ({ arn: ec2Queue.queueArn, targetResource: ec2Queue }) });

    this.addSchedules(config);

    const url = this.functions.report.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    this.reportUrl = url.url;
    new CfnOutput(this, 'ReportUrl', { value: url.url, description: 'IAM-authenticated cost report URL' });
    new CfnOutput(this, 'JobRequestsQueueUrl', { value: queues['job-requests'].queueUrl });
    new CfnOutput(this, 'ExportBucketName', { value: this.exportBucket.bucketName });
    new CfnOutput(this, 'DigestKeyArn', {
      value: this.digestKey.keyArn,
      description: 'verify digests with its public key',
    });

    this.alarmTopic =
      props.alarmTopic ??
      new Topic(this, 'AlarmTopic', {
        displayName: `${prefix} alarms`,
        masterKey: this.key,
        enforceSSL: true,
      });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      namePrefix: prefix,
      topic: this.alarmTopic,
      queues,
      deadLetterQueues: { ...deadLetterQueues, 'events-stream': this.events.failureQueue },
      functions: this.functions,
      teams: config.teams.map((t) => t.name),
      tamperedEvents: this.events.tamperMetric,
    });
  }

  /** Lets a producer send job requests (SendMessage plus the queue's key). */
  grantSubmitJobs(grantee: IGrantable) {
    for (const s of sendStatements([this.queues['job-requests']], this.key))
      grantee.grantPrincipal.addToPrincipalPolicy(s);
  }

  /** Lets a running job report its completion on the job-events queue. */
  grantCompleteJobs(grantee: IGrantable) {
    for (const s of sendStatements([this.queues['job-events']], this.key))
      grantee.grantPrincipal.addToPrincipalPolicy(s);
  }

  /** Lets finance call the report URL. */
  grantReadReports(grantee: IGrantable) {
    return this.functions.report.grantInvokeUrl(grantee);
  }

  /** Lets finance download the monthly exports. */
  grantReadExports(grantee: IGrantable) {
    return this.exportBucket.grantRead(grantee);
  }

  /** Lets auditors download the digests and the digest key's public key (`qm audit public-key`). */
  grantReadDigests(grantee: IGrantable) {
    this.exportBucket.grantRead(grantee, `${DEFAULT_DIGEST_PREFIX}*`);
    return this.digestKey.grant(grantee, ...DIGEST_VERIFY_ACTIONS);
  }

  private createTable(config: ResolvedConfig): Table {
    const attr = (name: string) => ({
      name,
      type:
        LEDGER_TABLE.attributes[name] === 'N'
          ? AttributeType.NUMBER
          : LEDGER_TABLE.attributes[name] === 'B'
            ? AttributeType.BINARY
            : AttributeType.STRING,
    });
    const table = new Table(this, 'Ledger', {
      tableName: `${config.namePrefix}${LEDGER_TABLE.nameSuffix}`,
      partitionKey: attr(LEDGER_TABLE.partitionKey),
      sortKey: attr(LEDGER_TABLE.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      ...(LEDGER_TABLE.ttlAttribute === undefined ? {} : { timeToLiveAttribute: LEDGER_TABLE.ttlAttribute }),
      removalPolicy: config.removalPolicy,
    });
    for (const index of LEDGER_TABLE.globalIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attr(index.partitionKey),
        sortKey: attr(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
    return table;
  }

  private createQueues(config: ResolvedConfig) {
    const queues = {} as Record<QueueKey, Queue>;
    const deadLetterQueues = {} as Record<QueueKey, Queue>;
    for (const def of Object.values(QUEUE_DEFINITIONS)) {
      const names = queueNames(config.namePrefix, def);
      const common = {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: this.key,
        // Reuse data keys for 5 minutes: fewer KMS calls (and dollars) per message.
        dataKeyReuse: Duration.minutes(5),
        enforceSSL: true,
        ...(def.fifo ? { fifo: true } : {}),
      };
      const dlq = new Queue(this, `${pascal(def.key)}Dlq`, {
        ...common,
        queueName: names.deadLetterName,
        retentionPeriod: Duration.seconds(def.deadLetterRetentionSeconds),
      });
      const queue = new Queue(this, `${pascal(def.key)}Queue`, {
        ...common,
        queueName: names.name,
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(def.retentionSeconds),
        maxMessageSizeBytes: def.maximumMessageBytes,
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
      });
      queues[def.key] = queue;
      deadLetterQueues[def.key] = dlq;
    }
    return { queues, deadLetterQueues };
  }

  private environmentFor(
    config: ResolvedConfig,
    plan: FunctionPlan,
    name: HandlerName,
  ): Record<string, string> {
    const env: Record<string, string> = {
      [ENV.table]: this.table.tableName,
      [ENV.eventsTable]: this.events.table.tableName,
      POWERTOOLS_SERVICE_NAME: `${config.namePrefix}-${name}`,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    for (const key of new Set([...plan.consumes, ...plan.sendsTo])) {
      env[ENV.queueUrl[key]] = this.queues[key].queueUrl;
    }
    if (config.provisioningRegions !== undefined) env[ENV.regions] = config.provisioningRegions.join(',');
    if (['solve', 'events', 'reconcile', 'report', 'monthly-export', 'bill-reconcile'].includes(name)) {
      env[ENV.defaultMonthlyBudgetUsd] = String(config.defaultMonthlyBudgetUsd);
      env[ENV.teamBudgets] = teamBudgetsJson(config.teams);
    }
    if (name === 'solve' && config.quotas !== undefined) env[ENV.quotas] = JSON.stringify(config.quotas);
    // The solve plans on them; the report and the monthly export add their FOCUS rows.
    if (['solve', 'report', 'monthly-export'].includes(name) && config.commitments !== undefined)
      env[ENV.commitments] = JSON.stringify({
        asOf: config.commitments.asOf,
        commitments: config.commitments.commitments,
      });
    if (name === 'solve') env[ENV.usageHalfLifeHours] = String(config.usageHalfLifeHours);
    if (name === 'solve' && config.preemption !== 'off') env[ENV.preemption] = config.preemption;
    if (name === 'reconcile') env[ENV.reconcileMinutes] = String(config.schedules.reconcile.toMinutes());
    // Both apply the budget guard: solve stops admitting, reconcile alerts and terminates.
    if (name === 'solve' || name === 'reconcile') {
      env[ENV.budgetPolicy] = config.budgetGuard.policy;
      env[ENV.budgetThresholds] = budgetThresholdsEnv(config.budgetGuard.thresholds);
    }
    if (name === 'provision' && config.worker !== undefined) {
      env[ENV.launchTemplate] = JSON.stringify(config.worker.launchTemplate);
      env[ENV.subnetIds] = config.worker.subnetIds.join(',');
    }
    if (name === 'monthly-export' || name === 'bill-reconcile' || name === 'digest')
      env.QM_EXPORT_BUCKET = this.exportBucket.bucketName;
    if (name === 'digest') {
      env[DIGEST_KEY_ENV] = this.digestKey.keyArn;
      env[DIGEST_PREFIX_ENV] = DEFAULT_DIGEST_PREFIX;
    }
    if (name === 'bill-reconcile' && config.billExport !== undefined) {
      env.QM_BILL_EXPORT_BUCKET = config.billExport.bucketName;
      env.QM_BILL_EXPORT_PREFIX = config.billExport.prefix;
    }
    return env;
  }

  private createFunctions(config: ResolvedConfig, prebundledCodeDir: string | undefined) {
    const functions = {} as Record<HandlerName, IFunction>;
    const prebundled = prebundledCodeDir ?? defaultPrebundledCodeDir();
    const regions = config.provisioningRegions ?? [Stack.of(this).region];
    for (const name of HANDLER_NAMES) {
      // A solve that may preempt stops instances as the events handler does.
      const plan: FunctionPlan =
        name === 'solve' && config.preemption !== 'off'
          ? { ...FUNCTION_PLANS[name], ec2: { terminate: true, describe: ['ec2:DescribeInstances'] } }
          : FUNCTION_PLANS[name];
      const id = pascal(name);
      const functionName = `${config.namePrefix}-${name}`;
      const logGroup = new LogGroup(this, `${id}Logs`, {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: config.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new Role(this, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `${functionName}: only what this handler calls`,
      });
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      for (const s of tableStatements(
        this.table,
        this.key,
        LEDGER_TABLE.globalIndexes.map((i) => i.indexName),
        plan.table,
        plan.leadingKeys,
      )) {
        role.addToPrincipalPolicy(s);
      }
      for (const s of eventsTableStatements(this.events.table, plan.events, plan.leadingKeys))
        role.addToPrincipalPolicy(s);
      if (plan.sendsTo.length > 0) {
        for (const s of sendStatements(
          plan.sendsTo.map((k) => this.queues[k]),
          this.key,
        )) {
          role.addToPrincipalPolicy(s);
        }
      }
      const readOnly: string[] = [...(plan.ec2?.describe ?? [])];
      // Price refresh reads prices, spot history, instance types and the account's GPU quotas.
      if (name === 'price-refresh') readOnly.push(...PRICING_ACTIONS, ...SERVICE_QUOTAS_ACTIONS);
      if (readOnly.length > 0) role.addToPrincipalPolicy(describeStatement(readOnly));
      // Tracing adds X-Ray's Resource * statement to every role.
      acknowledgeStarResource(role);
      if (plan.ec2?.launch === true && config.worker !== undefined) {
        const launch = launchStatements(this, regions, config.worker, config.jobTagKeys);
        for (const s of launch) role.addToPrincipalPolicy(s);
        acknowledgeWildcardResources(
          role,
          launch,
          'Instance, fleet, volume, network-interface and spot-request IDs do not exist before CreateFleet makes them; fleet and instance creation and tagging are conditioned on aws:RequestTag/quartermaster:managed-by and aws:TagKeys, images are chosen by the launch template.',
        );
      }
      if (plan.ec2?.terminate === true) {
        const terminate = terminateStatement(this, regions);
        role.addToPrincipalPolicy(terminate);
        acknowledgeWildcardResources(
          role,
          [terminate],
          'Instance IDs are not known in advance; TerminateInstances is conditioned on ec2:ResourceTag/quartermaster:managed-by = quartermaster.',
        );
      }
      if (name === 'bill-reconcile' && config.billExport !== undefined) {
        const bill = config.billExport;
        const bucketArn = Stack.of(this).formatArn({
          service: 's3',
          region: '',
          account: '',
          resource: bill.bucketName,
        });
        const read = [
          new PolicyStatement({
            sid: 'ListBillExport',
            actions: ['s3:ListBucket'],
            resources: [bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${bill.prefix}*`] } },
          }),
          new PolicyStatement({
            sid: 'ReadBillExport',
            actions: ['s3:GetObject'],
            resources: [`${bucketArn}/${bill.prefix}*`],
          }),
        ];
        for (const statement of read) role.addToPrincipalPolicy(statement);
        acknowledgeWildcardResources(
          role,
          read,
          "GetObject only, below the bill export's prefix, whose keys AWS Data Exports names by billing period and part.",
        );
        if (bill.kmsKeyArn !== undefined)
          role.addToPrincipalPolicy(
            new PolicyStatement({
              sid: 'BillExportKey',
              actions: ['kms:Decrypt'],
              resources: [bill.kmsKeyArn],
            }),
          );
      }
      if (name === 'digest') {
        const statements = [
          new PolicyStatement({
            sid: 'ScanEventHeads',
            actions: [...EVENTS_SCAN_ACTIONS],
            resources: [this.events.table.tableArn],
          }),
          new PolicyStatement({
            sid: 'EventsKey',
            actions: [...KMS_DECRYPT_ACTIONS],
            resources: [this.key.keyArn],
          }),
          new PolicyStatement({
            sid: 'SignDigests',
            actions: [...DIGEST_SIGN_ACTIONS],
            resources: [this.digestKey.keyArn],
          }),
          new PolicyStatement({
            sid: 'ListDigests',
            actions: ['s3:ListBucket', 's3:GetBucketObjectLockConfiguration'],
            resources: [this.exportBucket.bucketArn],
          }),
          new PolicyStatement({
            sid: 'ReadWriteDigests',
            actions: ['s3:GetObject', S3_PUT_OBJECT, 's3:PutObjectRetention'],
            resources: [this.exportBucket.arnForObjects(`${DEFAULT_DIGEST_PREFIX}*`)],
          }),
          new PolicyStatement({
            sid: 'ExportKey',
            actions: ['kms:GenerateDataKey', ...KMS_DECRYPT_ACTIONS],
            resources: [this.key.keyArn],
          }),
        ];
        for (const statement of statements) role.addToPrincipalPolicy(statement);
        acknowledgeWildcardResources(
          role,
          statements,
          'Digest objects only, below the digests/ prefix of the export bucket, named by sequence at run time.',
        );
      }
      if (name === 'monthly-export' || name === 'bill-reconcile') {
        const write = new PolicyStatement({
          sid: 'WriteExports',
          actions: [S3_PUT_OBJECT],
          resources: [this.exportBucket.arnForObjects('*')],
        });
        role.addToPrincipalPolicy(write);
        acknowledgeWildcardResources(
          role,
          [write],
          'PutObject only, on the export bucket, whose keys are named by month at run time.',
        );
        role.addToPrincipalPolicy(
          new PolicyStatement({
            sid: 'ExportKey',
            actions: ['kms:GenerateDataKey', ...KMS_DECRYPT_ACTIONS],
            resources: [this.key.keyArn],
          }),
        );
      }
      const fn = createHandlerFunction(this, id, {
        name,
        functionName,
        role,
        timeout: plan.timeout,
        memorySize: plan.memorySize,
        environment: this.environmentFor(config, plan, name),
        logGroup,
        projectRoot: PACKAGE_ROOT,
        ...(plan.reservedConcurrency === undefined
          ? {}
          : { reservedConcurrentExecutions: plan.reservedConcurrency }),
        ...(prebundled === undefined ? {} : { prebundledCodeDir: prebundled }),
      });
      acknowledgeRuntime(fn);
      for (const key of plan.consumes) {
        fn.addEventSource(
          new SqsEventSource(this.queues[key], {
            reportBatchItemFailures: true,
            batchSize: 10,
            enabled: config.eventSourcesEnabled,
          }),
        );
      }
      functions[name] = fn;
    }
    return functions;
  }

  private addSchedules(config: ResolvedConfig) {
    const rate = (id: string, every: Duration, fn: IFunction, input?: object) =>
      new Rule(this, id, {
        description: `${config.namePrefix}: ${id}`,
        schedule: Schedule.rate(every),
        targets: [
          new LambdaFunction(fn, {
            ...(input === undefined ? {} : { event: RuleTargetInput.fromObject(input) }),
            retryAttempts: 2,
          }),
        ],
      });
    rate('SolveSchedule', config.schedules.solve, this.functions.solve);
    rate('SpotPriceRefreshSchedule', config.schedules.spotPriceRefresh, this.functions['price-refresh'], {
      scope: 'spot',
    });
    rate(
      'OnDemandPriceRefreshSchedule',
      config.schedules.onDemandPriceRefresh,
      this.functions['price-refresh'],
      {
        scope: 'on-demand',
      },
    );
    rate('ReconcileSchedule', config.schedules.reconcile, this.functions.reconcile);
    new Rule(this, 'MonthlyExportSchedule', {
      description: `${config.namePrefix}: export last month's FOCUS CSV and HTML report`,
      // 03:00 UTC leaves time for the month's last usage intervals to settle.
      schedule: Schedule.cron({ minute: '0', hour: '3', day: String(config.schedules.monthlyExportDay) }),
      targets: [new LambdaFunction(this.functions['monthly-export'], { retryAttempts: 2 })],
    });
    rate('DigestSchedule', config.schedules.digest, this.functions.digest);
    if (config.billExport !== undefined)
      new Rule(this, 'BillReconcileSchedule', {
        description: `${config.namePrefix}: reconcile last month's AWS bill against the ledger`,
        schedule: Schedule.cron({ minute: '0', hour: '4', day: String(config.billExport.day) }),
        targets: [new LambdaFunction(this.functions['bill-reconcile'], { retryAttempts: 2 })],
      });
  }
}
