import type { BudgetRecord, Period } from '../ports.js';
import { microsToUsd, usdToMicros } from '../ports.js';

/**
 * Team budgets per calendar month, as pure functions over a {@link BudgetRecord}: reserve the
 * expected cost at allocation, settle the actual cost at completion, release on failure or
 * cancellation; and the guard that decides what to do as spend approaches the limit. Callers
 * (the solve, events and reconcile handlers) apply the result through the ledger and record each
 * action as an event. All arithmetic is in whole micro-dollars, so balances compare exactly.
 */

/** One change to a budget. */
export type BudgetOperation =
  | { readonly kind: 'reserve'; readonly allocationId: string; readonly amountUsd: number }
  | {
      readonly kind: 'settle';
      readonly allocationId: string;
      readonly reservedUsd: number;
      readonly actualUsd: number;
    }
  | { readonly kind: 'release'; readonly allocationId: string; readonly reservedUsd: number };

/** A new, empty budget for a team and month. */
export const openBudget = (team: string, period: Period, limitUsd: number): BudgetRecord => {
  usdToMicros(limitUsd, 'limitUsd');
  return { team, period, limitUsd, reservedUsd: 0, spentUsd: 0, availableUsd: limitUsd };
};

const fromMicros = (b: BudgetRecord, limit: number, reserved: number, spent: number): BudgetRecord => ({
  team: b.team,
  period: b.period,
  limitUsd: microsToUsd(limit),
  reservedUsd: microsToUsd(reserved),
  spentUsd: microsToUsd(spent),
  availableUsd: microsToUsd(limit - reserved - spent),
});

/** Thrown when a reservation would take a budget below zero. */
export class BudgetWouldOverrunError extends RangeError {
  override readonly name = 'BudgetWouldOverrunError';
}

/**
 * Applies one operation. A reservation larger than what is available is refused (the ledger does
 * the same check as a condition on its write); a settlement may overrun, because the money is
 * already spent, and shows as a negative `availableUsd`.
 * @throws BudgetWouldOverrunError, RangeError for a negative amount or a release of more than is reserved
 */
export const applyBudgetOperation = (budget: BudgetRecord, op: BudgetOperation): BudgetRecord => {
  const limit = usdToMicros(budget.limitUsd, 'limitUsd');
  let reserved = usdToMicros(budget.reservedUsd, 'reservedUsd');
  let spent = usdToMicros(budget.spentUsd, 'spentUsd');
  switch (op.kind) {
    case 'reserve': {
      const amount = usdToMicros(op.amountUsd, 'amountUsd');
      if (amount > limit - reserved - spent)
        throw new BudgetWouldOverrunError(
          `budget ${budget.team} ${budget.period}: reserving ${microsToUsd(amount)} USD for ${op.allocationId} exceeds the ${microsToUsd(limit - reserved - spent)} USD available`,
        );
      reserved += amount;
      break;
    }
    case 'settle':
    case 'release': {
      const held = usdToMicros(op.reservedUsd, 'reservedUsd');
      if (held > reserved)
        throw new RangeError(
          `budget ${budget.team} ${budget.period}: ${op.allocationId} holds ${microsToUsd(held)} USD but only ${microsToUsd(reserved)} USD is reserved`,
        );
      reserved -= held;
      if (op.kind === 'settle') spent += usdToMicros(op.actualUsd, 'actualUsd');
      break;
    }
  }
  return fromMicros(budget, limit, reserved, spent);
};

// ---------------------------------------------------------------------------------------------
// The guard

/** What happens when spend reaches the limit. Every policy alerts at each threshold. */
export type BudgetPolicy = 'alert-only' | 'stop-admitting' | 'terminate-lowest-priority';
export const BUDGET_POLICIES: readonly BudgetPolicy[] = [
  'alert-only',
  'stop-admitting',
  'terminate-lowest-priority',
];

export interface BudgetGuardConfig {
  readonly policy: BudgetPolicy;
  /**
   * Fractions of the limit that raise an alert, e.g. `[0.8, 1]`. The policy's enforcement starts
   * at the largest one. @default [0.8, 1]
   */
  readonly thresholds?: readonly number[];
}

