import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { BudgetPolicy as BudgetGuardPolicy } from '../lambdas/core/accounting/metering-budget.js';
import type { PreemptionMode } from '../lambdas/core/planning/preemption.js';

export type { BudgetGuardPolicy };

/** A team the solver shares capacity and money between. */
export interface TeamConfig {
  /** Lower-case letters, digits and `-`, as job requests name it. */
  readonly name: string;
  /**
   * Fair-share weight: a team with weight 2 is entitled to twice the share of a team with weight 1.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Budget per calendar month in USD; absent means the deployment's default budget applies.
   * @default - `defaultMonthlyBudgetUsd`
   */
  readonly monthlyBudgetUsd?: number;
}

/** One EC2 running-vCPU quota, as Service Quotas reports it (same shape as `examples/quotas.json`). */
export interface QuotaConfig {
  readonly region: string;
  /** Quota class, e.g. `on-demand/P`, `spot/G`. */
  readonly class: string;
  readonly vcpus: number;
}

/** The commitments file, as JSON (validated at synth by the same parser the solve function uses). */
export interface CommitmentsConfig {
  /** When the list was read, an ISO date such as `2026-11-01`. */
  readonly asOf: string;
  readonly commitments: readonly Readonly<Record<string, unknown>>[];
}

/** The account's GPU quotas the solver plans within. */
export interface QuotasConfig {
  /** When the quotas were read, an ISO date such as `2026-11-01`. */
  readonly asOf: string;
  /** vCPUs for any pool not listed; `null` means unlimited, `0` means closed (a real account). */
  readonly defaultVcpus: number | null;
  readonly quotas: readonly QuotaConfig[];
}

/** The EC2 launch template worker instances start from. */
export type WorkerLaunchTemplate =
  | { readonly id: string; readonly version?: string }
  | { readonly name: string; readonly version?: string };

/** What worker instances run with; without it the service plans and reports but cannot launch. */
export interface WorkerConfig {
  /** The default launch template for jobs that name none. */
  readonly launchTemplate: WorkerLaunchTemplate;
  /** Subnets CreateFleet may place instances in (one per Availability Zone you want to use). */
  readonly subnetIds: readonly string[];
  /**
   * Security groups the launch template attaches; used only to scope the launch permission.
   * @default - any security group in the account
   */
  readonly securityGroupIds?: readonly string[];
  /**
   * The IAM role behind the launch template's instance profile. The provision function may pass
   * this role, and only this role, to EC2.
   */
  readonly instanceRoleArn: string;
}

/** How often each scheduled function runs. */
export interface SchedulesConfig {
  /** @default Duration.minutes(1) */
  readonly solve?: Duration;
  /** Spot price refresh. @default Duration.minutes(15) */
  readonly spotPriceRefresh?: Duration;
  /** On-demand price refresh. @default Duration.days(1) */
  readonly onDemandPriceRefresh?: Duration;
  /** @default Duration.minutes(5) */
  readonly reconcile?: Duration;
  /**
   * Day of the month (UTC, 1–28) the previous month's FOCUS CSV and HTML report are exported on.
   * @default 1
   */
  readonly monthlyExportDay?: number;
  /** Signed digests of the chain heads (docs/audit.md). @default Duration.hours(1) */
  readonly digest?: Duration;
}

/** The export bucket's Object Lock, which keeps signed digests (and exports) from being replaced. */
export interface DigestRetentionConfig {
  /** How long each object is locked. @default Duration.days(365) */
  readonly retention?: Duration;
  /**
   * `governance`: principals with `s3:BypassGovernanceRetention` may still delete; `compliance`:
   * nobody, not even the account root, until the retention ends.
   * @default 'governance'
   */
  readonly mode?: 'governance' | 'compliance';
}

/** What the budget guard does as a team's spend (settled plus accrued) nears its monthly budget. */
export interface BudgetGuardConfig {
  /**
   * Once spend reaches the largest threshold: `alert-only` (log and count), `stop-admitting`
   * (solve allocates nothing more to the team) or `terminate-lowest-priority` (reconcile also
   * stops the team's lowest-priority running job).
   * @default 'alert-only'
   */
  readonly policy?: BudgetGuardPolicy;
  /**
   * Fractions of the budget that raise an alert (`BudgetAlert`); the policy applies from the
   * largest. Each a finite number > 0; at least one.
   * @default [0.8, 1]
   */
  readonly thresholds?: readonly number[];
}

/**
 * The AWS bill the ledger is reconciled against each month: an hourly AWS Data Exports export
 * (CUR 2.0 or FOCUS 1.2; CSV, gzip or Parquet) delivered to a bucket in this account.
 */
