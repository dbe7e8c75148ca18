import { describe, expect, it } from 'vitest';
import { handleEc2Event } from '../../../lambdas/core/use-cases/handle-ec2-event.js';
import { handleJobEvent } from '../../../lambdas/core/use-cases/handle-job-event.js';
import { provisionAllocation } from '../../../lambdas/core/use-cases/provision-allocation.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import {
  intakeAndSolve,
  makeWorld,
  ON_DEMAND_OFFER,
  REGION,
  requestBody,
  runningJob,
  stateChange,
} from './world.js';

const HOUR = 3_600_000;

describe('handleEc2Event', () => {
  it('starts usage on running and moves a gang to RUNNING only once every node runs', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [
      requestBody('job-1', { resources: { gpus: 8, nodes: 2, gpuModels: ['A100-80GB'] } }),
    ]);
    const p = await provisionAllocation(w.provisionDeps, { jobId: 'job-1', allocationId: 'job-1.a1' });
    if (p.kind !== 'provisioned') throw new Error(p.kind);
    const [a, b] = p.instanceIds as [string, string];
    const at = w.clock.now().toISOString();
    expect(await handleEc2Event(w.capacity, stateChange(a, 'running', at))).toMatchObject({ running: false });
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PROVISIONING');
    expect(await handleEc2Event(w.capacity, stateChange(b, 'running', at))).toMatchObject({ running: true });
    const job = await w.ledger.getJob('job-1');
    expect(job?.state).toBe('RUNNING');
    expect(job?.runtime.startedAt).toBe(at);
    expect((await w.ledger.getUsage(a))?.unitPriceUsdPerHour).toBe(12);
  });

  it('is idempotent for a redelivered running event', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const id = instanceIds[0] as string;
    const again = await handleEc2Event(w.capacity, stateChange(id, 'running', w.clock.now().toISOString()));
    expect(again).toMatchObject({ kind: 'usage-started', running: true });
    expect(await w.ledger.listUsageByJob('job-1')).toHaveLength(1);
  });

  it('asks for a retry when an instance runs before its allocation is written', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const job = await w.ledger.getJob('job-1');
    const launched = await w.fleet.launch({
      allocationId: 'job-1.a1',
      jobId: 'job-1',
      offer: {
        offerId: 'x',
        instanceType: 'p4de.24xlarge',
        region: REGION,
        availabilityZone: null,
        purchaseOption: 'spot',
      },
      fallbacks: [],
      nodes: 1,
      launchTemplate: { id: 'lt-0123456789abcdef0', version: '1' },
      tags: {
        'quartermaster:managed-by': 'quartermaster',
        'quartermaster:job-id': 'job-1',
        'quartermaster:allocation-id': 'job-1.a1',
      },
    });
    if (launched.outcome !== 'launched') throw new Error('launch');
    const outcome = await handleEc2Event(
      w.capacity,
      stateChange(launched.instanceIds[0] as string, 'running', w.clock.now().toISOString()),
    );
    expect(outcome.kind).toBe('retry');
    expect(job?.state).toBe('ALLOCATED');
  });

  it('terminates a running managed instance whose job does not hold it', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    await handleJobEvent(w.capacity, { type: 'cancel', jobId: 'job-1', reason: 'test' });
    const launched = await w.fleet.launch({
      allocationId: 'job-1.a9',
      jobId: 'job-1',
      offer: {
        offerId: 'x',
        instanceType: 'p4de.24xlarge',
        region: REGION,
        availabilityZone: null,
        purchaseOption: 'spot',
      },
      fallbacks: [],
      nodes: 1,
      launchTemplate: { id: 'lt-0123456789abcdef0', version: '1' },
      tags: {
        'quartermaster:managed-by': 'quartermaster',
        'quartermaster:job-id': 'job-1',
        'quartermaster:allocation-id': 'job-1.a9',
      },
    });
    if (launched.outcome !== 'launched') throw new Error('launch');
    const id = launched.instanceIds[0] as string;
    expect(instanceIds).not.toContain(id);
    const outcome = await handleEc2Event(w.capacity, stateChange(id, 'running', w.clock.now().toISOString()));
    expect(outcome).toEqual({ kind: 'orphan-terminated', instanceId: id });
    expect(await w.fleet.findByAllocation('job-1.a9')).toHaveLength(0);
  });

  it('stops usage at the stored unit price and settles the budget at the recorded cost', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const id = instanceIds[0] as string;
    w.clock.advance(1.5 * HOUR);
    const done = await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: false });
    expect(done).toMatchObject({
      kind: 'finished',
      state: 'SUCCEEDED',
      terminated: [id],
      budget: 'deferred',
    });
    const stopped = await handleEc2Event(
      w.capacity,
      stateChange(id, 'terminated', w.clock.now().toISOString()),
    );
    expect(stopped).toEqual({ kind: 'usage-stopped', jobId: 'job-1', costUsd: 18, settled: true });
    const reservation = await w.ledger.getReservation('vision', 'job-1.a1');
    expect(reservation).toMatchObject({ status: 'SETTLED', actualUsd: 18 });
    const budget = await w.ledger.getBudget('vision', '2026-03');
    expect(budget).toMatchObject({ reservedUsd: 0, spentUsd: 18 });
  });

  it('interrupts a running job on a spot warning and re-queues it for spot when slack allows', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const id = instanceIds[0] as string;
    const outcome = await handleEc2Event(w.capacity, {
      kind: 'spot-interruption',
      instanceId: id,
      action: 'terminate',
      time: w.clock.now().toISOString(),
      region: REGION,
    });
    expect(outcome).toEqual({ kind: 'interrupted', jobId: 'job-1', onDemandOnly: false });
    const events = (await w.ledger.listEvents('job-1')).map((e) => e.type);
    expect(events.slice(-2)).toEqual(['INTERRUPTED', 'REQUEUED']);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
    expect(await w.fleet.findByAllocation('job-1.a1')).toHaveLength(0);
  });

  it('re-queues an interrupted job on-demand only when its deadline leaves too little slack', async () => {
    const w = await makeWorld();
    // 2 h of work without checkpoints, deadline in 5 h: spot is allowed at first (the slack
    // absorbs one interruption); 2.65 h later an interruption loses everything and 2.35 h are left,
    // less than the work, a 0.2 h changeover and 10 minutes of margin.
    const deadline = new Date(w.clock.now().getTime() + 5 * HOUR).toISOString();
    const { instanceIds } = await runningJob(w, 'job-1', {
      runtime: { estimatedHours: 2, interruptible: true, deadline },
    });
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.purchaseOption).toBe('spot');
    w.clock.advance(2.65 * HOUR);
    const outcome = await handleEc2Event(w.capacity, {
      kind: 'spot-interruption',
      instanceId: instanceIds[0] as string,
      action: 'terminate',
      time: w.clock.now().toISOString(),
      region: REGION,
    });
    expect(outcome).toMatchObject({ kind: 'interrupted', onDemandOnly: true });
    expect((await w.ledger.getJob('job-1'))?.runtime.onDemandOnly).toBe(true);
    await runSolve(w.solveDeps);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
  });

  it('treats a rebalance recommendation as advisory while slack allows waiting', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const outcome = await handleEc2Event(w.capacity, {
      kind: 'rebalance',
      instanceId: instanceIds[0] as string,
      time: w.clock.now().toISOString(),
      region: REGION,
    });
    expect(outcome.kind).toBe('ignored');
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
  });

  it('treats an unannounced termination of a running node as an interruption', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const id = instanceIds[0] as string;
    w.clock.advance(HOUR);
    const outcome = await handleEc2Event(
      w.capacity,
      stateChange(id, 'terminated', w.clock.now().toISOString()),
    );
    expect(outcome).toMatchObject({ kind: 'interrupted', jobId: 'job-1' });
    expect(await w.ledger.getReservation('vision', 'job-1.a1')).toMatchObject({
      status: 'SETTLED',
      actualUsd: 12,
    });
  });

  it('ignores instances it never saw start and other event kinds', async () => {
    const w = await makeWorld();
    expect(
      (
        await handleEc2Event(
          w.capacity,
          stateChange('i-0123456789abcdef0', 'terminated', '2026-03-01T12:00:00Z'),
        )
      ).kind,
    ).toBe('ignored');
    expect(
      (
        await handleEc2Event(
          w.capacity,
          stateChange('i-0123456789abcdef0', 'pending', '2026-03-01T12:00:00Z'),
        )
      ).kind,
    ).toBe('ignored');
    expect((await handleEc2Event(w.capacity, { kind: 'other', detailType: 'AMI State Change' })).kind).toBe(
      'ignored',
    );
  });
});
