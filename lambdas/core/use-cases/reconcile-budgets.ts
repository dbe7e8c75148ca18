import { costMicrosOf, microsPerHour, usdOf } from '../accounting/metering.js';
import {
  type BudgetGuardConfig,
  type BudgetPolicy,
  budgetUsedFraction,
  decideBudgetActions,
  type RunningJob,
} from '../accounting/metering-budget.js';
import type { JsonObject } from '../ledger/event-chain.js';
import type { JobRecord, Ledger, Period, UsageRecord } from '../ports.js';

/** How the reconciler guards team budgets. */
export interface BudgetGuardDeps {
  readonly ledger: Ledger;
  /** The guard's policy and alert thresholds. @default `{ policy: 'alert-only' }` (thresholds 0.8 and 1) */
  readonly budgetGuard?: BudgetGuardConfig;
  /**
   * Teams whose spend is reported even when none of their jobs runs (the configured teams), so
   * the per-team metric keeps flowing. Teams with a running job are always checked.
   */
  readonly budgetTeams?: readonly string[];
}

/** A team's actual spend this period, as a fraction of its limit. */
export interface TeamBudgetUse {
  readonly team: string;
  readonly period: Period;
  readonly limitUsd: number;
  /** Settled spend plus what running jobs have accrued, over the limit; infinite for a zero limit with spend. */
  readonly usedFraction: number;
}

/** What the guard did. Alerts and stop-admitting are reports only; `terminated` failed a job. */
export type BudgetActionReport =
  | {
      readonly kind: 'alert';
      readonly team: string;
      readonly threshold: number;
      readonly usedFraction: number;
    }
  | { readonly kind: 'stop-admitting'; readonly team: string; readonly reason: string }
  | { readonly kind: 'terminated'; readonly team: string; readonly jobId: string; readonly reason: string };

/**
 * What a job's current allocation has cost and not yet settled into its budget: stopped intervals
 * at their recorded cost, open ones from their start to `nowMs` at their stored unit price (never
 * re-priced). Summed in whole micro-dollars, like the settlement that will follow.
 */
export const accruedUsd = (usage: readonly UsageRecord[], allocationId: string, nowMs: number): number => {
  let micros = 0;
  for (const u of usage) {
    if (u.allocationId !== allocationId) continue;
    micros +=
      u.stoppedAt === null
        ? costMicrosOf(nowMs - Date.parse(u.startedAt), microsPerHour(u.unitPriceUsdPerHour))
        : Math.round((u.costUsd ?? 0) * 1_000_000);
  }
  return usdOf(micros);
};

/** Fails a running job: its instances terminated, FAILED with `reason` and `data`, reservation closed. */
export type FailRunningJob = (job: JobRecord, reason: string, data: JsonObject) => Promise<void>;

/**
 * Runs the budget guard for every team with a budget this period: its running jobs (those whose
 * reservation is on this period's budget) with their accrued cost go to `decideBudgetActions`,
 * and a `terminate` is carried out through `fail`, its FAILED event carrying
 * `{ budgetAction, policy, usedFraction }`. Alerts repeat on every run while a threshold stays
 * crossed: the ledger keeps no team-level record of earlier alerts, and the CloudWatch alarm on
 * the published fraction is the de-duplicated notification. `stop-admitting` is reported here and
 * enforced by the solve step, which gives such a team no new allocation (`runSolve`'s `budgetGuard`).
 * Each team is handled on its own; a failure is reported through `guard` and the others proceed.
 */
export const guardBudgets = async (
  deps: BudgetGuardDeps,
  running: readonly JobRecord[],
  period: Period,
  nowMs: number,
  fail: FailRunningJob,
  guard: (subject: string, run: () => Promise<void>) => Promise<void>,
): Promise<{ budgets: TeamBudgetUse[]; actions: BudgetActionReport[] }> => {
  const config: BudgetGuardConfig = deps.budgetGuard ?? { policy: 'alert-only' };
  const policy: BudgetPolicy = config.policy;
  const onBudget = running.filter((j) => j.allocation?.reservation.period === period);
  const teams = [...new Set([...(deps.budgetTeams ?? []), ...onBudget.map((j) => j.team)])].sort();
  const budgets: TeamBudgetUse[] = [];
  const actions: BudgetActionReport[] = [];
  for (const team of teams) {
    await guard(`budget of ${team} for ${period}`, async () => {
      const budget = await deps.ledger.getBudget(team, period);
      if (budget === undefined) return;
      const jobs = onBudget.filter((j) => j.team === team);
      const guarded: RunningJob[] = [];
      for (const job of jobs) {
        const held = job.allocation;
        if (held === null) continue;
        const usage = await deps.ledger.listUsageByJob(job.jobId);
        guarded.push({
          jobId: job.jobId,
          priority: job.priority,
          startedAt: job.runtime.startedAt ?? held.allocatedAt,
          accruedUsd: accruedUsd(usage, held.allocationId, nowMs),
        });
      }
      const usedFraction = budgetUsedFraction(budget, guarded);
      budgets.push({ team, period, limitUsd: budget.limitUsd, usedFraction });
      for (const action of decideBudgetActions({ budget, config, alerted: [], running: guarded })) {
        if (action.kind === 'alert') {
          actions.push({ kind: 'alert', team, threshold: action.threshold, usedFraction });
        } else if (action.kind === 'stop-admitting') {
          actions.push({ kind: 'stop-admitting', team, reason: action.reason });
        } else {
          const job = jobs.find((j) => j.jobId === action.jobId);
          if (job === undefined) continue;
          await guard(job.jobId, async () => {
            await fail(job, action.reason, {
              budgetAction: 'terminate',
              policy,
              // JSON has no Infinity: a zero limit with spend is recorded as null.
              usedFraction: Number.isFinite(usedFraction) ? usedFraction : null,
            });
            actions.push({ kind: 'terminated', team, jobId: job.jobId, reason: action.reason });
          });
        }
      }
    });
  }
  return { budgets, actions };
};
