import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient, createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { QUEUE_DEFINITIONS, queueNames } from '../../lambdas/adapters/queue-definitions.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { FEATURE_FLAGS } from '../../lib/feature-flags.js';
import { QuartermasterStack } from '../../lib/quartermaster-stack.js';
import { stubCodeDir } from '../infra/synth-fixture.js';

/**
 * Creates the synthesized stack in moto's CloudFormation and checks the queues, table and
 * functions exist. This file starts its own moto_server (not the shared one): Lambda creation
 * from a CloudFormation template needs `VALIDATE_LAMBDA_S3=false` (the code assets were never
 * uploaded), which moto reads from its own environment at start.
 *
 * The template is synthesized with `eventSourcesEnabled: false`: the SQS event source mappings
 * are created, but disabled, because moto would otherwise try to run the functions (in Docker)
 * to poll the queues (and the events table's stream). Handler code is a stub: moto never runs it.
 * moto skips resource types it does not model (alarms, dashboard, Function URL) and creates the
 * rest; it also drops the events table's resource policy (see that test).
 */

const HOST = '127.0.0.1';
const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';
const PREFIX = 'qm-moto';
const STACK = 'QuartermasterMoto';

let moto: ChildProcess | undefined;
let endpoint = '';

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A signature moto accepts: it reads region and service from the credential scope only. */
const authorization = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;

/** One call to an AWS Query API (CloudFormation) on moto; returns the XML text. */
const query = async (service: string, params: Record<string, string>): Promise<string> => {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: authorization(service) },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${service} ${params.Action}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return text;
};

/** One call to an AWS JSON API (SSM) on moto. */
const jsonCall = async (target: string, service: string, body: object): Promise<unknown> => {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: authorization(service),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
};

const tagValues = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1] ?? '');

const synthTemplate = (): string => {
  const app = new App({ context: FEATURE_FLAGS });
  const stack = new QuartermasterStack(app, STACK, {
    env: { account: ACCOUNT, region: REGION },
    quartermaster: {
      namePrefix: PREFIX,
      teams: [{ name: 'vision', weight: 2, monthlyBudgetUsd: 1000 }],
      eventSourcesEnabled: false,
      prebundledCodeDir: stubCodeDir(),
    },
  });
  const template = Template.fromStack(stack).toJSON() as { Outputs: Record<string, unknown> };
  // moto has no AWS::Lambda::Url: it skips the resource but fails the whole stack on an output
  // that reads one of its attributes, so that one output is left out here.
  for (const key of Object.keys(template.Outputs))
    if (key.includes('ReportUrl')) delete template.Outputs[key];
  return JSON.stringify(template);
};

let stackStatus = '';
let stackReason = '';

beforeAll(async () => {
  const port = await freePort();
  endpoint = `http://${HOST}:${port}`;
  let output = '';
  moto = spawn('moto_server', ['-H', HOST, '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VALIDATE_LAMBDA_S3: 'false' },
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  let spawnError: Error | undefined;
  moto.once('error', (err) => {
    spawnError = err;
  });
  moto.stdout?.on('data', keep);
  moto.stderr?.on('data', keep);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError !== undefined) {
      throw new Error(
        `could not start moto_server (moto 5.2 with its server extra, on PATH): ${spawnError.message}`,
      );
    }
    if (moto.exitCode !== null) throw new Error(`moto_server exited (${moto.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not start on ${endpoint}:\n${output}`);
    await sleep(100);
  }

  // What `cdk bootstrap` leaves behind and the template's bootstrap version rule reads.
  await jsonCall('AmazonSSM.PutParameter', 'ssm', {
    Name: '/cdk-bootstrap/hnb659fds/version',
    Value: '30',
    Type: 'String',
  });
  await query('cloudformation', {
    Action: 'CreateStack',
    Version: '2010-05-15',
    StackName: STACK,
    TemplateBody: synthTemplate(),
    'Capabilities.member.1': 'CAPABILITY_IAM',
  });
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const xml = await query('cloudformation', {
      Action: 'DescribeStacks',
      Version: '2010-05-15',
      StackName: STACK,
    });
    stackStatus = tagValues(xml, 'StackStatus')[0] ?? '';
    stackReason = tagValues(xml, 'StackStatusReason')[0] ?? '';
    if (!stackStatus.endsWith('IN_PROGRESS')) break;
    await sleep(500);
  }
}, 180_000);

