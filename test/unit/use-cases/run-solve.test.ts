import { describe, expect, it } from 'vitest';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { intakeAndSolve, makeWorld, ON_DEMAND_OFFER, overriding, requestBody, SPOT_OFFER } from './world.js';

describe('runSolve', () => {
  it('does nothing when no job is pending', async () => {
    const w = await makeWorld();
    const report = await runSolve(w.solveDeps);
    expect(report).toMatchObject({ pending: 0, allocated: [], priceBookId: null });
  });

  it('allocates pending jobs, reserves their budget and queues one provision message each', async () => {
    const w = await makeWorld();
    const report = await intakeAndSolve(w, [requestBody('job-1'), requestBody('job-2')]);
    expect(report.allocated.map((a) => a.allocationId).sort()).toEqual(['job-1.a1', 'job-2.a1']);
    const job = await w.ledger.getJob('job-1');
    expect(job?.state).toBe('ALLOCATED');
    expect(job?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
    const budget = await w.ledger.getBudget('vision', '2026-03');
    expect(budget?.reservedUsd).toBeGreaterThan(0);
    expect(budget?.limitUsd).toBe(10_000);
    const sent = await w.queues.receive('provision');
    expect(sent.map((m) => JSON.parse(m.body))).toContainEqual({ jobId: 'job-1', allocationId: 'job-1.a1' });
    expect(report.priceBookSource).toBe('fallback');
  });

  it('stores the decision record in the ALLOCATED event', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const allocated = (await w.ledger.listEvents('job-1')).find((e) => e.type === 'ALLOCATED');
    expect(allocated?.data).toMatchObject({
      allocationId: 'job-1.a1',
      decision: { jobId: 'job-1', priceBookId: 'test-book' },
    });
  });

  it('never allocates a job twice across solves', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const second = await runSolve(w.solveDeps);
    expect(second.pending).toBe(0);
    expect((await w.ledger.getJob('job-1'))?.attempts).toBe(1);
  });

  it('leaves a job waiting when its team budget cannot cover it', async () => {
    const poor = await makeWorld();
    const deps = { ...poor.solveDeps, budgets: { defaultMonthlyUsd: 1, teams: new Map() } };
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(poor, { messageId: 'm', body: requestBody('job-9') });
    const waiting = await runSolve(deps);
    expect(waiting.allocated).toHaveLength(0);
    expect(waiting.waiting[0]?.binding.kind).toBe('budget');
    expect((await poor.ledger.getJob('job-9'))?.state).toBe('PENDING');
  });

  it('counts vCPUs held by live allocations against the quota', async () => {
    const w = await makeWorld();
    const quotas = { defaultVcpus: 96, limits: new Map<string, number>() };
    const deps = { ...w.solveDeps, quotas };
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(w, { messageId: 'a', body: requestBody('job-1') });
    expect((await runSolve(deps)).allocated).toHaveLength(1);
    await intakeMessage(w, { messageId: 'b', body: requestBody('job-2') });
    expect((await runSolve(deps)).allocated).toHaveLength(1);
    expect((await w.ledger.getJob('job-2'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
    await intakeMessage(w, { messageId: 'c', body: requestBody('job-3') });
    const third = await runSolve(deps);
    expect(third.allocated).toHaveLength(0);
    expect(third.waiting[0]?.binding.kind).toBe('quota');
  });

  it('skips offers marked unavailable', async () => {
    const w = await makeWorld();
    await w.ledger.markOfferUnavailable({
      offerId: SPOT_OFFER,
      until: '2026-03-01T12:05:00.000Z',
      reason: 'test',
    });
    await intakeAndSolve(w, [requestBody('job-1')]);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
  });

  it('uses the latest stored price book over the bundled one', async () => {
    const w = await makeWorld();
    const { BOOK } = await import('./world.js');
    await w.ledger.putPriceBook({ ...BOOK, id: 'live-1', source: 'live' });
    const report = await intakeAndSolve(w, [requestBody('job-1')]);
    expect(report).toMatchObject({ priceBookId: 'live-1', priceBookSource: 'stored' });
  });

  it('skips a job whose version moved on between the read and the allocation', async () => {
    const w = await makeWorld();
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    const { VersionConflictError } = await import('../../../lambdas/core/errors.js');
    await intakeMessage(w, { messageId: 'a', body: requestBody('job-1') });
    const ledger = overriding(w.ledger, {
      allocate: async () => {
        throw new VersionConflictError('job', 'job-1', 1, 2);
      },
    });
    const report = await runSolve({ ...w.solveDeps, ledger });
    expect(report.allocated).toHaveLength(0);
    expect(report.skipped[0]?.reason).toMatch(/VersionConflictError/);
    expect(await w.queues.receive('provision')).toHaveLength(0);
  });

  it('reports an unexpected storage error per job and still allocates the others', async () => {
    const w = await makeWorld();
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(w, { messageId: 'a', body: requestBody('job-1') });
    await intakeMessage(w, { messageId: 'b', body: requestBody('job-2') });
    const ledger = overriding(w.ledger, {
      allocate: async (input) => {
        if (input.jobId === 'job-1') throw new Error('throttled');
        return w.ledger.allocate(input);
      },
    });
    const report = await runSolve({ ...w.solveDeps, ledger });
    expect(report.errors.map((e) => e.jobId)).toEqual(['job-1']);
    expect(report.allocated.map((a) => a.jobId)).toEqual(['job-2']);
  });
});
