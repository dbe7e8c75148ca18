import { describe, expect, it } from 'vitest';
import { handleEc2Event } from '../../../lambdas/core/use-cases/handle-ec2-event.js';
import { handleJobEvent } from '../../../lambdas/core/use-cases/handle-job-event.js';
import { interruptJob } from '../../../lambdas/core/use-cases/job-capacity.js';
import { provisionAllocation } from '../../../lambdas/core/use-cases/provision-allocation.js';
import { reconcile } from '../../../lambdas/core/use-cases/reconcile.js';
import {
  intakeAndSolve,
  makeWorld,
  overriding,
  reconcileDeps,
  requestBody,
  runningJob,
  stateChange,
} from './world.js';

const MINUTE = 60_000;

const deps = reconcileDeps;

describe('reconcile', () => {
  it('adopts instances launched before a crash, without launching again, and promotes the job', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    let crashed = false;
    const crashing = overriding(w.ledger, {
      transition: async (input) => {
        if (!crashed) {
          crashed = true;
          throw new Error('crash after launch');
        }
        return w.ledger.transition(input);
      },
    });
    await expect(
      provisionAllocation(
        { ...w.provisionDeps, ledger: crashing },
        { jobId: 'job-1', allocationId: 'job-1.a1' },
      ),
    ).rejects.toThrow(/crash/);
    w.clock.advance(16 * MINUTE);
    const report = await reconcile(deps(w));
    expect(report.adopted.map((a) => a.jobId)).toEqual(['job-1']);
    expect(report.promoted).toEqual(['job-1']);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
    expect(w.fleet.launchCalls).toBe(1);
    expect(report.orphansTerminated).toEqual([]);
  });

  it('re-sends the provision message of an allocation stuck without instances, then releases it', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    await w.queues.receive('provision');
    w.clock.advance(16 * MINUTE);
    const first = await reconcile(deps(w));
    expect(first.resent).toEqual([{ jobId: 'job-1', allocationId: 'job-1.a1' }]);
    w.clock.advance(30 * MINUTE);
    const later = await reconcile(deps(w));
    expect(later.released.map((r) => r.jobId)).toEqual(['job-1']);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('RELEASED');
  });

  it('terminates managed instances whose job has finished', async () => {
    const w = await makeWorld();
    const { allocationId } = await runningJob(w, 'job-1');
    const job = await w.ledger.getJob('job-1');
    if (job === undefined) throw new Error('no job');
    // The job ends but its instances are not terminated (a crash after the state write).
    await w.ledger.transition({ jobId: 'job-1', expectedVersion: job.version, to: 'SUCCEEDED', data: {} });
    const report = await reconcile(deps(w));
    expect(report.orphansTerminated).toHaveLength(1);
    expect(report.orphansTerminated[0]?.reason).toMatch(/SUCCEEDED/);
    expect(await w.fleet.findByAllocation(allocationId)).toHaveLength(0);
  });

  it('reports a job running past its expected hours × factor, and terminates it under the terminate policy', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1');
    w.clock.advance(10 * 3_600_000);
    const alert = await reconcile(deps(w));
    expect(alert.overruns).toMatchObject([{ jobId: 'job-1', action: 'alert' }]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
    const acted = await reconcile(deps(w, { overrunAction: 'terminate' }));
    expect(acted.overruns).toMatchObject([{ jobId: 'job-1', action: 'terminated' }]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('FAILED');
    expect(await w.fleet.findManaged()).toHaveLength(0);
  });

  it('moves a spot job to on-demand once its slack would not last to the next run, keeping its checkpoints', async () => {
    const w = await makeWorld();
    const submitted = w.clock.now().getTime();
    // 2 h of work, hourly half-hour checkpoints, deadline 3 h out: spot is allowed at first.
    const deadline = new Date(submitted + 3 * 60 * MINUTE).toISOString();
    const { allocationId } = await runningJob(w, 'job-1', {
      submittedAt: new Date(submitted).toISOString(),
      runtime: { estimatedHours: 2, interruptible: true, checkpointMinutes: 30, deadline },
    });
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.purchaseOption).toBe('spot');
    // 60 min in: 48 min of work after the 0.2 h overhead, one checkpoint kept, 1.5 h left to do
    // in 2 h, more than 1.5 h + 0.2 h changeover + two 5-minute runs of margin.
    w.clock.advance(60 * MINUTE);
    expect((await reconcile(deps(w))).deadlineMoves).toEqual([]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
    // 70 min in: 1 h 50 min left, under 1 h 52 min: move now, while on-demand can still make it.
    w.clock.advance(10 * MINUTE);
    const report = await reconcile(deps(w));
    expect(report.deadlineMoves).toEqual(['job-1']);
    const job = await w.ledger.getJob('job-1');
    expect(job?.state).toBe('PENDING');
    expect(job?.runtime.onDemandOnly).toBe(true);
    expect(job?.runtime.workDoneHours).toBe(0.5);
    expect(await w.fleet.findByAllocation(allocationId)).toHaveLength(0);
    const events = await w.ledger.listEvents('job-1');
    const interrupted = events.find((e) => e.type === 'INTERRUPTED');
    expect((interrupted?.data.detail as { reason?: string } | undefined)?.reason).toMatch(/^deadline:/);
    // The next solve places it on-demand.
    const { runSolve } = await import('../../../lambdas/core/use-cases/run-solve.js');
    const solved = await runSolve(w.solveDeps);
    expect(solved.allocated.map((a) => a.jobId)).toEqual(['job-1']);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.purchaseOption).toBe('on-demand');
  });

  it('leaves healthy jobs alone', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1');
    await intakeAndSolve(w, [requestBody('job-2')]);
    const report = await reconcile(deps(w));
    expect(report).toMatchObject({
      orphansTerminated: [],
      adopted: [],
      resent: [],
      released: [],
      overruns: [],
      deadlineMoves: [],
      errors: [],
    });
    await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: false });
  });

  it('closes the usage of an instance whose terminated event was lost, and requeues its job', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const [instanceId] = instanceIds;
    if (instanceId === undefined) throw new Error('no instance');
    // EC2 took the instance away and the event never reached the queue.
    await w.fleet.terminate(instanceIds);
    w.clock.advance(5 * MINUTE);
    // Too young to tell from EC2's eventual consistency: nothing yet.
    expect((await reconcile(deps(w))).lostInstances).toEqual([]);
    w.clock.advance(15 * MINUTE);
    const report = await reconcile(deps(w));
    const seen = w.clock.now().toISOString();
    expect(report.lostInstances).toEqual([{ jobId: 'job-1', instanceId, stoppedAt: seen }]);
    const usage = await w.ledger.getUsage(instanceId);
    expect(usage?.stoppedAt).toBe(seen);
    expect(usage?.costUsd).toBeGreaterThan(0);
    const job = await w.ledger.getJob('job-1');
    expect(job?.state).toBe('PENDING');
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('SETTLED');
    // Healed once: the next run finds nothing left to close.
    expect((await reconcile(deps(w))).lostInstances).toEqual([]);
  });

  it('finishes an interruption whose handler died between INTERRUPTED and the requeue', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const job = await w.ledger.getJob('job-1');
    if (job === undefined) throw new Error('no job');
    let writes = 0;
    const dying = overriding(w.ledger, {
      transition: async (input) => {
        writes += 1;
        if (writes === 2) throw new Error('crash before the requeue');
        return w.ledger.transition(input);
      },
    });
    await expect(
      interruptJob({ ...w.capacity, ledger: dying }, job, 'spot interruption warning (terminate)', {
        instanceId: instanceIds[0] ?? '',
      }),
    ).rejects.toThrow(/crash/);
    for (const id of instanceIds)
      await handleEc2Event(w.capacity, stateChange(id, 'terminated', w.clock.now().toISOString()));
    expect((await w.ledger.getJob('job-1'))?.state).toBe('INTERRUPTED');
    w.clock.advance(16 * MINUTE);
    const report = await reconcile(deps(w));
    expect(report.requeuedInterruptions).toEqual(['job-1']);
    const after = await w.ledger.getJob('job-1');
    expect(after?.state).toBe('PENDING');
    expect(after?.runtime.reason).toBe('spot interruption warning (terminate)');
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).not.toBe('RESERVED');
    expect((await reconcile(deps(w))).requeuedInterruptions).toEqual([]);
  });

  it('closes the interval a warned instance left open when its terminated event was lost and the job moved on', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const [instanceId] = instanceIds;
    const job = await w.ledger.getJob('job-1');
    if (instanceId === undefined || job === undefined) throw new Error('no job');
    // The warning requeues the job at once; the instance goes two minutes later, unseen.
    await interruptJob(w.capacity, job, 'spot interruption warning (terminate)', { instanceId });
    const warnedAt = Date.parse(w.clock.now().toISOString());
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
    await w.fleet.terminate(instanceIds);
    w.clock.advance(20 * MINUTE);
    const report = await reconcile(deps(w));
    const stoppedAt = new Date(warnedAt + 2 * MINUTE).toISOString();
    expect(report.lostInstances).toEqual([{ jobId: 'job-1', instanceId, stoppedAt }]);
    expect((await w.ledger.getUsage(instanceId))?.stoppedAt).toBe(stoppedAt);
    // The job stays where it was: the interval belonged to an allocation it had left.
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
    expect((await reconcile(deps(w))).lostInstances).toEqual([]);
  });

  it('moves on a RUNNING job whose intervals were closed by a handler that stopped before the transition', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const [instanceId] = instanceIds;
    if (instanceId === undefined) throw new Error('no instance');
    await w.fleet.terminate(instanceIds);
    // The terminated event closed the usage, then the handler died before interrupting the job.
    const dying = overriding(w.ledger, {
      transition: async () => {
        throw new Error('crash after closing the usage');
      },
    });
    await expect(
      handleEc2Event(
        { ...w.capacity, ledger: dying },
        stateChange(instanceId, 'terminated', w.clock.now().toISOString()),
      ),
    ).rejects.toThrow(/crash/);
    const stoppedAt = (await w.ledger.getUsage(instanceId))?.stoppedAt;
    expect(stoppedAt).not.toBeNull();
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
    w.clock.advance(5 * MINUTE);
    expect((await reconcile(deps(w))).lostInstances).toEqual([]);
    w.clock.advance(15 * MINUTE);
    const report = await reconcile(deps(w));
    expect(report.lostInstances).toEqual([{ jobId: 'job-1', instanceId, stoppedAt }]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
    expect((await w.ledger.getUsage(instanceId))?.stoppedAt).toBe(stoppedAt);
    expect((await reconcile(deps(w))).lostInstances).toEqual([]);
  });
});
