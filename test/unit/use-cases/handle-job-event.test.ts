import { describe, expect, it } from 'vitest';
import { handleEc2Event } from '../../../lambdas/core/use-cases/handle-ec2-event.js';
import { handleJobEvent } from '../../../lambdas/core/use-cases/handle-job-event.js';
import { intakeAndSolve, makeWorld, requestBody, runningJob, stateChange } from './world.js';

describe('handleJobEvent', () => {
  it('ends a running job SUCCEEDED, terminating its instances', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const outcome = await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: false });
    expect(outcome).toMatchObject({ kind: 'finished', state: 'SUCCEEDED', terminated: instanceIds });
    expect(await w.fleet.findManaged()).toHaveLength(0);
    expect((await w.ledger.getJob('job-1'))?.runtime.finishedAt).toBe(w.clock.now().toISOString());
  });

  it('ends a running job FAILED when the workload failed', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1');
    const outcome = await handleJobEvent(w.capacity, {
      type: 'complete',
      jobId: 'job-1',
      failed: true,
      reason: 'OOM',
    });
    expect(outcome).toMatchObject({ state: 'FAILED' });
    expect((await w.ledger.getJob('job-1'))?.runtime.reason).toBe('OOM');
  });

  it('changes nothing on a second completion', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1');
    await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: false });
    const events = (await w.ledger.listEvents('job-1')).length;
    const again = await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: true });
    expect(again).toEqual({ kind: 'already-final', jobId: 'job-1', state: 'SUCCEEDED' });
    expect(await w.ledger.listEvents('job-1')).toHaveLength(events);
  });

  it('passes through RUNNING when a completion overtakes the running events', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const { provisionAllocation } = await import('../../../lambdas/core/use-cases/provision-allocation.js');
    await provisionAllocation(w.provisionDeps, { jobId: 'job-1', allocationId: 'job-1.a1' });
    await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: false });
    expect((await w.ledger.listEvents('job-1')).map((e) => e.type).slice(-2)).toEqual([
      'RUNNING',
      'SUCCEEDED',
    ]);
    // It never ran as far as the ledger knows: nothing to settle, the reservation is released.
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('RELEASED');
  });

  it('cancels a pending job without touching any budget', async () => {
    const w = await makeWorld();
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(w, { messageId: 'm', body: requestBody('job-1') });
    const outcome = await handleJobEvent(w.capacity, {
      type: 'cancel',
      jobId: 'job-1',
      reason: 'not needed',
    });
    expect(outcome).toMatchObject({ state: 'CANCELLED', budget: 'no-reservation' });
  });

  it('cancels an allocated job and releases its reservation', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const outcome = await handleJobEvent(w.capacity, {
      type: 'cancel',
      jobId: 'job-1',
      reason: 'not needed',
    });
    expect(outcome).toMatchObject({ state: 'CANCELLED', budget: 'released' });
    expect((await w.ledger.getBudget('vision', '2026-03'))?.reservedUsd).toBe(0);
  });

  it('settles a cancelled running job once its instances have stopped', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    w.clock.advance(3_600_000);
    await handleJobEvent(w.capacity, { type: 'cancel', jobId: 'job-1', reason: 'owner' });
    await handleEc2Event(
      w.capacity,
      stateChange(instanceIds[0] as string, 'shutting-down', w.clock.now().toISOString()),
    );
    expect(await w.ledger.getReservation('vision', 'job-1.a1')).toMatchObject({
      status: 'SETTLED',
      actualUsd: 12,
    });
  });

  it('refuses a completion for a job that never started and for an unknown job', async () => {
    const w = await makeWorld();
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(w, { messageId: 'm', body: requestBody('job-1') });
    expect(
      await handleJobEvent(w.capacity, { type: 'complete', jobId: 'job-1', failed: false }),
    ).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/PENDING cannot succeed/),
    });
    expect((await handleJobEvent(w.capacity, { type: 'complete', jobId: 'nope', failed: false })).kind).toBe(
      'refused',
    );
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
  });
});
