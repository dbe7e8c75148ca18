import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, MANAGED_TAG_KEYS } from '../../lambdas/core/jobs/managed-tags.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import {
  actionsOf,
  fullProps,
  type Statement,
  statementsOf,
  synthStack,
  WORKER_ROLE_ARN,
} from './synth-fixture.js';

const { stack, template } = synthStack();
const of = (name: string) => statementsOf(template, `quartermaster-${name}`);
const withAction = (statements: readonly Statement[], action: string) =>
  statements.filter((s) => actionsOf([s]).includes(action));
const EC2_WRITE = ['ec2:CreateFleet', 'ec2:RunInstances', 'ec2:CreateTags', 'ec2:TerminateInstances'];
const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'];

describe('Least-privilege function roles', () => {
  it('never grants a wildcard action', () => {
    for (const name of HANDLER_NAMES) {
      for (const action of actionsOf(of(name))) expect(action, name).not.toContain('*');
    }
  });

  it('lets only the provision function launch, and only requests tagged managed-by=quartermaster with known tag keys', () => {
    for (const name of HANDLER_NAMES.filter((n) => n !== 'provision')) {
      expect(withAction(of(name), 'ec2:CreateFleet'), name).toEqual([]);
      expect(withAction(of(name), 'ec2:RunInstances'), name).toEqual([]);
    }
    const tagged = of('provision').find((s) => s.Sid === 'LaunchTaggedOnly');
    expect(tagged?.Condition).toEqual({
      StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [...MANAGED_TAG_KEYS, 'cost-center'] },
    });
    expect(tagged?.Resource).toEqual([
      'arn:aws:ec2:us-east-1:123456789012:fleet/*',
      'arn:aws:ec2:us-east-1:123456789012:instance/*',
      'arn:aws:ec2:us-west-2:123456789012:fleet/*',
      'arn:aws:ec2:us-west-2:123456789012:instance/*',
    ]);
  });

  it('scopes the untagged launch resources to the worker template, subnets and security groups of the provisioning regions', () => {
    const uses = of('provision').find((s) => s.Sid === 'LaunchUsesWorkerNetworkAndTemplate');
    expect(uses?.Resource).toContain(
      'arn:aws:ec2:us-west-2:123456789012:launch-template/lt-0123456789abcdef0',
    );
    expect(uses?.Resource).toContain('arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0123456789abcdef0');
    expect(uses?.Resource).toContain(
      'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0',
    );
    for (const arn of (uses?.Resource ?? []) as string[])
      expect(arn).toMatch(/^arn:aws:ec2:(us-east-1|us-west-2):/);
  });

  it('allows CreateTags only as part of a launch, with the same tag conditions', () => {
    const [tags, ...rest] = withAction(of('provision'), 'ec2:CreateTags');
    expect(rest).toEqual([]);
    expect(tags?.Condition?.['ForAnyValue:StringEquals']).toEqual({
      'ec2:CreateAction': ['CreateFleet', 'RunInstances'],
    });
    expect(tags?.Condition?.StringEquals).toEqual({ [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE });
  });

  it('terminates only instances tagged managed-by=quartermaster, from the events and reconcile functions only', () => {
    for (const name of HANDLER_NAMES) {
      const terminate = withAction(of(name), 'ec2:TerminateInstances');
      if (name === 'events' || name === 'reconcile') {
        expect(terminate, name).toHaveLength(1);
        expect(terminate[0]?.Condition, name).toEqual({
          StringEquals: { [`ec2:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
        });
      } else {
        expect(terminate, name).toEqual([]);
      }
    }
  });

  it('passes only the worker role, and only to EC2', () => {
    for (const name of HANDLER_NAMES) {
      const pass = withAction(of(name), 'iam:PassRole');
      if (name !== 'provision') {
        expect(pass, name).toEqual([]);
        continue;
      }
      expect(pass).toEqual([
        expect.objectContaining({
          Resource: WORKER_ROLE_ARN,
          Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
        }),
      ]);
    }
  });

  it('uses Resource * only for X-Ray and read-only APIs without resource-level permissions', () => {
    const allowedOnStar =
      /^(xray:Put(TraceSegments|TelemetryRecords)|ec2:Describe\w+|ec2:GetSpotPlacementScores|pricing:GetProducts|servicequotas:Get(AWSDefault)?ServiceQuota)$/;
    for (const name of HANDLER_NAMES) {
      for (const s of of(name).filter((st) => st.Resource === '*')) {
        for (const action of actionsOf([s])) expect(action, name).toMatch(allowedOnStar);
      }
    }
    expect(actionsOf(of('price-refresh'))).toContain('pricing:GetProducts');
    expect(actionsOf(of('price-refresh'))).toContain('servicequotas:GetServiceQuota');
    expect(actionsOf(of('solve')).filter((a) => a.startsWith('servicequotas:'))).toEqual([]);
  });

  it('limits intake to job and rejection items, and price refresh to price books (dynamodb:LeadingKeys)', () => {
    for (const s of withAction(of('intake'), 'dynamodb:PutItem')) {
      expect(s.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOB#*', 'REJECTED#*'] },
      });
    }
    for (const s of withAction(of('price-refresh'), 'dynamodb:PutItem')) {
      expect(s.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PRICEBOOK*'] } });
    }
  });

  it('gives the report and monthly export functions read-only ledger access', () => {
    for (const name of ['report', 'monthly-export']) {
      for (const action of TABLE_WRITE) expect(actionsOf(of(name)), name).not.toContain(action);
      expect(actionsOf(of(name)), name).toContain('dynamodb:Query');
    }
    expect(actionsOf(of('report')).filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(actionsOf(of('monthly-export')).filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
  });

  it('lets intake send to no queue and solve send only to the provision queue', () => {
    expect(withAction(of('intake'), 'sqs:SendMessage')).toEqual([]);
    const send = withAction(of('solve'), 'sqs:SendMessage');
    expect(send.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/ProvisionQueue/), 'Arn'] },
    ]);
    for (const name of ['report', 'monthly-export', 'price-refresh']) {
      expect(withAction(of(name), 'sqs:SendMessage'), name).toEqual([]);
      for (const action of EC2_WRITE) expect(actionsOf(of(name)), name).not.toContain(action);
    }
  });

  it('grants no launch permission at all when no worker is configured', () => {
    const { worker: _worker, ...noWorker } = fullProps();
    const bare = synthStack(noWorker).template;
    const provision = statementsOf(bare, 'quartermaster-provision');
    expect(actionsOf(provision)).not.toContain('ec2:CreateFleet');
    expect(actionsOf(provision)).not.toContain('iam:PassRole');
  });
});

describe('Append-only events table (ADR 0005)', () => {
  const eventsTableId = Object.keys(
    template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: 'quartermaster-events' } }),
  )[0];
  /** Every Allow statement of every role in the stack that can reach the events table. */
  const onEventsTable = (): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
            .Statement,
      )
      .filter((s) => {
        const resources = JSON.stringify(s.Resource);
        return resources === '"*"' || resources.includes(`"${eventsTableId}"`);
      });
  const eventsStatements = (name: string) =>
    of(name).filter((s) => JSON.stringify(s.Resource).includes(`"${eventsTableId}"`));

  it('exists in the template', () => {
    expect(eventsTableId).toMatch(/EventsTable/);
  });

  it('grants no role UpdateItem, DeleteItem, BatchWriteItem or PartiQL writes on it', () => {
    const statements = onEventsTable();
    expect(statements.length).toBeGreaterThan(0);
    for (const action of actionsOf(statements)) {
      expect(action).not.toMatch(/^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL\w+|\*)$/);
    }
  });

  it('lets the handlers that change jobs append with PutItem only, intake only under JOB#', () => {
    for (const name of ['intake', 'solve', 'provision', 'events', 'reconcile']) {
      expect(actionsOf(eventsStatements(name)), name).toEqual(['dynamodb:PutItem']);
    }
    expect(eventsStatements('intake')[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOB#*', 'REJECTED#*'] },
    });
  });

  it('lets reports and exports read events (GetItem, Query) and price refresh not touch them', () => {
    for (const name of ['report', 'monthly-export']) {
      expect(actionsOf(eventsStatements(name)).sort(), name).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    }
    expect(eventsStatements('price-refresh')).toEqual([]);
  });

  it('lets the tamper function read only the stream, never the table', () => {
    const tamper = of('events-tamper-alarm');
    expect(eventsStatements('events-tamper-alarm').map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [eventsTableId, 'StreamArn'] },
    ]);
    expect(
      actionsOf(tamper)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning, and every acknowledgement carries a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map(
      (v) =>
        `${v.ruleName} (${v.severity}) on ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter(([id]) => id.endsWith('SQS3'))).toHaveLength(1);
    for (const [id, reason] of acknowledged) {
      // IAM5 per exact wildcard resource, the pinned runtime, and SQS3 on the one failure-destination queue.
      expect(id).toMatch(/^(Annotation::)?AwsSolutions-(IAM5\[Resource::.+\]|L1|SQS3)$/);
      expect(String(reason).length, id).toBeGreaterThan(40);
    }
  });

  it('acknowledges IAM5 only for the exact wildcard resources, so a new wildcard still fails', () => {
    const { stack: other } = synthStack();
    const role = other.node.findAll().find((c) => c.node.path.endsWith('/ReportRole'));
    if (role === undefined) throw new Error('no report role');
    (role as Role).addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::someone-elses-bucket/*'] }),
    );
    const report = new AwsSolutionsChecks().validateScope(other);
    expect(report.violations.map((v) => v.ruleName)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:aws:s3:::someone-elses-bucket/*]',
    ]);
  });
});
