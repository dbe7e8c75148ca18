import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, MANAGED_TAG_KEYS } from '../lambdas/core/jobs/managed-tags.js';
import type { WorkerConfig } from './quartermaster-props.js';

/**
 * IAM actions as constants, and the statements each function gets. Every statement names the
 * exact actions the adapters call (no `Service:*` or `Get*` wildcards), so a test can read the
 * template and see the whole permission surface.
 */

/** Reads the ledger does: single items (consistent) and queries on the table and its GSIs. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
/**
 * Writes the ledger does. TransactWriteItems has no IAM action of its own: each item in a
 * transaction is authorised as the Put/Update it is. The adapter's only UpdateItem closes a budget
 * reservation (settle, release); it never uses ConditionCheck, so no role gets it (ADR 0005).
 */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;
/** Writers that only ever create or replace whole items (intake, price refresh). */
export const TABLE_PUT_ACTIONS = ['dynamodb:PutItem'] as const;
/** The digest function reads every chain's events by time; the events table has no time index. */
export const EVENTS_SCAN_ACTIONS = ['dynamodb:Scan'] as const;
/** Signing digests: the digest function only (the key policy denies everyone else). */
export const DIGEST_SIGN_ACTIONS = ['kms:Sign'] as const;
/** What a verifier needs of the digest key. */
export const DIGEST_VERIFY_ACTIONS = ['kms:GetPublicKey', 'kms:DescribeKey'] as const;
/**
 * The only write on the job events table (ADR 0005). Events are appended with
 * `attribute_not_exists(pk)`, which IAM cannot require, so the stream alarm watches for overwrites.
 */
export const EVENTS_APPEND_ACTIONS = ['dynamodb:PutItem'] as const;
/** Reads of a job's events (`listEvents` queries; GetItem for audits of one event). */
export const EVENTS_READ_ACTIONS = TABLE_READ_ACTIONS;
/**
 * Data-plane writes that could change or remove an event. Never granted to any role, and denied
 * to every principal by the events table's resource policy.
 */
export const EVENTS_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
] as const;
export const QUEUE_SEND_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes'] as const;
/** Decrypt for reading encrypted items or messages. */
export const KMS_DECRYPT_ACTIONS = ['kms:Decrypt'] as const;
/** Writers of KMS-encrypted DynamoDB items and SQS messages need a data key as well. */
export const KMS_ENCRYPT_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] as const;

export const EC2_LAUNCH_ACTIONS = ['ec2:CreateFleet', 'ec2:RunInstances'] as const;
export const EC2_CREATE_TAGS = 'ec2:CreateTags';
export const EC2_TERMINATE = 'ec2:TerminateInstances';
/**
 * Describe calls the adapters make. EC2 Describe* actions do not support resource-level
 * permissions, so AWS requires `Resource: *` for them.
 */
export const EC2_DESCRIBE_ACTIONS = [
  'ec2:DescribeInstances',
  'ec2:DescribeSubnets',
  'ec2:DescribeSpotPriceHistory',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstanceTypeOfferings',
  // Placement scores rate zones, not resources: AWS allows only `Resource: *` for them too.
  'ec2:GetSpotPlacementScores',
] as const;
export type Ec2DescribeAction = (typeof EC2_DESCRIBE_ACTIONS)[number];
/** The Price List Query API has no resources; AWS requires `Resource: *`. */
export const PRICING_ACTIONS = ['pricing:GetProducts'] as const;
/** Quota reads name a quota code, not an ARN the service can pre-compute per region; `*` it is. */
export const SERVICE_QUOTAS_ACTIONS = [
  'servicequotas:GetServiceQuota',
  'servicequotas:GetAWSDefaultServiceQuota',
] as const;
export const PASS_ROLE = 'iam:PassRole';
export const S3_PUT_OBJECT = 's3:PutObject';

/** The EC2 service principal a worker role may be passed to. */
export const EC2_SERVICE = 'ec2.amazonaws.com';

/** The one thing the statements need from a table. */
export interface TableRef {
  readonly tableArn: string;
}

/** What a function may do with the ledger table. */
export type TableAccess = 'read' | 'put' | 'read-write' | 'none';