export interface BillExportConfig {
  /** The bucket the export delivers to. */
  readonly bucketName: string;
  /**
   * The export's S3 prefix in the bucket; its data files are below it, under
   * `…/data/BILLING_PERIOD=yyyy-mm/`.
   * @default '' (the whole bucket)
   */
  readonly prefix?: string;
  /**
   * Day of the month (UTC, 1–28) last month is reconciled on. An export keeps updating a month for
   * some days after it ends.
   * @default 5
   */
  readonly day?: number;
  /**
   * The KMS key the bucket's objects are encrypted with, when it is a customer managed key.
   * @default - none (SSE-S3)
   */
  readonly kmsKeyArn?: string;
}

/** Properties of the {@link Quartermaster} construct. Every optional one documents its default. */
export interface QuartermasterProps {
  /**
   * Prefix of every named resource (queues, table, functions), so two deployments can share an
   * account. Lower-case letters, digits and `-`.
   * @default 'quartermaster'
   */
  readonly namePrefix?: string;
  /**
   * The region the stack is deployed in; the ledger, queues and functions live here.
   * @default - the stack's region (must then be concrete for validation to check it)
   */
  readonly homeRegion?: string;
  /**
   * Regions the service plans and launches GPU capacity in.
   * @default - [homeRegion]
   */
  readonly provisioningRegions?: readonly string[];
  /** Teams, their fair-share weights and monthly budgets. At least one. */
  readonly teams: readonly TeamConfig[];
  /**
   * Budget in USD per month for a team with no `monthlyBudgetUsd`.
   * @default 100000
   */
  readonly defaultMonthlyBudgetUsd?: number;
  /**
   * GPU vCPU quotas per region and class.
   * @default - no quota limits (`defaultVcpus: null`): the solver trusts EC2 to refuse
   */
  readonly quotas?: QuotasConfig;
  /**
   * The account's Savings Plans, Reserved Instances, capacity reservations and Capacity Blocks, in
   * the commitments-file format (`examples/commitments.json`): the solve function
   * (`QM_COMMITMENTS`) prices their hours as already paid and fills them first (ADR 0015).
   * @default - none: every on-demand hour at list price
   */
  readonly commitments?: CommitmentsConfig;
  /**
   * The budget guard of solve and reconcile (`QM_BUDGET_POLICY`, `QM_BUDGET_THRESHOLDS`).
   * @default - {@link BudgetGuardConfig}'s defaults: alert only, at 80 % and 100 % of a budget
   */
  readonly budgetGuard?: BudgetGuardConfig;
  /**
   * Half-life in hours of the past GPU usage that lowers a team's fair-share weight in the solve
   * function (`QM_USAGE_HALF_LIFE_HOURS`): usage this long ago counts half, twice as long ago a quarter.
   * @default 168 (one week)
   */
  readonly usageHalfLifeHours?: number;
  /**
   * Whether the solve may stop running lower-priority interruptible jobs (requeued with their
   * checkpointed work) for a job that waits for quota (`QM_PREEMPTION`, ADR 0016): `within-team`
   * only among one team's jobs, `across-teams` also other teams' above their fair share. Anything
   * but `off` lets the solve role terminate managed instances.
   * @default 'off'
   */
  readonly preemption?: PreemptionMode;
  /**
   * Worker launch settings.
   * @default - no launch permissions are granted and jobs cannot be provisioned
   */
  readonly worker?: WorkerConfig;
  /**
   * Tag keys besides the service's own (`quartermaster:*`) that job requests may put on instances.
   * Launches are allowed only with these keys (`aws:TagKeys`).
   * @default ['cost-center']
   */
  readonly jobTagKeys?: readonly string[];
  /** @default - see {@link SchedulesConfig} */
  readonly schedules?: SchedulesConfig;
  /** @default - see {@link DigestRetentionConfig} */
  readonly objectLock?: DigestRetentionConfig;
  /**
   * The AWS Data Exports bill to reconcile the ledger against monthly (`qm reconcile-bill` in the
   * deployment), written to the export bucket as `exports/<yyyy-mm>/bill-reconciliation.json` and
   * `.html`.
   * @default - no monthly bill reconciliation (the function is deployed, but nothing runs it)
   */
  readonly billExport?: BillExportConfig;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /**
   * Where alarms notify.
   * @default - a new KMS-encrypted SNS topic
   */
  readonly alarmTopic?: ITopic;
  /**
   * What happens to the ledger table, the key and the export bucket when the stack is deleted.
   * The table keeps deletion protection either way.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether the event source mappings (SQS queues, and the events table's stream feeding the
   * tamper alarm) are enabled. Disable to pause processing (messages wait in the queues) or to
   * deploy where mappings cannot run.
   * @default true
   */
  readonly eventSourcesEnabled?: boolean;
  /**
   * Pre-bundled handler code: a directory with one sub-directory per function (`intake/index.mjs`,
   * …), as `npm run build` writes it to `dist/handlers`. Skips esbuild at synth time.
   * @default - in a clone of the repository, each function is bundled from its TypeScript entry
   *   with local esbuild; from the installed package, the bundles it ships in `dist/handlers`
   */
  readonly prebundledCodeDir?: string;
}
