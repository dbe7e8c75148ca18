import { describe, expect, it } from 'vitest';
import {
  applyBudgetOperation,
  BudgetWouldOverrunError,
  decideBudgetActions,
  openBudget,
  type RunningJob,
} from '../../lambdas/core/accounting/metering-budget.js';

const budget = openBudget('vision', '2026-11', 1000);
const running: RunningJob[] = [
  { jobId: 'train-big', priority: 900, startedAt: '2026-11-10T00:00:00Z', accruedUsd: 10 },
  { jobId: 'sweep-a', priority: 100, startedAt: '2026-11-10T01:00:00Z', accruedUsd: 5 },
  { jobId: 'sweep-b', priority: 100, startedAt: '2026-11-10T03:00:00Z', accruedUsd: 5 },
];
const spent = (usd: number) => ({ ...budget, spentUsd: usd, availableUsd: 1000 - usd });

describe('budget operations', () => {
  it('reserves the expected cost, settles the actual cost and frees the difference', () => {
    const reserved = applyBudgetOperation(budget, { kind: 'reserve', allocationId: 'a1', amountUsd: 300.1 });
    expect(reserved).toMatchObject({ reservedUsd: 300.1, spentUsd: 0, availableUsd: 699.9 });
    const settled = applyBudgetOperation(reserved, {
      kind: 'settle',
      allocationId: 'a1',
      reservedUsd: 300.1,
      actualUsd: 250.2,
    });
    expect(settled).toMatchObject({ reservedUsd: 0, spentUsd: 250.2, availableUsd: 749.8 });
  });

  it('gives a released reservation back in full', () => {
    const reserved = applyBudgetOperation(budget, { kind: 'reserve', allocationId: 'a1', amountUsd: 0.3 });
    const twice = applyBudgetOperation(reserved, { kind: 'reserve', allocationId: 'a2', amountUsd: 0.1 });
    const released = applyBudgetOperation(twice, { kind: 'release', allocationId: 'a1', reservedUsd: 0.3 });
    // 0.1 + 0.2 style float drift never appears: balances are kept in micro-dollars.
    expect(released).toMatchObject({ reservedUsd: 0.1, availableUsd: 999.9 });
  });

  it('refuses a reservation larger than what is available, naming team, month and allocation', () => {
    expect(() =>
      applyBudgetOperation(spent(900), { kind: 'reserve', allocationId: 'a9', amountUsd: 100.01 }),
    ).toThrow(BudgetWouldOverrunError);
    expect(() =>
      applyBudgetOperation(spent(900), { kind: 'reserve', allocationId: 'a9', amountUsd: 100.01 }),
    ).toThrow(/vision 2026-11: reserving 100.01 USD for a9/);
  });

  it('lets a settlement overrun, because the money is already spent', () => {
    const reserved = applyBudgetOperation(budget, { kind: 'reserve', allocationId: 'a1', amountUsd: 1000 });
    const settled = applyBudgetOperation(reserved, {
      kind: 'settle',
      allocationId: 'a1',
      reservedUsd: 1000,
      actualUsd: 1100,
    });
    expect(settled.availableUsd).toBe(-100);
  });

  it('refuses to release more than is reserved', () => {
    expect(() =>
      applyBudgetOperation(budget, { kind: 'release', allocationId: 'a1', reservedUsd: 1 }),
    ).toThrow(/a1 holds 1 USD but only 0 USD is reserved/);
  });
});

describe('budget guard', () => {
  it('does nothing below the first threshold', () => {
    expect(
      decideBudgetActions({
        budget: spent(700),
        config: { policy: 'terminate-lowest-priority' },
        alerted: [],
        running,
      }),
    ).toEqual([]);
  });

  it('alerts once at 80 % counting what running jobs have accrued, and not again once alerted', () => {
    const first = decideBudgetActions({
      budget: spent(785),
      config: { policy: 'stop-admitting' },
      alerted: [],
      running,
    });
    expect(first).toEqual([
      { kind: 'alert', team: 'vision', period: '2026-11', threshold: 0.8, usedFraction: 0.805 },
    ]);
    expect(
      decideBudgetActions({
        budget: spent(785),
        config: { policy: 'stop-admitting' },
        alerted: [0.8],
        running,
      }),
    ).toEqual([]);
  });

  it('only alerts under alert-only, even past the limit', () => {
    const actions = decideBudgetActions({
      budget: spent(1200),
      config: { policy: 'alert-only' },
      alerted: [0.8],
      running,
    });
    expect(actions.map((a) => a.kind)).toEqual(['alert']);
  });

  it('stops admitting at the limit under stop-admitting and terminates nothing', () => {
    const actions = decideBudgetActions({
      budget: spent(990),
      config: { policy: 'stop-admitting' },
      alerted: [],
      running,
    });
    expect(actions.map((a) => a.kind)).toEqual(['alert', 'alert', 'stop-admitting']);
  });

  it('terminates the lowest-priority job, the most recently started of equals, one per evaluation', () => {
    const actions = decideBudgetActions({
      budget: spent(1000),
      config: { policy: 'terminate-lowest-priority' },
      alerted: [0.8, 1],
      running,
    });
    expect(actions).toEqual([
      {
        kind: 'stop-admitting',
        team: 'vision',
        period: '2026-11',
        reason: 'spend reached 102.0 % of 1000 USD',
      },
      expect.objectContaining({ kind: 'terminate', jobId: 'sweep-b' }),
    ]);
  });

  it('honours custom thresholds and enforces at the largest', () => {
    const actions = decideBudgetActions({
      budget: spent(500),
      config: { policy: 'stop-admitting', thresholds: [0.25, 0.5] },
      alerted: [],
      running: [],
    });
    expect(actions.map((a) => (a.kind === 'alert' ? a.threshold : a.kind))).toEqual([
      0.25,
      0.5,
      'stop-admitting',
    ]);
  });

  it('rejects a threshold that is not a positive fraction', () => {
    expect(() =>
      decideBudgetActions({
        budget,
        config: { policy: 'alert-only', thresholds: [0] },
        alerted: [],
        running: [],
      }),
    ).toThrow(/thresholds: 0/);
  });
});