/** A job running on a team's budget, as the guard sees it. */
export interface RunningJob {
  readonly jobId: string;
  readonly priority: number;
  readonly startedAt: string;
  /** Cost accrued so far and not yet settled into the budget. */
  readonly accruedUsd: number;
}

export interface BudgetGuardInput {
  readonly budget: BudgetRecord;
  readonly config: BudgetGuardConfig;
  /** Thresholds already alerted this period (from earlier events), so each alerts once. */
  readonly alerted: readonly number[];
  readonly running: readonly RunningJob[];
}

export type BudgetAction =
  | {
      readonly kind: 'alert';
      readonly team: string;
      readonly period: Period;
      readonly threshold: number;
      /** Actual spend (settled + accrued) as a fraction of the limit. */
      readonly usedFraction: number;
    }
  | {
      readonly kind: 'stop-admitting';
      readonly team: string;
      readonly period: Period;
      readonly reason: string;
    }
  | {
      readonly kind: 'terminate';
      readonly team: string;
      readonly period: Period;
      readonly jobId: string;
      readonly reason: string;
    };

const DEFAULT_THRESHOLDS = [0.8, 1] as const;

/**
 * Actual spend (settled plus accrued by running jobs) as a fraction of the limit: what the guard
 * compares with its thresholds and the reconciler publishes per team. Infinite when a zero limit
 * has spend.
 */
export const budgetUsedFraction = (budget: BudgetRecord, running: readonly RunningJob[]): number => {
  const limit = usdToMicros(budget.limitUsd, 'limitUsd');
  const spent =
    usdToMicros(budget.spentUsd, 'spentUsd') +
    running.reduce((sum, job) => sum + usdToMicros(job.accruedUsd, `running ${job.jobId}.accruedUsd`), 0);
  return limit === 0 ? (spent > 0 ? Number.POSITIVE_INFINITY : 0) : spent / limit;
};

/**
 * Decides what to do about a team's spend. Actual spend is what is settled plus what running jobs
 * have accrued (reservations are promises, not spend). Returns, in order:
 * - one `alert` per threshold crossed and not alerted before;
 * - at or past the largest threshold, per policy: nothing more (`alert-only`), `stop-admitting`,
 *   or `stop-admitting` and the termination of the single lowest-priority running job
 *   (`terminate-lowest-priority`; ties: the most recently started, which loses the least work).
 *   One job per evaluation: the reconciler runs the guard on a schedule, so load is shed one job
 *   at a time for as long as the overrun continues, and the most important work runs longest.
 * @example decideBudgetActions({ budget, config: { policy: 'stop-admitting' }, alerted: [0.8], running })
 */
export const decideBudgetActions = (input: BudgetGuardInput): BudgetAction[] => {
  const { budget, config } = input;
  const thresholds = [...(config.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
  for (const t of thresholds)
    if (!Number.isFinite(t) || t <= 0) throw new RangeError(`thresholds: ${t} must be a fraction > 0`);
  const usedFraction = budgetUsedFraction(budget, input.running);
  const { team, period } = budget;
  const actions: BudgetAction[] = [];
  for (const threshold of thresholds) {
    if (usedFraction >= threshold && !input.alerted.includes(threshold))
      actions.push({ kind: 'alert', team, period, threshold, usedFraction });
  }
  const enforceAt = thresholds.at(-1);
  if (enforceAt === undefined || usedFraction < enforceAt || config.policy === 'alert-only') return actions;
  const percent = `${(usedFraction * 100).toFixed(1)} % of ${budget.limitUsd} USD`;
  actions.push({ kind: 'stop-admitting', team, period, reason: `spend reached ${percent}` });
  if (config.policy === 'terminate-lowest-priority') {
    const victim = [...input.running].sort(
      (a, b) =>
        a.priority - b.priority ||
        Date.parse(b.startedAt) - Date.parse(a.startedAt) ||
        (a.jobId < b.jobId ? -1 : 1),
    )[0];
    if (victim !== undefined)
      actions.push({
        kind: 'terminate',
        team,
        period,
        jobId: victim.jobId,
        reason: `lowest-priority running job (priority ${victim.priority}) while spend is at ${percent}`,
      });
  }
  return actions;
};