afterAll(() => {
  if (moto?.pid !== undefined && moto.exitCode === null) process.kill(-moto.pid, 'SIGTERM');
});

const clientConfig = () => ({ region: REGION, endpoint, maxAttempts: 1 });

describe('The synthesized stack on moto CloudFormation', () => {
  it('reaches CREATE_COMPLETE', () => {
    expect({ stackStatus, stackReason }).toEqual({
      stackStatus: 'CREATE_COMPLETE',
      stackReason: expect.anything(),
    });
  });

  it('creates every work queue and dead-letter queue with its redrive policy', async () => {
    const sqs = createSqsClient(clientConfig());
    for (const def of Object.values(QUEUE_DEFINITIONS)) {
      const names = queueNames(PREFIX, def);
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: names.name }));
      await sqs.send(new GetQueueUrlCommand({ QueueName: names.deadLetterName }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }),
      );
      expect(Attributes?.VisibilityTimeout, def.key).toBe(String(def.visibilityTimeoutSeconds));
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}').deadLetterTargetArn, def.key).toMatch(
        new RegExp(`${names.deadLetterName.replace('.', '\\.')}$`),
      );
    }
  });

  it('creates the ledger table with its key schema and GSIs', async () => {
    const dynamodb = createDynamoDbClient(clientConfig());
    const { Table } = await dynamodb.send(
      new DescribeTableCommand({ TableName: `${PREFIX}${LEDGER_TABLE.nameSuffix}` }),
    );
    expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([
      LEDGER_TABLE.partitionKey,
      LEDGER_TABLE.sortKey,
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
      LEDGER_TABLE.globalIndexes.map((i) => i.indexName).sort(),
    );
  });

  // moto's CloudFormation accepts the table's ResourcePolicy property but does not store it
  // (GetResourcePolicy answers PolicyNotFoundException), and moto enforces no IAM anyway; the
  // deny statement is asserted on the synthesized template (test/infra) and by cfn-lint instead.
  it('creates the events table with its key schema and old-image stream', async () => {
    const dynamodb = createDynamoDbClient(clientConfig());
    const TableName = `${PREFIX}${EVENTS_TABLE.nameSuffix}`;
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName }));
    expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([
      EVENTS_TABLE.partitionKey,
      EVENTS_TABLE.sortKey,
    ]);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'OLD_IMAGE' });
  });

  it('creates one function per handler plus the tamper function, and the event source mappings disabled', async () => {
    const response = await fetch(`${endpoint}/2015-03-31/functions/`, {
      headers: { authorization: authorization('lambda') },
    });
    const { Functions } = (await response.json()) as {
      Functions: { FunctionName: string; Runtime: string }[];
    };
    expect(Functions.map((f) => f.FunctionName).sort()).toEqual(
      [...HANDLER_NAMES, 'events-tamper-alarm'].map((n) => `${PREFIX}-${n}`).sort(),
    );
    for (const f of Functions) expect(f.Runtime).toBe('nodejs22.x');
    const mappings = await fetch(`${endpoint}/2015-03-31/event-source-mappings/`, {
      headers: { authorization: authorization('lambda') },
    });
    const { EventSourceMappings } = (await mappings.json()) as { EventSourceMappings: { State: string }[] };
    // Four work queues and the events table's stream.
    expect(EventSourceMappings.map((m) => m.State)).toEqual(Array(5).fill('Disabled'));
  });
});
