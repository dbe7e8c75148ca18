import { describe, expect, it } from 'vitest';
import type { BudgetPolicy } from '../../../lambdas/core/accounting/metering-budget.js';
import { periodOf } from '../../../lambdas/core/ports.js';
import { intakeMessage } from '../../../lambdas/core/use-cases/intake-message.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeWorld, requestBody, runningJob, type World } from './world.js';

const HOUR = 3_600_000;

/**
 * Team vision has one job that has run far past its estimate (so what it accrued dwarfs what it
 * reserved) and one new job pending; the limit puts actual spend at `fraction` while leaving more
 * money available than the new job needs, so only the policy can keep it out.
 */
const worldAt = async (fraction: number): Promise<World> => {
  const w = await makeWorld();
  await runningJob(w, 'job-1');
  w.clock.advance(200 * HOUR);
  let accrued = 0;
  for (const u of await w.ledger.listUsageByJob('job-1'))
    accrued += ((w.clock.now().getTime() - Date.parse(u.startedAt)) / HOUR) * u.unitPriceUsdPerHour;
  const period = periodOf(w.clock.now().toISOString());
  const budget = await w.ledger.getBudget('vision', period);
  const limitUsd = Math.round(((accrued + (budget?.spentUsd ?? 0)) / fraction) * 1_000_000) / 1_000_000;
  const updated = await w.ledger.putBudget({ team: 'vision', period, limitUsd });
  expect(updated.limitUsd).toBe(limitUsd);
  await intakeMessage(w, { messageId: 'new', body: requestBody('job-2') });
  return w;
};

const solveWith = (w: World, policy: BudgetPolicy) => runSolve({ ...w.solveDeps, budgetGuard: { policy } });

describe('runSolve with a budget policy', () => {
  it('stops admitting a team whose actual spend reached its budget under stop-admitting', async () => {
    const w = await worldAt(1.05);
    const report = await solveWith(w, 'stop-admitting');
    expect(report.allocated).toEqual([]);
    expect(report.waiting[0]).toMatchObject({ jobId: 'job-2', binding: { kind: 'budget' } });
    expect((await w.ledger.getJob('job-2'))?.state).toBe('PENDING');
  });

  it('keeps admitting below the enforcing threshold', async () => {
    const w = await worldAt(0.5);
    const report = await solveWith(w, 'stop-admitting');
    expect(report.allocated.map((a) => a.jobId)).toEqual(['job-2']);
  });

  it('keeps admitting under alert-only, whatever the spend', async () => {
    const w = await worldAt(1.05);
    const report = await solveWith(w, 'alert-only');
    expect(report.allocated.map((a) => a.jobId)).toEqual(['job-2']);
  });
});