/** Table plus each GSI by exact ARN, so no `index/*` wildcard is needed. */
const tableResources = (table: TableRef, indexNames: readonly string[]): string[] => [
  table.tableArn,
  ...indexNames.map((name) => `${table.tableArn}/index/${name}`),
];

/**
 * Ledger access for one function.
 * @param leadingKeys when given, limits item access to partition keys matching these patterns
 *   (`dynamodb:LeadingKeys`), e.g. intake may only touch `JOB#*` and `REJECTED#*` items.
 */
export const tableStatements = (
  table: TableRef,
  key: IKey,
  indexNames: readonly string[],
  access: TableAccess,
  leadingKeys?: readonly string[],
): PolicyStatement[] => {
  const condition =
    leadingKeys === undefined
      ? undefined
      : { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } };
  const withCondition = condition === undefined ? {} : { conditions: condition };
  if (access === 'none') return [];
  const statements = [
    new PolicyStatement({
      sid: 'LedgerRead',
      actions: [...TABLE_READ_ACTIONS],
      resources: tableResources(table, indexNames),
      ...withCondition,
    }),
  ];
  if (access === 'read-write' || access === 'put') {
    // Writes only ever target the base table; DynamoDB maintains the GSIs itself.
    statements.push(
      new PolicyStatement({
        sid: 'LedgerWrite',
        actions: access === 'put' ? [...TABLE_PUT_ACTIONS] : [...TABLE_WRITE_ACTIONS],
        resources: [table.tableArn],
        ...withCondition,
      }),
    );
  }
  statements.push(
    new PolicyStatement({
      sid: 'LedgerKey',
      actions: access === 'read' ? [...KMS_DECRYPT_ACTIONS] : [...KMS_ENCRYPT_ACTIONS],
      resources: [key.keyArn],
    }),
  );
  return statements;
};

/** What a function may do with the job events table. */
export type EventsAccess = 'append' | 'read' | 'none';

/**
 * Events table access for one function: PutItem only to append, GetItem/Query to read. No KMS
 * statement: the table shares the ledger's key, which `tableStatements` already grants.
 * @param leadingKeys as for `tableStatements`; events live under `JOB#<jobId>`.
 */
export const eventsTableStatements = (
  table: TableRef,
  access: EventsAccess,
  leadingKeys?: readonly string[],
): PolicyStatement[] => {
  if (access === 'none') return [];
  const withCondition =
    leadingKeys === undefined
      ? {}
      : { conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } } };
  return [
    new PolicyStatement({
      sid: access === 'append' ? 'EventsAppend' : 'EventsRead',
      actions: access === 'append' ? [...EVENTS_APPEND_ACTIONS] : [...EVENTS_READ_ACTIONS],
      resources: [table.tableArn],
      ...withCondition,
    }),
  ];
};

/**
 * The events table's resource-policy statement: an explicit deny of every write that could
 * change or remove an event, for every principal. An explicit deny wins over any allow, so a later
 * broad grant (`grantReadWriteData`, an administrator) still cannot edit history.
 */
export const eventsTableDenyStatement = (tableArn: string): PolicyStatement =>
  new PolicyStatement({
    sid: 'DenyChangingOrRemovingEvents',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: [...EVENTS_DENIED_ACTIONS],
    resources: [tableArn],
  });

/** SendMessage to the given queues, with the key their messages are encrypted with. */
export const sendStatements = (queues: readonly IQueue[], key: IKey): PolicyStatement[] => [
  new PolicyStatement({
    sid: 'SendToQueues',
    actions: [...QUEUE_SEND_ACTIONS],
    resources: queues.map((q) => q.queueArn),
  }),
  new PolicyStatement({ sid: 'QueueKey', actions: [...KMS_ENCRYPT_ACTIONS], resources: [key.keyArn] }),
];

