import type { Period } from '../ports.js';
import { appendEvent, type ChainedEvent, type JsonObject } from './event-chain.js';

/**
 * A budget's own chain (ADR 0010). Every change to a team's budget for a month — a limit set, a
 * reservation, a settlement, a release — appends an event to the budget's chain in the same
 * atomic write, and the budget record keeps the head (`eventCount`, `headHash`) as a job does.
 * Each event states the balances *after* the change, so the record must equal its last event's
 * balances; earlier events say how it got there. The chain uses the job chain's format and hash;
 * its id takes the place of the job id and can never be one, since job ids have no `/`.
 */

export const BUDGET_SET = 'BUDGET_SET';
export const BUDGET_RESERVED = 'BUDGET_RESERVED';
export const BUDGET_SETTLED = 'BUDGET_SETTLED';
export const BUDGET_RELEASED = 'BUDGET_RELEASED';
export type BudgetEventType =
  | typeof BUDGET_SET
  | typeof BUDGET_RESERVED
  | typeof BUDGET_SETTLED
  | typeof BUDGET_RELEASED;

/** The three figures a budget record keeps (available follows from them). */
export interface BudgetBalances {
  readonly limitUsd: number;
  readonly reservedUsd: number;
  readonly spentUsd: number;
}

/** Where a budget's chain ends, as its record holds it. Absent on records older than the chain. */
export interface BudgetHead {
  readonly eventCount: number;
  readonly headHash: string;
}

const PREFIX = 'budget/';

/** The chain id of a team's budget for a month, e.g. `budget/vision/2026-11`. */
export const budgetChainId = (team: string, period: Period): string => `${PREFIX}${team}/${period}`;

/** The team and month of a budget chain id; `undefined` for any other id (a job's). */
export const parseBudgetChainId = (id: string): { team: string; period: Period } | undefined => {
  if (!id.startsWith(PREFIX)) return undefined;
  const rest = id.slice(PREFIX.length);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) return undefined;
  return { team: rest.slice(0, slash), period: rest.slice(slash + 1) };
};

/** What a change says besides the balances: the limit, or the allocation and amounts. */
export type BudgetChange =
  | { readonly type: typeof BUDGET_SET; readonly limitUsd: number; readonly previousLimitUsd: number | null }
  | {
      readonly type: typeof BUDGET_RESERVED;
      readonly jobId: string;
      /** The month the job was received in: where an export of its team holds it. */
      readonly jobPeriod: Period;
      readonly allocationId: string;
      readonly amountUsd: number;
    }
  | {
      readonly type: typeof BUDGET_SETTLED;
      readonly jobId: string;
      readonly allocationId: string;
      readonly reservedUsd: number;
      readonly actualUsd: number;
    }
  | {
      readonly type: typeof BUDGET_RELEASED;
      readonly jobId: string;
      readonly allocationId: string;
      readonly reservedUsd: number;
    };

/**
 * The next event of a budget's chain. `head` undefined starts the chain (a new budget, or the
 * first change to one kept before budgets had chains).
 * @example appendBudgetEvent(undefined, 'vision', '2026-11', at, { type: BUDGET_SET, limitUsd: 7000, previousLimitUsd: null }, after)
 */
export const appendBudgetEvent = (
  head: BudgetHead | undefined,
  team: string,
  period: Period,
  at: string,
  change: BudgetChange,
  after: BudgetBalances,
): ChainedEvent => {
  const jobId = budgetChainId(team, period);
  const { type, ...detail } = change;
  const data: JsonObject = {
    team,
    period,
    ...detail,
    after: { limitUsd: after.limitUsd, reservedUsd: after.reservedUsd, spentUsd: after.spentUsd },
  };
  return appendEvent(
    head === undefined || head.eventCount === 0
      ? undefined
      : { jobId, seq: head.eventCount, hash: head.headHash },
    { jobId, type, at, data },
  );
};

/** The head a record keeps after `event`. */
export const budgetHeadOf = (event: ChainedEvent): BudgetHead => ({
  eventCount: event.seq,
  headHash: event.hash,
});
