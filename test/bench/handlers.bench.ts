/**
 * Handler cost per message, and end-to-end throughput on moto.
 *
 *   npm run bench:handlers [-- --messages N] [-- --jobs N]
 *
 * 1. Intake CPU per message on the in-memory adapters (process.cpuUsage over N messages in SQS
 *    batches of ten), next to an empty handler with the same middleware and batch loop, and next
 *    to parsing alone: the ratios say where intake's CPU goes.
 * 2. Jobs and SQS messages per second through every handler (intake, solve, provision, EC2 and job
 *    events) on a moto_server the script starts itself with the integration harness.
 *
 * A benchmark, not a test: it prints figures and exits 0; moto's speed depends on the machine.
 */
import type { SQSEvent } from 'aws-lambda';
import { InMemoryLedger } from '../../lambdas/adapters/in-memory-ledger.js';
import { parseJobRequestText } from '../../lambdas/core/jobs/job-request.js';
import { makeHandler as makeEvents } from '../../lambdas/handlers/events.js';
import { makeHandler as makeIntake } from '../../lambdas/handlers/intake.js';
import { processSqsBatch, quietObservability, withObservability } from '../../lambdas/handlers/middleware.js';
import { makeHandler as makeProvision } from '../../lambdas/handlers/provision.js';
import { makeHandler as makeSolve } from '../../lambdas/handlers/solve.js';
import { drain, ec2Envelope, motoPipeline } from '../integration/handlers-world.js';
import { FakeClock } from '../support/fake-clock.js';
import startMoto from '../support/moto-global-setup.js';
import { lambdaContext } from '../unit/handlers/lambda-fixtures.js';

