import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALLOCATION_ID_TAG, MANAGED_BY_TAG } from '../../lambdas/core/jobs/managed-tags.js';
import { makeHandler as makeIntake } from '../../lambdas/handlers/intake.js';
import { quietObservability } from '../../lambdas/handlers/middleware.js';
import { makeHandler as makeProvision } from '../../lambdas/handlers/provision.js';
import { makeHandler as makeSolve } from '../../lambdas/handlers/solve.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';
import { lambdaContext } from '../unit/handlers/lambda-fixtures.js';
import { drain, type MotoPipeline, motoPipeline } from './handlers-world.js';

const obs = quietObservability();
let n = 0;
let p: MotoPipeline;

const request = (jobId: string, team = 'vision') =>
  JSON.stringify({
    jobId,
    team,
    project: 'detector',
    resources: { gpus: 4, gpuModels: ['A10G'], regions: ['us-east-1'] },
    runtime: { estimatedHours: 0.5, interruptible: true, checkpointMinutes: 10 },
  });

beforeAll(async () => {
  await resetMoto();
});

beforeEach(async () => {
  n += 1;
  p = await motoPipeline(motoClientConfig(), `qm-h${n}`);
});

describe('handlers on moto', () => {
  it('intake stores valid requests and rejects a malformed one without failing the batch', async () => {
    await p.queues.send('job-requests', [
      { id: 'a', body: request('job-1'), groupId: 'job-1', deduplicationId: 'job-1' },
      { id: 'b', body: '{"jobId":"bad"', groupId: 'bad', deduplicationId: 'bad' },
      { id: 'c', body: request('job-2'), groupId: 'job-2', deduplicationId: 'job-2' },
    ]);
    const intake = makeIntake({ ledger: p.ledger, clock: p.clock, obs });
    const result = await drain(p.queues, 'job-requests', intake);
    expect(result).toEqual({ handled: 3, failed: 0 });
    expect((await p.ledger.listJobsByState('PENDING')).items.map((j) => j.jobId).sort()).toEqual([
      'job-1',
      'job-2',
    ]);
    expect(await p.queues.receive('job-requests-dlq')).toEqual([]);
  });

  it('solve allocates on the bundled price book and queues provision messages', async () => {
    const intake = makeIntake({ ledger: p.ledger, clock: p.clock, obs });
    await p.queues.send('job-requests', [
      { id: 'a', body: request('job-1'), groupId: 'job-1', deduplicationId: 'job-1' },
    ]);
    await drain(p.queues, 'job-requests', intake);
    const summary = await makeSolve({ ...p.solveDeps, obs })({}, lambdaContext());
    expect(summary).toMatchObject({ pending: 1, allocated: 1, errors: 0 });
    expect(summary.priceBookId).toMatch(/^static-/);
    const job = await p.ledger.getJob('job-1');
    expect(job?.state).toBe('ALLOCATED');
    expect(job?.allocation?.allocation.instanceType).toMatch(/^g5\./);
    const [message] = await p.queues.receive('provision');
    expect(JSON.parse(message?.body ?? '{}')).toEqual({ jobId: 'job-1', allocationId: 'job-1.a1' });
  });

  it('provision launches tagged instances in moto EC2 once, even when the message is delivered twice', async () => {
    const intake = makeIntake({ ledger: p.ledger, clock: p.clock, obs });
    await p.queues.send('job-requests', [
      { id: 'a', body: request('job-1'), groupId: 'job-1', deduplicationId: 'job-1' },
    ]);
    await drain(p.queues, 'job-requests', intake);
    await makeSolve({ ...p.solveDeps, obs })({}, lambdaContext());
    const provision = makeProvision({ ...p.provisionDeps, obs });
    expect(await drain(p.queues, 'provision', provision)).toEqual({ handled: 1, failed: 0 });
    // A second delivery of the same allocation (SQS is at-least-once).
    await p.queues.send('provision', [
      {
        id: 'x',
        body: JSON.stringify({ jobId: 'job-1', allocationId: 'job-1.a1' }),
        groupId: 'job-1',
        deduplicationId: 'again',
      },
    ]);
    await drain(p.queues, 'provision', provision);
    expect(p.fleet.created).toBe(1);
    const job = await p.ledger.getJob('job-1');
    expect(job?.state).toBe('PROVISIONING');
    const described = await p.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: `tag:${ALLOCATION_ID_TAG}`, Values: ['job-1.a1'] }] }),
    );
    const instances = (described.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(instances.map((i) => i.InstanceId)).toEqual(job?.runtime.instanceIds);
    const tags = Object.fromEntries((instances[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags[MANAGED_BY_TAG]).toBe('quartermaster');
  });
});
