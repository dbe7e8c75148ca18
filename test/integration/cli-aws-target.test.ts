import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import { createQueues } from '../../lambdas/adapters/sqs-queues.js';
import { motoEndpoint, resetMoto } from '../support/moto.js';

/**
 * The real `qm` against moto with the AWS environment a user has: a profile in a shared config
 * file (the region and keys there, no AWS_REGION), or the wrong queue prefix or table. The
 * environment is built from nothing so the test project's own AWS variables do not leak in.
 */

const PREFIX = 'qm-cli-target';
/** Where the profile points; the queues exist there only. */
const PROFILE_REGION = 'us-west-2';

let home: string;

beforeAll(async () => {
  await resetMoto();
  await createQueues(
    createSqsClient({ region: PROFILE_REGION, endpoint: motoEndpoint(), maxAttempts: 1 }),
    QUEUE_DEFINITIONS,
    PREFIX,
  );
  home = mkdtempSync(join(tmpdir(), 'qm-cli-target-'));
  writeFileSync(
    join(home, 'config'),
    `[profile research]\nregion = ${PROFILE_REGION}\naws_access_key_id = testing\naws_secret_access_key = testing\n`,
  );
});

const qm = (args: readonly string[], env: Record<string, string>, input = '') =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/qm.ts', ...args, '--endpoint-url', motoEndpoint()], {
    encoding: 'utf8',
    timeout: 60_000,
    input,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      ...env,
    },
  });

describe('qm against moto with the shared AWS config', () => {
  it("takes the region from AWS_PROFILE's entry in AWS_CONFIG_FILE", () => {
    const run = qm(['cancel', 'job-1', '--reason', 'not needed', '--queue-prefix', PREFIX], {
      AWS_PROFILE: 'research',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^job-1\taccepted\t\S+\n$/);
  });

  it('lets AWS_REGION override the profile: the queues are not in that region', () => {
    const run = qm(['cancel', 'job-1', '--reason', 'not needed', '--queue-prefix', PREFIX], {
      AWS_PROFILE: 'research',
      AWS_REGION: 'us-east-1',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`queue ${PREFIX}-job-requests.fifo does not exist: is the stack deployed?`);
  });

  it('says which queue is missing and points at --queue-prefix', () => {
    const request = {
      jobId: 'job-2',
      team: 'vision',
      project: 'detector',
      resources: { gpus: 1, gpuModels: ['A10G'] },
      runtime: { estimatedHours: 1, interruptible: true },
    };
    const run = qm(
      ['submit', '-', '--queue-prefix', 'qm-not-deployed'],
      { AWS_PROFILE: 'research' },
      `${JSON.stringify(request)}\n`,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'qm submit: queue qm-not-deployed-job-requests.fifo does not exist: is the stack deployed? see --queue-prefix',
    );
    expect(run.stderr).not.toContain('credentials');
  });

  it('says the table is missing and points at --table', () => {
    const run = qm(
      ['status', 'job-1', '--table', 'qm-missing-ledger', '--events-table', 'qm-missing-events'],
      {
        AWS_PROFILE: 'research',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'qm status: table qm-missing-ledger or qm-missing-events does not exist: is the stack deployed? see --table',
    );
  });
});
