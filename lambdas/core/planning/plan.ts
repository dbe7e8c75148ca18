import type { OfferCommitment, PurchaseOption, QuotaClass } from '../pricing/offer.js';

/** One feasible way to run a job, priced. */
export interface Candidate {
  readonly offerId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string | null;
  readonly purchaseOption: PurchaseOption;
  readonly quotaClass: QuotaClass;
  readonly nodes: number;
  /** USD per instance-hour, as in the price book. */
  readonly unitPriceUsdPerHour: number;
  /** Hours on this offer's accelerator, including expected spot rework. */
  readonly expectedHours: number;
  readonly expectedCostUsd: number;
  /** The same run at the on-demand price of this type and region (the savings baseline). */
  readonly onDemandEquivalentUsd: number;
  /** vCPUs the job holds against its quota class while it runs (all nodes). */
  readonly vcpus: number;
  readonly spotPriceImplied: boolean;
  /** Set when the candidate runs on capacity or a discount the account has already bought (ADR 0015). */
  readonly commitment?: CandidateCommitment;
}

/** What a candidate draws from a commitment. */
export interface CandidateCommitment {
  readonly id: string;
  readonly kind: OfferCommitment['kind'];
  /** Units the job holds while it runs (all nodes): instances, or USD per hour of a Savings Plan. */
  readonly units: number;
  /** The run at the commitment's effective rate: what finance sees drawn from it. */
  readonly effectiveCostUsd: number;
  /** The effective rate of one instance-hour on it (amortised or discounted), USD. */
  readonly effectiveRateUsdPerHour: number;
}

export type BindingKind = 'no-feasible-offer' | 'quota' | 'budget' | 'fair-share' | 'priority';

/** Why a job waits: the constraint that kept it out of this plan. */
export interface Binding {
  readonly kind: BindingKind;
  /** Machine-readable constraint id, e.g. `quota:us-east-1:spot/P` or `budget:vision`. */
  readonly constraint: string;
  /** One human sentence. */
  readonly detail: string;
}

/** An equivalent offer a launch may fall back to (same type, purchase option and region). */
export interface FallbackOffer {
  readonly offerId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string | null;
  readonly purchaseOption: PurchaseOption;
  readonly unitPriceUsdPerHour: number;
}

export interface Allocation extends Candidate {
  readonly jobId: string;
  readonly team: string;
  readonly project: string;
  readonly priority: number;
  /**
   * Offers the launch may use when the chosen one has no capacity, in preference order; the
   * budget reservation covers the dearest. Absent in plans that were not provisioned (`qm plan`).
   */
  readonly fallbacks?: readonly FallbackOffer[];
}

export interface WaitingJob {
  readonly jobId: string;
  readonly team: string;
  readonly reason: string;
  readonly binding: Binding;
}

/** Per job: what was considered, what was chosen, and why a waiting job waits. */
export interface DecisionRecord {
  readonly jobId: string;
  readonly team: string;
  readonly candidatesConsidered: number;
  /** The cheapest candidates (bounded list), cheapest first. */
  readonly candidates: readonly Candidate[];
  readonly chosen: Candidate | null;
  readonly binding: Binding | null;
  readonly priceBookId: string;
  /** Newest price date of that book, recorded with the decision so an audit can say how fresh the prices were. */
  readonly priceBookAsOf?: string;
}

export interface FairShareLine {
  readonly team: string;
  readonly weight: number;
  /** The contended resource the share is measured in (e.g. `vcpu:us-east-1:spot/P`, or `none`). */
  readonly resource: string;
  readonly demand: number;
  readonly entitlement: number;
  readonly allocated: number;
  /**
   * Why the line reads as it does, when that is not plain water-filling: a holding above the
   * entitlement, an entitlement of zero, a holding below it, demand left out because the team's
   * budget cannot pay for it. Absent when there is nothing to explain.
   */
  readonly note?: string;
}

export interface PlanTotals {
  readonly expectedCostUsd: number;
  readonly onDemandEquivalentUsd: number;
  /** Below the on-demand equivalent by the expected cost plus `committedUsd`. */
  readonly savingsPct: number;
  /**
   * The allocations' hours on commitments at the commitments' effective rates: already paid, so
   * not in `expectedCostUsd`. Absent when no job draws on a commitment.
   */
  readonly committedUsd?: number;
  readonly lowerBoundUsd: number;
  readonly gapPct: number;
}

/** Jobs that wait on one constraint. */
export interface PlanBlocker {
  /** The binding constraint they share, e.g. `quota:us-east-1:on-demand/P` or `budget:speech`. */
  readonly constraint: string;
  /** The constraint's kind; a quota pool held back by fair share is `fair-share`, else `quota`. */
  readonly kind: BindingKind;
  readonly jobs: number;
  /** Of them, jobs kept out by their team's fair share of the pool (the rest by the pool's size). */
  readonly atFairShare: number;
  /** Of them, jobs that may not be interrupted, so spot (another pool) cannot help them. */
  readonly notInterruptible: number;
  readonly jobIds: readonly string[];
}

/** A team whose budget keeps at least one job waiting. */
export interface BudgetBlocker {
  readonly team: string;
  /** Left in the period before this plan (budget − spent − reserved). */
  readonly periodLeftUsd: number;
  /** What this plan places for the team. */
  readonly plannedUsd: number;
  /** Left after this plan, never below zero. */
  readonly leftUsd: number;
  readonly jobIds: readonly string[];
  /** Cheapest option of the cheapest job that waits on the budget. */
  readonly cheapestWaitingUsd: number;
}

/** What a reader wants first: what was placed, what waits and on what. */
export interface PlanSummary {
  readonly placed: number;
  readonly waiting: number;
  /**
   * Expected cost of placed jobs that may not be interrupted: spot was never an option for them,
   * so this part of the cost cannot show savings.
   */
  readonly notInterruptibleUsd: number;
  /** Waiting jobs grouped by binding constraint, most jobs first. */
  readonly blockers: readonly PlanBlocker[];
  /** Teams with a job waiting on budget, by team name. */
  readonly budgets: readonly BudgetBlocker[];
}

export interface Plan {
  readonly priceBook: { readonly id: string; readonly source: 'static' | 'live'; readonly asOf: string };
  readonly allocations: readonly Allocation[];
  readonly waiting: readonly WaitingJob[];
  readonly fairShare: readonly FairShareLine[];
  readonly totals: PlanTotals;
  readonly decisions: readonly DecisionRecord[];
  readonly solver: { readonly method: string; readonly status: string };
  /** Headline figures and blockers; `solvePlan` always sets it. */
  readonly summary?: PlanSummary;
}
