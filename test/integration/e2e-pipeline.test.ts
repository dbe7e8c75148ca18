import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { ProducerClient } from '../../lambdas/adapters/producer-client.js';
import { MANAGED_BY_TAG } from '../../lambdas/core/jobs/managed-tags.js';
import type { OutgoingMessage, UsageRecord } from '../../lambdas/core/ports.js';
import { MAX_BATCH_SIZE } from '../../lambdas/core/ports.js';
import { makeHandler as makeEvents } from '../../lambdas/handlers/events.js';
import { makeHandler as makeIntake } from '../../lambdas/handlers/intake.js';
import { quietObservability } from '../../lambdas/handlers/middleware.js';
import { makeHandler as makeProvision } from '../../lambdas/handlers/provision.js';
import { makeHandler as makeReconcile } from '../../lambdas/handlers/reconcile.js';
import { makeHandler as makeSolve } from '../../lambdas/handlers/solve.js';
import { motoClientConfig, resetMoto, TEST_REGION } from '../support/moto.js';
import { lambdaContext } from '../unit/handlers/lambda-fixtures.js';
import { overriding } from '../unit/use-cases/world.js';
import { drain, ec2Envelope, type MotoPipeline, motoPipeline } from './handlers-world.js';

/**
 * The whole pipeline on moto, with every handler run in-process the way Lambda would run it:
 * batches of ten received from moto SQS, the handler called, successes deleted.
 */

const obs = quietObservability();
const TEAMS = ['vision', 'speech', 'ranking'] as const;
const VALID = 80;
const MINUTE = 60_000;
const CRASHED = 'e2e-007';
const INTERRUPTED = ['e2e-011', 'e2e-025', 'e2e-042', 'e2e-063', 'e2e-079'];

const jobId = (i: number) => `e2e-${String(i).padStart(3, '0')}`;
const request = (i: number) =>
  JSON.stringify({
    jobId: jobId(i),
    team: TEAMS[i % TEAMS.length],
    project: `project-${i % 4}`,
    priority: 100 + (i % 3) * 100,
    resources: { gpus: 4, gpuModels: ['A10G'], regions: [TEST_REGION] },
    runtime: { estimatedHours: 0.5, interruptible: true, checkpointMinutes: 10 },
    tags: { 'cost-center': `cc-${i % 5}` },
  });

const MALFORMED: readonly string[] = [
  '{"jobId":"broken-json"',
  'not json at all',
  '{}',
  JSON.stringify({
    jobId: 'bad-team',
    team: 'Vision Team',
    project: 'p',
    resources: { gpus: 1, gpuModels: ['A10G'] },
    runtime: { estimatedHours: 1 },
  }),
  JSON.stringify({
    jobId: 'bad-gpus',
    team: 'vision',
    project: 'p',
    resources: { gpus: 0, gpuModels: ['A10G'] },
    runtime: { estimatedHours: 1 },
  }),
  JSON.stringify({
    jobId: 'bad-model',
    team: 'vision',
    project: 'p',
    resources: { gpus: 1, gpuModels: ['GTX1080'] },
    runtime: { estimatedHours: 1 },
  }),
  JSON.stringify({
    jobId: 'bad-hours',
    team: 'vision',
    project: 'p',
    resources: { gpus: 1, gpuModels: ['A10G'] },
    runtime: { estimatedHours: -1 },
  }),
  JSON.stringify({
    jobId: 'bad-tag',
    team: 'vision',
    project: 'p',
    resources: { gpus: 1, gpuModels: ['A10G'] },
    runtime: { estimatedHours: 1 },
    tags: { 'aws:x': 'y' },
  }),
  JSON.stringify({
    jobId: 'bad-field',
    team: 'vision',
    project: 'p',
    resources: { gpus: 1, gpuModels: ['A10G'] },
    runtime: { estimatedHours: 1 },
    colour: 'red',
  }),
  JSON.stringify({
    jobId: 'bad-region',
    team: 'vision',
    project: 'p',
    resources: { gpus: 1, gpuModels: ['A10G'], regions: ['moon-1'] },
    runtime: { estimatedHours: 1 },
  }),
];

const inBatches = async <T>(items: readonly T[], send: (batch: readonly T[]) => Promise<unknown>) => {
  for (let i = 0; i < items.length; i += MAX_BATCH_SIZE) await send(items.slice(i, i + MAX_BATCH_SIZE));
};

let p: MotoPipeline;

beforeAll(async () => {
  await resetMoto();
  p = await motoPipeline(motoClientConfig(), 'qm-e2e');
});

