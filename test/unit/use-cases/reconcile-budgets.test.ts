import { describe, expect, it } from 'vitest';
import type { BudgetPolicy } from '../../../lambdas/core/accounting/metering-budget.js';
import { periodOf } from '../../../lambdas/core/ports.js';
import { type ReconcileDeps, reconcile } from '../../../lambdas/core/use-cases/reconcile.js';
import { accruedUsd } from '../../../lambdas/core/use-cases/reconcile-budgets.js';
import { makeWorld, REGION, reconcileDeps, runningJob, type World } from './world.js';

const HOUR = 3_600_000;

const deps = (w: World, policy: BudgetPolicy, over: Partial<ReconcileDeps> = {}): ReconcileDeps =>
  reconcileDeps(w, { budgetGuard: { policy }, ...over });

const period = (w: World) => periodOf(w.clock.now().toISOString());

/** What the team's running jobs have accrued so far: Σ hours × stored unit price. */
const accrued = async (w: World, jobIds: readonly string[]) => {
  let usd = 0;
  for (const jobId of jobIds)
    for (const u of await w.ledger.listUsageByJob(jobId))
      usd += ((w.clock.now().getTime() - Date.parse(u.startedAt)) / HOUR) * u.unitPriceUsdPerHour;
  return usd;
};

/** Sets the team's limit so that what its jobs have accrued is `fraction` of it. */
const spendAt = async (w: World, jobIds: readonly string[], fraction: number) => {
  const limitUsd = Math.round(((await accrued(w, jobIds)) / fraction) * 1_000_000) / 1_000_000;
  await w.ledger.putBudget({ team: 'vision', period: period(w), limitUsd });
};

/** One job of team vision, running for an hour. */
const oneRunningHour = async () => {
  const w = await makeWorld();
  await runningJob(w, 'job-1');
  w.clock.advance(HOUR);
  return w;
};

const kinds = (report: Awaited<ReturnType<typeof reconcile>>) =>
  report.budgetActions.map((a) => (a.kind === 'alert' ? `alert ${a.threshold}` : a.kind));

