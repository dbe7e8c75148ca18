import { describe, expect, it } from 'vitest';
import { LaunchInProgressError } from '../../../lambdas/core/errors.js';
import { ALLOCATION_ID_TAG, JOB_ID_TAG, MANAGED_BY_TAG } from '../../../lambdas/core/jobs/managed-tags.js';
import { provisionAllocation } from '../../../lambdas/core/use-cases/provision-allocation.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { intakeAndSolve, makeWorld, ON_DEMAND_OFFER, requestBody, SPOT_OFFER } from './world.js';

const allocated = { jobId: 'job-1', allocationId: 'job-1.a1' };

describe('provisionAllocation', () => {
  it('launches the allocation with managed tags and records PROVISIONING with the instance ids', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1', { tags: { 'cost-center': 'cv-7' } })]);
    const outcome = await provisionAllocation(w.provisionDeps, allocated);
    expect(outcome.kind).toBe('provisioned');
    const job = await w.ledger.getJob('job-1');
    expect(job?.state).toBe('PROVISIONING');
    const [instance] = await w.fleet.findByAllocation('job-1.a1');
    expect(job?.runtime.instanceIds).toEqual([instance?.instanceId]);
    expect(instance?.tags).toMatchObject({
      [MANAGED_BY_TAG]: 'quartermaster',
      [JOB_ID_TAG]: 'job-1',
      [ALLOCATION_ID_TAG]: 'job-1.a1',
      'quartermaster:cost-center': 'cv-7',
    });
  });

  it('never launches twice for a redelivered message', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    await provisionAllocation(w.provisionDeps, allocated);
    const again = await provisionAllocation(w.provisionDeps, allocated);
    expect(again.kind).toBe('already-provisioned');
    expect(w.fleet.launchCalls).toBe(1);
  });

  it('launches once for ten concurrent deliveries: one wins the launch claim, the others wait or adopt', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => provisionAllocation(w.provisionDeps, allocated)),
    );
    expect(w.fleet.launchCalls).toBe(1);
    expect(await w.fleet.findByAllocation('job-1.a1')).toHaveLength(1);
    expect(
      outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'provisioned').length,
    ).toBeGreaterThan(0);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PROVISIONING');
  });

  it('leaves an allocation whose claim is held and nothing is tagged yet for a later delivery', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    await w.ledger.claimLaunch({ ...allocated, at: w.clock.now().toISOString(), leaseSeconds: 300 });
    await expect(provisionAllocation(w.provisionDeps, allocated)).rejects.toThrow(LaunchInProgressError);
    expect(w.fleet.launchCalls).toBe(0);
    // The holder never came back: once its lease is over, a delivery takes the launch over.
    w.clock.advance(301_000);
    expect((await provisionAllocation(w.provisionDeps, allocated)).kind).toBe('provisioned');
    expect(w.fleet.launchCalls).toBe(1);
  });

  it('reuses instances found by tag after a crash between launch and the state write', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const { overriding } = await import('./world.js');
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
    await expect(provisionAllocation({ ...w.provisionDeps, ledger: crashing }, allocated)).rejects.toThrow(
      /crash/,
    );
    const retried = await provisionAllocation({ ...w.provisionDeps, ledger: crashing }, allocated);
    expect(retried).toMatchObject({ kind: 'provisioned', reused: true });
    expect(w.fleet.launchCalls).toBe(1);
  });

  it('marks an offer without capacity unavailable, puts the job back to PENDING and releases its budget', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    w.fleet.failOffers([SPOT_OFFER]);
    const outcome = await provisionAllocation(w.provisionDeps, allocated);
    expect(outcome).toMatchObject({ kind: 'requeued', offerIds: [SPOT_OFFER] });
    const job = await w.ledger.getJob('job-1');
    expect(job?.state).toBe('PENDING');
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('RELEASED');
    expect((await w.ledger.getBudget('vision', '2026-03'))?.reservedUsd).toBe(0);
    const unavailable = await w.ledger.listUnavailableOffers(w.clock.now().toISOString());
    expect(unavailable.map((u) => u.offerId)).toEqual([SPOT_OFFER]);
    expect(unavailable[0]?.until).toBe('2026-03-01T12:05:00.000Z');
    // The next solve picks another offer, under a new allocation id.
    const next = await runSolve(w.solveDeps);
    expect(next.allocated).toEqual([{ jobId: 'job-1', allocationId: 'job-1.a2' }]);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
  });

  it('fails the job when no launch template is known', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const { defaultLaunchTemplate: _, ...deps } = w.provisionDeps;
    const outcome = await provisionAllocation(deps, allocated);
    expect(outcome.kind).toBe('failed');
    expect((await w.ledger.getJob('job-1'))?.state).toBe('FAILED');
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('RELEASED');
    expect(w.fleet.launchCalls).toBe(0);
  });

  it('ignores a message for an allocation the job no longer holds, releasing its reservation', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const job = await w.ledger.getJob('job-1');
    if (job === undefined) throw new Error('no job');
    await w.ledger.transition({ jobId: 'job-1', expectedVersion: job.version, to: 'PENDING', data: {} });
    const outcome = await provisionAllocation(w.provisionDeps, allocated);
    expect(outcome.kind).toBe('stale');
    expect(w.fleet.launchCalls).toBe(0);
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('RELEASED');
  });

  it('ignores a message for an unknown job', async () => {
    const w = await makeWorld();
    expect((await provisionAllocation(w.provisionDeps, allocated)).kind).toBe('stale');
  });
});