const ec2Arn = (scope: Construct, region: string, resource: string): string =>
  Arn.format(
    { service: 'ec2', region, resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
    Stack.of(scope),
  );

/**
 * Launch permissions for the provision function. CreateFleet (type instant) authorises a
 * RunInstances for every instance, so both actions are granted, in three statements:
 * - the fleet and instances it creates, only when the request carries the managed-by tag and only
 *   tag keys from the allowed list (`aws:RequestTag`, `aws:TagKeys`);
 * - the resources created alongside without tags (volumes, network interfaces, spot requests) and
 *   the existing ones a launch uses (launch template, subnets, security groups, images), in the
 *   provisioning regions only;
 * - CreateTags only as part of a launch (`ec2:CreateAction`), with the same tag conditions.
 */
export const launchStatements = (
  scope: Construct,
  regions: readonly string[],
  worker: WorkerConfig,
  jobTagKeys: readonly string[],
): PolicyStatement[] => {
  const tagConditions = {
    StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
    'ForAllValues:StringEquals': { 'aws:TagKeys': [...MANAGED_TAG_KEYS, ...jobTagKeys] },
  };
  const account = Stack.of(scope).account;
  const partition = Stack.of(scope).partition;
  const tagged = regions.flatMap((r) => [ec2Arn(scope, r, 'fleet'), ec2Arn(scope, r, 'instance')]);
  const untagged = regions.flatMap((r) => [
    ec2Arn(scope, r, 'volume'),
    ec2Arn(scope, r, 'network-interface'),
    ec2Arn(scope, r, 'spot-instances-request'),
  ]);
  const subnets = regions.flatMap((r) =>
    worker.subnetIds.map((id) => `arn:${partition}:ec2:${r}:${account}:subnet/${id}`),
  );
  const securityGroups = regions.flatMap((r) =>
    worker.securityGroupIds === undefined
      ? [ec2Arn(scope, r, 'security-group')]
      : worker.securityGroupIds.map((id) => `arn:${partition}:ec2:${r}:${account}:security-group/${id}`),
  );
  const template = worker.launchTemplate;
  // A template given by name has no ARN to pin before deployment: any template in the regions.
  const launchTemplates = regions.map((r) =>
    'id' in template
      ? `arn:${partition}:ec2:${r}:${account}:launch-template/${template.id}`
      : ec2Arn(scope, r, 'launch-template'),
  );
  const images = regions.map((r) => `arn:${partition}:ec2:${r}::image/*`);
  return [
    new PolicyStatement({
      sid: 'LaunchTaggedOnly',
      actions: [...EC2_LAUNCH_ACTIONS],
      resources: tagged,
      conditions: tagConditions,
    }),
    new PolicyStatement({
      sid: 'LaunchCreatedAlongside',
      actions: [...EC2_LAUNCH_ACTIONS],
      resources: untagged,
    }),
    new PolicyStatement({
      sid: 'LaunchUsesWorkerNetworkAndTemplate',
      actions: [...EC2_LAUNCH_ACTIONS],
      resources: [...subnets, ...securityGroups, ...launchTemplates, ...images],
    }),
    new PolicyStatement({
      sid: 'TagOnlyAtLaunch',
      actions: [EC2_CREATE_TAGS],
      resources: tagged,
      conditions: {
        ...tagConditions,
        'ForAnyValue:StringEquals': { 'ec2:CreateAction': ['CreateFleet', 'RunInstances'] },
      },
    }),
    new PolicyStatement({
      sid: 'PassWorkerRoleToEc2Only',
      actions: [PASS_ROLE],
      resources: [worker.instanceRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': EC2_SERVICE } },
    }),
  ];
};

/** Terminate only instances carrying the managed-by tag, in the provisioning regions. */
export const terminateStatement = (scope: Construct, regions: readonly string[]): PolicyStatement =>
  new PolicyStatement({
    sid: 'TerminateManagedOnly',
    actions: [EC2_TERMINATE],
    resources: regions.map((r) => ec2Arn(scope, r, 'instance')),
    conditions: { StringEquals: { [`ec2:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE } },
  });

/** Read-only EC2, Pricing and Service Quotas calls; these APIs accept only `Resource: *`. */
export const describeStatement = (actions: readonly string[]): PolicyStatement =>
  new PolicyStatement({
    sid: 'ReadOnlyApisWithoutResourceLevelPermissions',
    effect: Effect.ALLOW,
    actions: [...actions],
    resources: ['*'],
  });