describe('reconcile: budget guard', () => {
  it('reports each team’s used fraction from the hours its running jobs have accrued at their stored price', async () => {
    const w = await oneRunningHour();
    const usage = await w.ledger.listUsageByJob('job-1');
    expect(usage.length).toBeGreaterThan(0);
    const hourly = usage.reduce((sum, u) => sum + u.unitPriceUsdPerHour, 0);
    await w.ledger.putBudget({ team: 'vision', period: period(w), limitUsd: hourly * 10 });
    const report = await reconcile(deps(w, 'alert-only'));
    expect(report.budgets).toEqual([
      { team: 'vision', period: period(w), limitUsd: hourly * 10, usedFraction: 0.1 },
    ]);
    expect(report.budgetActions).toEqual([]);
  });

  it('counts stopped intervals of the allocation at their recorded cost and ignores other allocations', () => {
    const base = {
      jobId: 'job-1',
      team: 'vision',
      project: 'p',
      instanceType: 'p4de.24xlarge',
      region: REGION,
      availabilityZone: null,
      purchaseOption: 'spot' as const,
      unitPriceUsdPerHour: 12,
      period: '2026-03',
      startedAt: '2026-03-01T12:00:00.000Z',
    };
    const usage = [
      { ...base, instanceId: 'i-1', allocationId: 'a2', stoppedAt: null, costUsd: null },
      { ...base, instanceId: 'i-2', allocationId: 'a2', stoppedAt: '2026-03-01T12:30:00.000Z', costUsd: 6 },
      { ...base, instanceId: 'i-3', allocationId: 'a1', stoppedAt: '2026-03-01T13:00:00.000Z', costUsd: 12 },
    ];
    expect(accruedUsd(usage, 'a2', Date.parse('2026-03-01T14:00:00.000Z'))).toBe(24 + 6);
  });

  describe.each<BudgetPolicy>(['alert-only', 'stop-admitting', 'terminate-lowest-priority'])(
    'under %s',
    (policy) => {
      it('does nothing at 79 % of the budget', async () => {
        const w = await oneRunningHour();
        await spendAt(w, ['job-1'], 0.79);
        const report = await reconcile(deps(w, policy));
        expect(report.budgets[0]?.usedFraction).toBeCloseTo(0.79, 6);
        expect(report.budgetActions).toEqual([]);
        expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
      });

      it('alerts once at 80 % and enforces nothing yet', async () => {
        const w = await oneRunningHour();
        await spendAt(w, ['job-1'], 0.8);
        const report = await reconcile(deps(w, policy));
        expect(report.budgetActions).toEqual([
          { kind: 'alert', team: 'vision', threshold: 0.8, usedFraction: 0.8 },
        ]);
        expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
      });
    },
  );

  it('under alert-only, at 100 % alerts at both thresholds and leaves the job running', async () => {
    const w = await oneRunningHour();
    await spendAt(w, ['job-1'], 1);
    const report = await reconcile(deps(w, 'alert-only'));
    expect(kinds(report)).toEqual(['alert 0.8', 'alert 1']);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
  });

  it('under stop-admitting, at 100 % alerts and reports that the team is no longer admitted, and terminates nothing', async () => {
    const w = await oneRunningHour();
    await spendAt(w, ['job-1'], 1);
    const report = await reconcile(deps(w, 'stop-admitting'));
    expect(kinds(report)).toEqual(['alert 0.8', 'alert 1', 'stop-admitting']);
    expect(report.budgetActions[2]).toMatchObject({ team: 'vision', reason: /spend reached 100\.0 %/ });
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
    expect(await w.fleet.findManaged()).not.toHaveLength(0);
  });

  it('under terminate-lowest-priority, past 100 % fails the lowest-priority running job and records why', async () => {
    const w = await makeWorld();
    const low = await runningJob(w, 'job-low', { priority: 10 });
    await runningJob(w, 'job-high', { priority: 900 });
    w.clock.advance(HOUR);
    await spendAt(w, ['job-low', 'job-high'], 1.25);
    const report = await reconcile(deps(w, 'terminate-lowest-priority'));
    expect(kinds(report)).toEqual(['alert 0.8', 'alert 1', 'stop-admitting', 'terminated']);
    expect(report.budgetActions[3]).toMatchObject({ jobId: 'job-low', reason: /priority 10/ });
    expect(report.errors).toEqual([]);
    expect((await w.ledger.getJob('job-high'))?.state).toBe('RUNNING');
    const failed = await w.ledger.getJob('job-low');
    expect(failed?.state).toBe('FAILED');
    expect(failed?.runtime.reason).toMatch(/lowest-priority running job/);
    const events = await w.ledger.listEvents('job-low');
    expect(events.at(-1)?.data).toMatchObject({
      to: 'FAILED',
      detail: {
        allocationId: low.allocationId,
        by: 'reconcile',
        budgetAction: 'terminate',
        policy: 'terminate-lowest-priority',
        usedFraction: report.budgets[0]?.usedFraction,
      },
    });
    expect(report.budgets[0]?.usedFraction).toBeCloseTo(1.25, 6);
    expect(await w.fleet.findByAllocation(low.allocationId)).toHaveLength(0);
  });

  it('reports a configured team with nothing running, and skips a team without a budget this period', async () => {
    const w = await makeWorld();
    await w.ledger.putBudget({ team: 'nlp', period: period(w), limitUsd: 500 });
    const report = await reconcile(deps(w, 'alert-only', { budgetTeams: ['nlp', 'audio'] }));
    expect(report.budgets).toEqual([{ team: 'nlp', period: period(w), limitUsd: 500, usedFraction: 0 }]);
  });

  it('keeps terminating time overruns before it guards the budget', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1');
    w.clock.advance(10 * HOUR);
    const report = await reconcile(deps(w, 'terminate-lowest-priority', { overrunAction: 'terminate' }));
    expect(report.overruns).toMatchObject([{ jobId: 'job-1', action: 'terminated' }]);
    expect(report.budgetActions.filter((a) => a.kind === 'terminated')).toEqual([]);
  });
});
