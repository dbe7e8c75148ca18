import type { Commitment } from '../core/commitments/commitment.js';
import type { JobRequest } from '../core/jobs/job-request.js';
import type { MilpSolver } from '../core/planning/milp.js';
import type { Quotas } from '../core/planning/plan-inputs.js';
import type { PreemptionMode } from '../core/planning/preemption.js';
import type { CostModelConfig } from '../core/pricing/cost-model.js';
import type { PriceBook } from '../core/pricing/offer.js';
import type { NamedSpotTrace } from '../core/simulation/spot-pool-trace.js';
import type { SpotPolicyName } from '../core/spot/spot-policy.js';
import type { BudgetPolicy } from '../core/use-cases/run-solve.js';
import type { FaultPlan } from './fault-plan.js';
import type { SimulatedEc2Options } from './simulated-ec2.js';

/** How often the scheduled handlers run; the defaults are a deployment's (lib/resolve-props.ts). */
export interface TwinSchedules {
  readonly solveMinutes: number;
  readonly reconcileMinutes: number;
  readonly spotPriceRefreshMinutes: number;
  readonly onDemandPriceRefreshMinutes: number;
}

export const DEFAULT_TWIN_SCHEDULES: TwinSchedules = {
  solveMinutes: 1,
  reconcileMinutes: 5,
  spotPriceRefreshMinutes: 15,
  onDemandPriceRefreshMinutes: 1440,
};

export interface TwinInput {
  readonly jobs: readonly JobRequest[];
  readonly startMs: number;
  readonly traces: readonly NamedSpotTrace[];
  readonly solver: MilpSolver;
  /** @default the bundled price book */
  readonly priceBook?: PriceBook;
  /** The configured quotas; EC2 enforces them too. @default none */
  readonly quotas?: Quotas;
  /** @default 100,000 USD a month for every team, as a deployment's default */
  readonly budgets?: BudgetPolicy;
  /**
   * Budget records put in the ledger before the run, e.g. the start period's limit reduced by what
   * a budgets file says is already spent or reserved. Later periods follow `budgets`.
   */
  readonly openingBudgets?: readonly {
    readonly team: string;
    readonly period: string;
    readonly limitUsd: number;
  }[];
  /**
   * `advisor`: each spot pool keeps the share of its trace's outages its Spot Instance Advisor
   * bucket implies (ADR 0012); `traces`: every pool sees its trace as recorded (the traces' pools
   * are all in the ">20 %" bucket). @default advisor
   */
  readonly spotMarket?: 'advisor' | 'traces';
  /** @default quartermaster (the deployment as configured) */
  readonly strategy?: SpotPolicyName;
  readonly schedules?: Partial<TwinSchedules>;
  /** Run the spot and on-demand price refreshes on their schedules. @default false */
  readonly priceRefresh?: boolean;
  /** The run stops this many hours after the last submission. @default 1440 (60 days) */
  readonly horizonHours?: number;
  readonly costModel?: CostModelConfig;
  readonly ec2?: Pick<SimulatedEc2Options, 'launchDelaySeconds' | 'shutdownSeconds' | 'rebalanceShare'>;
  readonly maxPendingJobs?: number;
  readonly timeLimitSeconds?: number;
  /**
   * Skip a scheduled solve when nothing was delivered since the last one and it allocated nothing,
   * for at most this many minutes. Speeds up long runs; 0 runs every scheduled solve. @default 0
   */
  readonly idleSolveSkipMinutes?: number;
  readonly onProgress?: (terminal: number, total: number) => void;
  /** A fault campaign: what to inject and how often (fault-plan.ts); none when absent. */
  readonly faults?: FaultPlan;
  /**
   * The account's commitments, rates resolved, as the deployment's `commitments` prop gives them
   * to the solve (ADR 0015). @default none
   */
  readonly commitments?: readonly Commitment[];
  /** The deployment's `preemption` prop (ADR 0016). @default off */
  readonly preemption?: PreemptionMode;
}