describe('the pipeline end to end on moto', () => {
  it('runs 100 requests from intake to settled budgets, healing an injected crash without a second launch', async () => {
    const t0 = p.clock.now().getTime();
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();

    // 100 messages: 80 valid, 10 duplicates of them (half caught by FIFO deduplication, half
    // with a fresh deduplication id as from a producer retrying later), 10 malformed. Sized so the
    // whole pipeline on moto takes a few minutes of the CI budget; the counts below scale with it.
    const messages: OutgoingMessage[] = [];
    for (let i = 0; i < VALID; i += 1)
      messages.push({ id: `v${i}`, body: request(i), groupId: jobId(i), deduplicationId: jobId(i) });
    for (let d = 0; d < 10; d += 1) {
      const i = d * 8;
      messages.push({
        id: `d${d}`,
        body: request(i),
        groupId: jobId(i),
        deduplicationId: d % 2 === 0 ? jobId(i) : `${jobId(i)}-retry`,
      });
    }
    for (const [m, body] of MALFORMED.entries()) {
      messages.push({ id: `m${m}`, body, groupId: `malformed-${m}`, deduplicationId: `malformed-${m}` });
    }
    expect(messages).toHaveLength(100);
    const malformedIds: string[] = [];
    await inBatches(messages, async (batch) => {
      const results = await p.queues.send('job-requests', batch);
      for (const r of results) {
        expect(r.ok).toBe(true);
        if (r.ok && r.id.startsWith('m')) malformedIds.push(r.messageId);
      }
    });

    // intake
    const intake = makeIntake({ ledger: p.ledger, clock: p.clock, obs });
    const intook = await drain(p.queues, 'job-requests', intake);
    expect(intook.failed).toBe(0);
    for (const id of malformedIds) {
      const rejection = await p.ledger.getRejection(id);
      expect(rejection?.reason.length).toBeGreaterThan(0);
    }
    expect(malformedIds).toHaveLength(10);

    // solve
    const solve = makeSolve({ ...p.solveDeps, obs });
    expect(await solve({}, lambdaContext())).toMatchObject({ pending: VALID, allocated: VALID, errors: 0 });

    // provision, with a crash between "fleet created" and "state written" for one job
    let crashes = 0;
    const crashingLedger = overriding(p.ledger, {
      transition: async (input) => {
        if (input.jobId === CRASHED && input.to === 'PROVISIONING' && crashes === 0) {
          crashes += 1;
          throw new Error('injected crash after CreateFleet');
        }
        return p.ledger.transition(input);
      },
    });
    const provision = makeProvision({ ...p.provisionDeps, ledger: crashingLedger, obs });
    const provisioned = await drain(p.queues, 'provision', provision);
    expect(provisioned).toEqual({ handled: VALID, failed: 1 });
    expect(p.fleet.created).toBe(VALID);
    expect((await p.ledger.getJob(CRASHED))?.state).toBe('ALLOCATED');

    // EC2 says every instance is running (the crashed job's event is deferred: not PROVISIONING yet)
    const events = makeEvents({ ledger: p.ledger, clock: p.clock, fleetFor: p.fleetFor, obs });
    const sendEvents = (bodies: readonly string[]) =>
      inBatches(bodies, (batch) =>
        p.queues.send(
          'ec2-events',
          batch.map((body, i) => ({ id: `e${i}`, body })),
        ),
      );
    const instances = await p.fleet.findManaged();
    expect(instances).toHaveLength(VALID);
    p.clock.set(at(2));
    await sendEvents(
      instances.map((i) =>
        ec2Envelope(
          'EC2 Instance State-change Notification',
          { 'instance-id': i.instanceId, state: 'running' },
          at(2),
        ),
      ),
    );
    // A short visibility stands in for the queue's, so the deferred event comes back within the test.
    const ran = await drain(p.queues, 'ec2-events', events, { visibilityTimeoutSeconds: 1 });
    expect(ran.failed).toBe(1);
    expect((await p.ledger.listJobsByState('RUNNING', { limit: 1000 })).items).toHaveLength(VALID - 1);

    // reconcile adopts the crashed job's instance instead of launching again
    p.clock.set(at(16));
    const reconcile = makeReconcile({
      ledger: p.ledger,
      clock: p.clock,
      fleetFor: p.fleetFor,
      queues: p.queues,
      messages: p.solveDeps.messages,
      regions: [TEST_REGION],
      stuckAfterMinutes: 15,
      maxRuntimeFactor: 3,
      overrunAction: 'alert',
      obs,
    });
    expect(await reconcile({}, lambdaContext())).toMatchObject({
      adopted: 1,
      orphansTerminated: 0,
      promoted: 1,
      errors: 0,
    });
    expect(p.fleet.created).toBe(VALID);
    await new Promise((r) => setTimeout(r, 1100));
    await drain(p.queues, 'ec2-events', events, { visibilityTimeoutSeconds: 1 });
    const running = await p.ledger.listJobsByState('RUNNING', { limit: 1000 });
    expect(running.items).toHaveLength(VALID);

    // spot interruption warnings for five jobs: terminated, re-queued, re-allocated, relaunched
    p.clock.set(at(20));
    const interruptedInstances: string[] = [];
    for (const id of INTERRUPTED)
      interruptedInstances.push(...((await p.ledger.getJob(id))?.runtime.instanceIds ?? []));
    await sendEvents(
      interruptedInstances.map((id) =>
        ec2Envelope(
          'EC2 Spot Instance Interruption Warning',
          { 'instance-id': id, 'instance-action': 'terminate' },
          at(20),
        ),
      ),
    );
    expect((await drain(p.queues, 'ec2-events', events)).failed).toBe(0);
    for (const id of INTERRUPTED) expect((await p.ledger.getJob(id))?.state).toBe('PENDING');
    p.clock.set(at(21));
    await sendEvents(
      interruptedInstances.map((id) =>
        ec2Envelope(
          'EC2 Instance State-change Notification',
          { 'instance-id': id, state: 'terminated' },
          at(21),
        ),
      ),
    );
    await drain(p.queues, 'ec2-events', events);
    p.clock.set(at(22));
    expect(await solve({}, lambdaContext())).toMatchObject({
      pending: INTERRUPTED.length,
      allocated: INTERRUPTED.length,
    });
    expect(await drain(p.queues, 'provision', makeProvision({ ...p.provisionDeps, obs }))).toEqual({
      handled: 5,
      failed: 0,
    });
    expect(p.fleet.created).toBe(VALID + INTERRUPTED.length);
    const relaunched = (await p.fleet.findManaged()).filter(
      (i) => !instances.some((old) => old.instanceId === i.instanceId),
    );
    await sendEvents(
      relaunched.map((i) =>
        ec2Envelope(
          'EC2 Instance State-change Notification',
          { 'instance-id': i.instanceId, state: 'running' },
          at(23),
        ),
      ),
    );
    await drain(p.queues, 'ec2-events', events);

    // completions arrive through the producer client; EC2 then reports the terminations
    p.clock.set(at(50));
    const producer = new ProducerClient({
      client: createSqsClient(motoClientConfig()),
      urls: { jobRequests: p.urls['job-requests'], jobEvents: p.urls['job-events'] },
    });
    for (let i = 0; i < VALID; i += 1) expect((await producer.complete(jobId(i))).status).toBe('accepted');
    expect((await drain(p.queues, 'job-events', events)).failed).toBe(0);
    const open: UsageRecord[] = [];
    for (let i = 0; i < VALID; i += 1)
      open.push(...(await p.ledger.listUsageByJob(jobId(i))).filter((u) => u.stoppedAt === null));
    p.clock.set(at(51));
    await sendEvents(
      open.map((u) =>
        ec2Envelope(
          'EC2 Instance State-change Notification',
          { 'instance-id': u.instanceId, state: 'terminated' },
          at(51),
        ),
      ),
    );
    expect((await drain(p.queues, 'ec2-events', events)).failed).toBe(0);

    // every valid job ran exactly once per allocation and succeeded with its cost recorded
    for (let i = 0; i < VALID; i += 1) {
      const job = await p.ledger.getJob(jobId(i));
      expect(job?.state).toBe('SUCCEEDED');
      const attempts = INTERRUPTED.includes(jobId(i)) ? 2 : 1;
      expect(job?.attempts).toBe(attempts);
      const usage = await p.ledger.listUsageByJob(jobId(i));
      expect(usage).toHaveLength(attempts);
      for (const u of usage) expect(u.costUsd).toBeGreaterThan(0);
      for (let a = 1; a <= attempts; a += 1) {
        expect((await p.ledger.getReservation(job?.team ?? '', `${jobId(i)}.a${a}`))?.status).toBe('SETTLED');
      }
    }
    // no second job, allocation or fleet for duplicates, nor for the crashed launch
    expect(p.fleet.calls.filter((a) => a.endsWith('.a1'))).toHaveLength(VALID);
    expect(new Set(p.fleet.calls).size).toBe(VALID + INTERRUPTED.length);

    // nothing left running in moto
    const live = await p.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${MANAGED_BY_TAG}`, Values: ['quartermaster'] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    expect((live.Reservations ?? []).flatMap((r) => r.Instances ?? [])).toEqual([]);

    // budgets balance: nothing reserved, spent = Σ usage cost, to the micro-dollar
    for (const team of TEAMS) {
      const usage: UsageRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await p.ledger.listUsageByTeamAndPeriod(team, '2026-03', {
          limit: 100,
          ...(cursor === undefined ? {} : { cursor }),
        });
        usage.push(...page.items);
        cursor = page.cursor;
      } while (cursor !== undefined);
      const micros = usage.reduce((sum, u) => sum + Math.round((u.costUsd ?? 0) * 1_000_000), 0);
      const budget = await p.ledger.getBudget(team, '2026-03');
      expect(budget?.reservedUsd).toBe(0);
      expect(Math.round((budget?.spentUsd ?? 0) * 1_000_000)).toBe(micros);
      expect(micros).toBeGreaterThan(0);
    }
  }, 900_000);
});