const argument = (flag: string, fallback: number): number => {
  const index = process.argv.indexOf(flag);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a whole number ≥ 1`);
  return value;
};

const MESSAGES = argument('--messages', 5000);
const JOBS = argument('--jobs', 50);
const obs = quietObservability('bench');
const context = lambdaContext('bench');

const body = (i: number) =>
  JSON.stringify({
    jobId: `bench-${i}`,
    team: ['vision', 'speech', 'ranking'][i % 3],
    project: 'bench',
    resources: { gpus: 4, gpuModels: ['A10G'], regions: ['us-east-1'] },
    runtime: { estimatedHours: 0.5, interruptible: true, checkpointMinutes: 10 },
  });

const batches = (n: number, offset: number): SQSEvent[] => {
  const events: SQSEvent[] = [];
  for (let start = 0; start < n; start += 10) {
    const records = [];
    for (let i = start; i < Math.min(n, start + 10); i += 1) {
      records.push({
        messageId: `m-${offset + i}`,
        receiptHandle: `r-${offset + i}`,
        body: body(offset + i),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'bench',
          ApproximateFirstReceiveTimestamp: '0',
          MessageGroupId: `bench-${offset + i}`,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:bench.fifo',
        awsRegion: 'us-east-1',
      });
    }
    events.push({ Records: records });
  }
  return events;
};

/** CPU microseconds (user + system) per message of running `run` over every batch. */
const cpuPerMessage = async (events: readonly SQSEvent[], run: (e: SQSEvent) => Promise<unknown>) => {
  const messages = events.reduce((n, e) => n + e.Records.length, 0);
  const before = process.cpuUsage();
  for (const e of events) await run(e);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / messages;
};

const cpuFigures = async () => {
  const empty = withObservability(obs, (event: SQSEvent) =>
    processSqsBatch(event, obs, async () => undefined),
  );
  const parseOnly = withObservability(obs, (event: SQSEvent) =>
    processSqsBatch(event, obs, async (r) => {
      parseJobRequestText(r.body);
    }),
  );
  const clock = new FakeClock();
  const intake = makeIntake({ ledger: new InMemoryLedger({ clock }), clock, obs });
  // Warm up the JIT and the modules before measuring.
  for (const e of batches(500, 10_000_000)) {
    await empty(e, context);
    await parseOnly(e, context);
    await intake(e, context);
  }
  const events = batches(MESSAGES, 0);
  const emptyUs = await cpuPerMessage(events, (e) => empty(e, context));
  const parseUs = await cpuPerMessage(events, (e) => parseOnly(e, context));
  const intakeUs = await cpuPerMessage(events, (e) => intake(e, context));
  return { emptyUs, parseUs, intakeUs };
};

const throughput = async () => {
  // The integration harness starts moto on a free loopback port and stops it on teardown.
  let endpoint = '';
  const stop = await startMoto({
    config: { root: process.cwd() },
    provide: (_key: string, value: string) => {
      endpoint = value;
    },
  } as never);
  try {
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    const p = await motoPipeline({ region: 'us-east-1', endpoint, maxAttempts: 1 }, 'qm-bench');
    const started = performance.now();
    let messages = 0;
    for (let i = 0; i < JOBS; i += 10) {
      await p.queues.send(
        'job-requests',
        Array.from({ length: Math.min(10, JOBS - i) }, (_, k) => ({
          id: `b${k}`,
          body: body(i + k),
          groupId: `bench-${i + k}`,
          deduplicationId: `bench-${i + k}`,
        })),
      );
    }
    messages += (await drain(p.queues, 'job-requests', makeIntake({ ledger: p.ledger, clock: p.clock, obs })))
      .handled;
    await makeSolve({ ...p.solveDeps, obs })({}, context);
    messages += (await drain(p.queues, 'provision', makeProvision({ ...p.provisionDeps, obs }))).handled;
    const events = makeEvents({ ledger: p.ledger, clock: p.clock, fleetFor: p.fleetFor, obs });
    const instances = await p.fleet.findManaged();
    const now = p.clock.now().toISOString();
    const sendAll = async (bodies: string[]) => {
      for (let i = 0; i < bodies.length; i += 10)
        await p.queues.send(
          'ec2-events',
          bodies.slice(i, i + 10).map((b, k) => ({ id: `e${k}`, body: b })),
        );
    };
    await sendAll(
      instances.map((x) =>
        ec2Envelope(
          'EC2 Instance State-change Notification',
          { 'instance-id': x.instanceId, state: 'running' },
          now,
        ),
      ),
    );
    messages += (await drain(p.queues, 'ec2-events', events)).handled;
    p.clock.advance(30 * 60_000);
    for (let i = 0; i < JOBS; i += 10) {
      await p.queues.send(
        'job-events',
        Array.from({ length: Math.min(10, JOBS - i) }, (_, k) => ({
          id: `c${k}`,
          body: JSON.stringify({ type: 'complete', jobId: `bench-${i + k}` }),
        })),
      );
    }
    messages += (await drain(p.queues, 'job-events', events)).handled;
    const later = p.clock.now().toISOString();
    await sendAll(
      instances.map((x) =>
        ec2Envelope(
          'EC2 Instance State-change Notification',
          { 'instance-id': x.instanceId, state: 'terminated' },
          later,
        ),
      ),
    );
    messages += (await drain(p.queues, 'ec2-events', events)).handled;
    const seconds = (performance.now() - started) / 1000;
    const succeeded = (await p.ledger.listJobsByState('SUCCEEDED', { limit: 1000 })).items.length;
    return { seconds, messages, succeeded };
  } finally {
    await stop();
  }
};

const main = async () => {
  const cpu = await cpuFigures();
  const row = (name: string, us: number) =>
    `${name.padEnd(34)} ${us.toFixed(1).padStart(10)} ${(us / cpu.emptyUs).toFixed(1).padStart(8)}×`;
  process.stdout.write(
    `Intake CPU per message (in-memory adapters, ${MESSAGES} messages in batches of 10)\n` +
      `${'handler'.padEnd(34)} ${'µs/msg'.padStart(10)} ${'vs empty'.padStart(9)}\n` +
      `${row('empty handler (middleware + loop)', cpu.emptyUs)}\n` +
      `${row('parse + validate only', cpu.parseUs)}\n` +
      `${row('intake (parse + ledger write)', cpu.intakeUs)}\n\n`,
  );
  const e2e = await throughput();
  process.stdout.write(
    `End to end on moto (${JOBS} jobs: intake, solve, provision, running, completion, terminated)\n` +
      `${'wall time'.padEnd(34)} ${e2e.seconds.toFixed(1).padStart(10)} s\n` +
      `${'SQS messages handled'.padEnd(34)} ${String(e2e.messages).padStart(10)}\n` +
      `${'messages per second'.padEnd(34)} ${(e2e.messages / e2e.seconds).toFixed(1).padStart(10)}\n` +
      `${'jobs per second (full lifecycle)'.padEnd(34)} ${(e2e.succeeded / e2e.seconds).toFixed(2).padStart(10)}\n` +
      `${'jobs SUCCEEDED'.padEnd(34)} ${String(e2e.succeeded).padStart(10)}\n`,
  );
};

await main();
