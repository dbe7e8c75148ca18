import type { JobRequest } from '../jobs/job-request.js';
import type { CostModelConfig } from '../pricing/cost-model.js';
import type { PriceBook, QuotaClass } from '../pricing/offer.js';
import type { PlanCommitments } from './commitment-offers.js';
import type { UsageSample } from './fair-weight.js';

/** What a team brings to a plan: its fair-share weight and the money it has left this period. */
export interface TeamTerms {
  readonly weight: number;
  /** USD left in the period's budget after spend and reservations; `Infinity` without a budget. */
  readonly remainingUsd: number;
}

export interface PlanInput {
  readonly jobs: readonly JobRequest[];
  readonly priceBook: PriceBook;
  /** vCPU limit of a quota pool, or `null` when it is not limited. */
  readonly quotaLimit: (region: string, quotaClass: QuotaClass) => number | null;
  /** Teams not listed have weight 1 and no budget limit. */
  readonly teams: ReadonlyMap<string, TeamTerms>;
  /** Planning instant, milliseconds since the epoch (the core has no clock). */
  readonly nowMs: number;
  readonly regions?: readonly string[];
  readonly config?: CostModelConfig;
  readonly unavailableOfferIds?: ReadonlySet<string>;
  /** Candidates kept in each decision record. */
  readonly decisionCandidates?: number;
  /** Per-solve engine time limit. */
  readonly timeLimitSeconds?: number;
  /**
   * Past usage per team; a team's fair-share weight shrinks with its decayed usage
   * (see `effectiveWeights`). @default no history: weights as given
   */
  readonly history?: ReadonlyMap<string, readonly UsageSample[]>;
  /** Half-life of past usage. @default 168 (one week) */
  readonly halfLifeHours?: number;
  /** Usage that halves a weight. @default the mean decayed usage of the teams with history */
  readonly usageScaleVcpuHours?: number;
  /**
   * Largest aggregated model (integer columns after pruning) solved exactly; larger inputs take
   * the greedy path, still bounded by the LP relaxation; 0 always takes the greedy path. @default 1000
   */
  readonly exactColumnLimit?: number;
  /**
   * The account's commitments (Savings Plans, RIs, capacity reservations, Capacity Blocks) and
   * what running allocations draw on them; their hours are priced at their marginal cost (ADR 0015).
   * @default none: every on-demand hour at list price
   */
  readonly commitments?: PlanCommitments;
}
