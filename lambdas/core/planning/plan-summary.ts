import type { Allocation, BudgetBlocker, PlanBlocker, PlanSummary, WaitingJob } from './plan.js';

/** What the summary needs beyond the plan's lists: per job, whether it may be interrupted, and money. */
export interface SummaryFacts {
  readonly allocations: readonly Allocation[];
  readonly waiting: readonly WaitingJob[];
  /** Whether the job at the same position of `allocations` / `waiting` tolerates interruptions. */
  readonly allocationInterruptible: readonly boolean[];
  readonly waitingInterruptible: readonly boolean[];
  /** The cheapest option's expected cost of the waiting job at the same position of `waiting`. */
  readonly waitingCheapestUsd: readonly number[];
  /** Left in the period before the plan (`Infinity` without a budget). */
  readonly periodLeftUsd: (team: string) => number;
  /** What the plan places for the team. */
  readonly plannedUsd: (team: string) => number;
}

/**
 * The headline of a plan: how many jobs were placed and wait, how much of the cost could never
 * use spot (it explains low savings), the waiting jobs grouped by the constraint that binds them,
 * and the money each budget-bound team has left.
 */
export const summarisePlan = (f: SummaryFacts): PlanSummary => {
  let notInterruptibleUsd = 0;
  f.allocations.forEach((a, i) => {
    if (f.allocationInterruptible[i] !== true) notInterruptibleUsd += a.expectedCostUsd;
  });

  const groups = new Map<
    string,
    {
      kind: PlanBlocker['kind'];
      jobs: number;
      atFairShare: number;
      notInterruptible: number;
      jobIds: string[];
    }
  >();
  const budgetWaits = new Map<string, { jobIds: string[]; cheapest: number }>();
  f.waiting.forEach((w, i) => {
    const { constraint, kind } = w.binding;
    const group = groups.get(constraint) ?? {
      kind: kind === 'fair-share' ? 'quota' : kind,
      jobs: 0,
      atFairShare: 0,
      notInterruptible: 0,
      jobIds: [],
    };
    group.jobs += 1;
    if (kind === 'fair-share') group.atFairShare += 1;
    if (f.waitingInterruptible[i] !== true) group.notInterruptible += 1;
    group.jobIds.push(w.jobId);
    groups.set(constraint, group);
    if (kind === 'budget') {
      const team = budgetWaits.get(w.team) ?? { jobIds: [], cheapest: Number.POSITIVE_INFINITY };
      team.jobIds.push(w.jobId);
      team.cheapest = Math.min(team.cheapest, f.waitingCheapestUsd[i] ?? Number.POSITIVE_INFINITY);
      budgetWaits.set(w.team, team);
    }
  });
  const blockers: PlanBlocker[] = [...groups]
    .map(([constraint, g]) => ({
      constraint,
      // A pool where every waiting job is held to its team's share is a fair-share blocker.
      kind: g.kind === 'quota' && g.atFairShare === g.jobs ? ('fair-share' as const) : g.kind,
      jobs: g.jobs,
      atFairShare: g.atFairShare,
      notInterruptible: g.notInterruptible,
      jobIds: g.jobIds,
    }))
    .sort((a, b) => b.jobs - a.jobs || (a.constraint < b.constraint ? -1 : 1));
  const budgets: BudgetBlocker[] = [...budgetWaits]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([team, w]) => {
      const periodLeftUsd = f.periodLeftUsd(team);
      const plannedUsd = f.plannedUsd(team);
      return {
        team,
        periodLeftUsd,
        plannedUsd,
        leftUsd: Math.max(0, periodLeftUsd - plannedUsd),
        jobIds: w.jobIds,
        cheapestWaitingUsd: w.cheapest,
      };
    });
  return {
    placed: f.allocations.length,
    waiting: f.waiting.length,
    notInterruptibleUsd,
    blockers,
    budgets,
  };
};
