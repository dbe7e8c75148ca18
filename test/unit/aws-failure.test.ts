import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsFailureKind, awsFailureMessage } from '../../bin/cli/aws-failure.js';

const TARGET = { queuePrefix: 'qm-dev', tableName: 'qm-dev-ledger', eventsTableName: 'qm-dev-events' };

/** An SDK-shaped error: the SDK sets `name` to the error shape (and SQS's query code on `Code`). */
const sdkError = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra });

/** How the adapters rethrow: the operation as context, the SDK error as cause. */
const wrapped = (message: string, cause: unknown) => new Error(message, { cause });

describe('awsFailureMessage', () => {
  it('tells a missing credential, queue and table apart through the adapter wrapping', () => {
    const credentials = wrapped(
      'queue qm-dev-job-requests.fifo (prefix "qm-dev") not found: Could not load credentials from any providers',
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
    );
    const queue = wrapped(
      'queue qm-dev-job-requests.fifo (prefix "qm-dev") not found: The specified queue does not exist.',
      sdkError('QueueDoesNotExist', 'The specified queue does not exist.'),
    );
    const table = wrapped(
      'DynamoDbLedger.getJob(j1) on tables qm-dev-ledger, qm-dev-events: Requested resource not found',
      sdkError('ResourceNotFoundException', 'Requested resource not found'),
    );
    expect([credentials, queue, table].map(awsFailureKind)).toEqual(['credentials', 'queue', 'table']);
    expect(awsFailureMessage(credentials, TARGET)).toBe(
      'no AWS credentials found (Could not load credentials from any providers): set AWS_PROFILE to a ' +
        'profile in ~/.aws/config or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
    expect(awsFailureMessage(queue, TARGET)).toBe(
      'queue qm-dev-job-requests.fifo does not exist: is the stack deployed? see --queue-prefix ' +
        '(default: QM_QUEUE_PREFIX or quartermaster)',
    );
    expect(awsFailureMessage(table, TARGET)).toMatch(
      /^table qm-dev-ledger or qm-dev-events does not exist: is the stack deployed\? see --table and --events-table/,
    );
  });

  it("knows SQS's query-protocol code, and names the prefix when no message names the queue", () => {
    const legacy = sdkError('Error', 'gone', { Code: 'AWS.SimpleQueueService.NonExistentQueue' });
    expect(awsFailureKind(legacy)).toBe('queue');
    expect(awsFailureMessage(legacy, TARGET)).toMatch(/^queue with prefix "qm-dev" does not exist: /);
  });

  it('leaves every other error to the caller', () => {
    expect(awsFailureMessage(new Error('boom'), TARGET)).toBeUndefined();
    expect(
      awsFailureMessage(wrapped('x', sdkError('ThrottlingException', 'slow down')), TARGET),
    ).toBeUndefined();
    expect(awsFailureMessage('not an error', TARGET)).toBeUndefined();
    const looped = new Error('a') as Error & { cause?: unknown };
    looped.cause = looped;
    expect(awsFailureKind(looped)).toBeUndefined();
  });
});

/**
 * The real `qm` with an environment built from nothing: no credentials, no region, a home and
 * shared config files of the test's own, the instance metadata service off. The endpoint is a
 * closed local port, so nothing can leave the machine (a call that got that far fails
 * differently).
 */
const qm = (args: readonly string[], env: Record<string, string>) => {
  const home = mkdtempSync(join(tmpdir(), 'qm-aws-home-'));
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bin/qm.ts', ...args, '--endpoint-url', 'http://127.0.0.1:9'],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    },
  );
};

describe('qm pipeline commands without a region or credentials', () => {
  it('exits 2 naming every place a region can come from, the shared config included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qm-aws-config-'));
    writeFileSync(join(dir, 'config'), '[profile dev]\noutput = json\n');
    const run = qm(['status', 'j1'], { AWS_PROFILE: 'dev', AWS_CONFIG_FILE: join(dir, 'config') });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'qm status: no AWS region: pass --region, set AWS_REGION, or set a region for your profile (AWS_PROFILE) in ~/.aws/config',
    );
    expect(run.stderr).not.toContain('    at ');
  });

  it('exits 1 saying no credentials were found, not that the queue was not found', () => {
    const run = qm(['cancel', 'j1', '--reason', 'not needed'], { AWS_REGION: 'eu-west-1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('qm cancel: no AWS credentials found (');
    expect(run.stderr).toContain('set AWS_PROFILE to a profile in ~/.aws/config or AWS_ACCESS_KEY_ID');
    expect(run.stderr).not.toContain('not found:');
  });
});
