import { Command, CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCancelCommand } from '../../bin/commands/cancel.js';
import { registerCompleteCommand } from '../../bin/commands/complete.js';
import { registerStatusCommand } from '../../bin/commands/status.js';
import { registerSubmitCommand } from '../../bin/commands/submit.js';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { ProducerClient, resolveProducerQueueUrls } from '../../lambdas/adapters/producer-client.js';
import { makeHandler as makeIntake } from '../../lambdas/handlers/intake.js';
import { quietObservability } from '../../lambdas/handlers/middleware.js';
import { motoClientConfig, motoEndpoint, resetMoto, TEST_REGION } from '../support/moto.js';
import { drain, type MotoPipeline, motoPipeline } from './handlers-world.js';

const PREFIX = 'qm-producer';
let p: MotoPipeline;

const request = (jobId: string) => ({
  jobId,
  team: 'vision',
  project: 'detector',
  resources: { gpus: 4, gpuModels: ['A10G'] },
  runtime: { estimatedHours: 1, interruptible: true },
});

beforeAll(async () => {
  await resetMoto();
  p = await motoPipeline(motoClientConfig(), PREFIX);
});

const producer = async () => {
  const client = createSqsClient(motoClientConfig());
  return new ProducerClient({ client, urls: await resolveProducerQueueUrls(client, PREFIX) });
};

/** Runs a `qm` pipeline command in-process against moto; returns stdout and the exit code. */
const qm = async (args: string[], files: Record<string, string> = {}) => {
  let out = '';
  let err = '';
  const program = new Command('qm').exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  const io = {
    env: {
      AWS_REGION: TEST_REGION,
      AWS_ENDPOINT_URL: motoEndpoint(),
      QM_QUEUE_PREFIX: PREFIX,
      QM_TABLE_NAME: p.tableName,
    },
    write: (s: string) => {
      out += s;
    },
    readText: async (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  };
  registerSubmitCommand(program, io);
  registerStatusCommand(program, io);
  registerCompleteCommand(program, io);
  registerCancelCommand(program, io);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};

const intake = () =>
  drain(
    p.queues,
    'job-requests',
    makeIntake({ ledger: p.ledger, clock: p.clock, obs: quietObservability() }),
  );

describe('ProducerClient on moto', () => {
  it('sends valid requests in batches of ten and reports invalid ones without sending them', async () => {
    const client = await producer();
    const requests: unknown[] = Array.from({ length: 23 }, (_, i) => request(`batch-${i}`));
    requests.splice(5, 0, { ...request('broken'), team: 'Not A Team' });
    const results = await client.submit(requests);
    expect(results).toHaveLength(24);
    expect(results[5]).toMatchObject({
      index: 5,
      jobId: 'broken',
      status: 'invalid',
      issues: [{ field: 'team' }],
    });
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(23);
    expect(await intake()).toEqual({ handled: 23, failed: 0 });
    expect(await p.ledger.getJob('batch-22')).toBeDefined();
    expect(await p.ledger.getJob('broken')).toBeUndefined();
  });

  it('sends complete and cancel messages to the job-events queue', async () => {
    const client = await producer();
    expect((await client.complete('batch-1', { failed: true, reason: 'OOM' })).status).toBe('accepted');
    expect((await client.cancel('batch-2', 'not needed')).status).toBe('accepted');
    const bodies = (await p.queues.receive('job-events')).map((m) => JSON.parse(m.body));
    expect(bodies).toEqual(
      expect.arrayContaining([
        { type: 'complete', jobId: 'batch-1', failed: true, reason: 'OOM' },
        { type: 'cancel', jobId: 'batch-2', reason: 'not needed' },
      ]),
    );
  });

  it('reports an empty cancel reason as invalid', async () => {
    const client = await producer();
    expect(await client.cancel('batch-3', '')).toMatchObject({
      status: 'invalid',
      issues: [{ field: 'reason' }],
    });
  });

  it('names a queue prefix that does not exist', async () => {
    await expect(resolveProducerQueueUrls(createSqsClient(motoClientConfig()), 'nope')).rejects.toThrow(
      /queue nope-job-requests\.fifo/,
    );
  });
});

describe('qm submit, status, complete and cancel on moto', () => {
  it('submit exits 2 naming the line and field when any line is invalid, and sends nothing', async () => {
    const file = [
      JSON.stringify(request('cli-1')),
      JSON.stringify({ ...request('cli-2'), resources: { gpus: 0 } }),
    ].join('\n');
    const result = await qm(['submit', 'jobs.jsonl'], { 'jobs.jsonl': file });
    expect(result.exitCode).toBe(2);
    expect(result.err).toMatch(/line 2: resources\.gpus: /);
    expect(await p.queues.receive('job-requests')).toEqual([]);
  });

  it('submit sends every line and prints one result per job', async () => {
    const file = `${JSON.stringify(request('cli-1'))}\n${JSON.stringify(request('cli-2'))}\n`;
    const result = await qm(['submit', 'jobs.jsonl'], { 'jobs.jsonl': file });
    expect(result.exitCode).toBe(0);
    expect(result.out).toMatch(/^cli-1\taccepted\t\S+\ncli-2\taccepted\t\S+\n$/);
    await intake();
    expect((await p.ledger.getJob('cli-2'))?.state).toBe('PENDING');
  });

  it('status prints the state and history of a job, and exits 1 for an unknown one', async () => {
    const shown = await qm(['status', 'cli-1']);
    expect(shown.exitCode).toBe(0);
    expect(shown.out).toMatch(/^job cli-1: PENDING/);
    expect(shown.out).toMatch(/1 {2}\S+ {2}RECEIVED/);
    const json = await qm(['status', 'cli-1', '--json']);
    expect(JSON.parse(json.out).job.state).toBe('PENDING');
    const missing = await qm(['status', 'nope']);
    expect(missing.exitCode).toBe(1);
    expect(missing.err).toMatch(/job nope not found/);
  });

  it('complete and cancel queue their messages', async () => {
    expect((await qm(['complete', 'cli-1', '--failed'])).out).toMatch(/^cli-1\taccepted/);
    expect((await qm(['cancel', 'cli-2', '--reason', 'duplicate work'])).out).toMatch(/^cli-2\taccepted/);
    const bodies = (await p.queues.receive('job-events')).map((m) => JSON.parse(m.body));
    expect(bodies).toEqual(
      expect.arrayContaining([
        { type: 'complete', jobId: 'cli-1', failed: true },
        { type: 'cancel', jobId: 'cli-2', reason: 'duplicate work' },
      ]),
    );
  });

  it('exits 2 when no region is configured', async () => {
    const program = new Command('qm').exitOverride();
    registerStatusCommand(program, { env: {}, write: () => undefined });
    for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(program.parseAsync(['node', 'qm', 'status', 'x'])).rejects.toMatchObject({ exitCode: 2 });
  });
});
