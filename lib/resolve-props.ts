import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BUDGET_POLICIES } from '../lambdas/core/accounting/metering-budget.js';
import { parseCommitments } from '../lambdas/core/commitments/commitments-file.js';
import { JOB_COST_CENTER_TAG } from '../lambdas/core/jobs/managed-tags.js';
import { DEFAULT_USAGE_HALF_LIFE_HOURS } from '../lambdas/core/planning/fair-weight.js';
import { parseQuotas } from '../lambdas/core/planning/plan-inputs.js';
import { PREEMPTION_MODES, type PreemptionMode } from '../lambdas/core/planning/preemption.js';
import type {
  BudgetGuardConfig,
  BudgetGuardPolicy,
  CommitmentsConfig,
  QuartermasterProps,
  QuotasConfig,
  TeamConfig,
  WorkerConfig,
  WorkerLaunchTemplate,
} from './quartermaster-props.js';

/** Thrown at synth time for props that cannot make a working deployment; the message says what was received. */
export class QuartermasterConfigError extends Error {
  override readonly name = 'QuartermasterConfigError';
}

/** A team with its weight defaulted. */
export interface ResolvedTeam {
  readonly name: string;
  readonly weight: number;
  readonly monthlyBudgetUsd?: number;
}

/** Props with every default filled in, after validation. */
export interface ResolvedConfig {
  readonly namePrefix: string;
  /** Undefined when the stack is environment-agnostic and no home region was given. */
  readonly homeRegion: string | undefined;
  /** Undefined means "the Lambda's own region" (the handlers' default). */
  readonly provisioningRegions: readonly string[] | undefined;
  readonly teams: readonly ResolvedTeam[];
  readonly defaultMonthlyBudgetUsd: number;
  readonly quotas: QuotasConfig | undefined;
  readonly commitments: CommitmentsConfig | undefined;
  readonly worker: WorkerConfig | undefined;
  readonly jobTagKeys: readonly string[];
  readonly budgetGuard: { readonly policy: BudgetGuardPolicy; readonly thresholds: readonly number[] };
  readonly usageHalfLifeHours: number;
  readonly preemption: PreemptionMode;
  readonly schedules: {
    readonly solve: Duration;
    readonly spotPriceRefresh: Duration;
    readonly onDemandPriceRefresh: Duration;
    readonly reconcile: Duration;
    readonly monthlyExportDay: number;
    readonly digest: Duration;
  };
  readonly objectLock: { readonly retention: Duration; readonly mode: 'governance' | 'compliance' };
  readonly billExport:
    | {
        readonly bucketName: string;
        readonly prefix: string;
        readonly day: number;
        readonly kmsKeyArn: string | undefined;
      }
    | undefined;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly eventSourcesEnabled: boolean;
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const PREFIX = /^[a-z][a-z0-9-]{0,23}$/;
const TEAM = /^[a-z0-9][a-z0-9-]*$/;
const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{8,17}$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const TAG_KEY = /^[\p{L}\p{N}\p{Zs}_.:/=+\-@]{1,128}$/u;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
/** Lambda caps all environment variables of a function at 4 KB together. */
const LAMBDA_ENV_LIMIT_BYTES = 4096;

const show = (value: unknown): string => {
  // String(), not JSON: JSON shows NaN and Infinity as null, hiding what was received.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};

const checkRegion = (where: string, region: string, problems: string[]): void => {
  if (!REGION.test(region))
    problems.push(`${where}: ${show(region)} is not an AWS region code like us-east-1`);
};

const checkTeams = (teams: readonly TeamConfig[] | undefined, problems: string[]): void => {
  if (!Array.isArray(teams) || teams.length === 0) {
    problems.push(`teams: at least one team is required, got ${show(teams)}`);
    return;
  }
  const seen = new Set<string>();
  teams.forEach((team, i) => {
    const at = `teams[${i}]`;
    if (typeof team.name !== 'string' || !TEAM.test(team.name) || team.name.length > 64) {
      problems.push(`${at}.name: ${show(team.name)} must be 1–64 lower-case letters, digits and -`);
    } else if (seen.has(team.name)) {
      problems.push(`${at}.name: ${show(team.name)} is listed twice`);
    }
    seen.add(team.name);
    if (
      team.weight !== undefined &&
      !(Number.isFinite(team.weight) && team.weight > 0 && team.weight <= 1000)
    ) {
      problems.push(`${at}.weight: ${show(team.weight)} must be a number greater than 0 and at most 1000`);
    }
    if (
      team.monthlyBudgetUsd !== undefined &&
      !(Number.isFinite(team.monthlyBudgetUsd) && team.monthlyBudgetUsd >= 0)
    ) {
      problems.push(`${at}.monthlyBudgetUsd: ${show(team.monthlyBudgetUsd)} must be a finite amount ≥ 0`);
    }
  });
};

const checkLaunchTemplate = (template: WorkerLaunchTemplate, problems: string[]): void => {
  if ('id' in template) {
    if (!LAUNCH_TEMPLATE_ID.test(template.id)) {
      problems.push(
        `worker.launchTemplate.id: ${show(template.id)} is not a launch template id like lt-0123456789abcdef0`,
      );
    }
  } else if (typeof template.name !== 'string' || template.name.length < 3 || template.name.length > 128) {
    problems.push(`worker.launchTemplate.name: ${show(template.name)} must be 3–128 characters`);
  }
};

const checkWorker = (worker: WorkerConfig | undefined, problems: string[]): void => {
  if (worker === undefined) return;
  checkLaunchTemplate(worker.launchTemplate, problems);
  if (worker.subnetIds.length === 0)
    problems.push('worker.subnetIds: at least one subnet is required, got []');
  for (const [i, id] of worker.subnetIds.entries()) {
    if (!SUBNET.test(id))
      problems.push(`worker.subnetIds[${i}]: ${show(id)} is not a subnet id like subnet-0123abcd`);
  }
  for (const [i, id] of (worker.securityGroupIds ?? []).entries()) {
    if (!SECURITY_GROUP.test(id)) {
      problems.push(`worker.securityGroupIds[${i}]: ${show(id)} is not a security group id like sg-0123abcd`);
    }
  }
  if (!Token.isUnresolved(worker.instanceRoleArn) && !ROLE_ARN.test(worker.instanceRoleArn)) {
    problems.push(
      `worker.instanceRoleArn: ${show(worker.instanceRoleArn)} is not an IAM role ARN like arn:aws:iam::123456789012:role/gpu-worker`,
    );
  }
};

const checkCommitments = (commitments: CommitmentsConfig | undefined, problems: string[]): void => {
  if (commitments === undefined) return;
  const parsed = parseCommitments(commitments);
  if (!parsed.ok) {
    for (const issue of parsed.issues) problems.push(`commitments.${issue.field}: ${issue.message}`);
  }
};

const checkQuotas = (quotas: QuotasConfig | undefined, problems: string[]): void => {
  if (quotas === undefined) return;
  const parsed = parseQuotas(quotas);
  if (!parsed.ok) {
    for (const issue of parsed.issues) problems.push(`quotas.${issue.field}: ${issue.message}`);
  }
};

/** The guard the handlers apply when `QM_BUDGET_POLICY` / `QM_BUDGET_THRESHOLDS` are unset. */
export const DEFAULT_BUDGET_GUARD = { policy: 'alert-only', thresholds: [0.8, 1] } as const;

const checkBudgetGuard = (guard: BudgetGuardConfig | undefined, problems: string[]): void => {
  if (guard === undefined) return;
  if (guard.policy !== undefined && !BUDGET_POLICIES.includes(guard.policy)) {
    problems.push(`budgetGuard.policy: ${show(guard.policy)} must be one of ${BUDGET_POLICIES.join(', ')}`);
  }
  if (guard.thresholds === undefined) return;
  if (!Array.isArray(guard.thresholds) || guard.thresholds.length === 0) {
    problems.push(`budgetGuard.thresholds: at least one fraction is required, got ${show(guard.thresholds)}`);
    return;
  }
  guard.thresholds.forEach((t, i) => {
    if (!(typeof t === 'number' && Number.isFinite(t) && t > 0)) {
      problems.push(
        `budgetGuard.thresholds[${i}]: ${show(t)} must be a fraction of the budget > 0, e.g. 0.8`,
      );
    }
  });
};

/** `QM_BUDGET_THRESHOLDS` as `lambdas/handlers/config.ts` reads it: comma-separated numbers. */
export const budgetThresholdsEnv = (thresholds: readonly number[]): string =>
  thresholds.map(String).join(',');

const wholeMinutes = (where: string, value: Duration, problems: string[]): void => {
  const seconds = value.toSeconds();
  if (seconds < 60 || seconds % 60 !== 0) {
    problems.push(`${where}: ${value.toHumanString()} must be a whole number of minutes, at least 1`);
  }
};

/** The JSON the handlers read from `QM_TEAM_BUDGETS` (see lambdas/handlers/config.ts). */
export const teamBudgetsJson = (teams: ResolvedConfig['teams']): string =>
  JSON.stringify(
    Object.fromEntries(
      teams.map((t) => [
        t.name,
        { weight: t.weight, ...(t.monthlyBudgetUsd === undefined ? {} : { monthlyUsd: t.monthlyBudgetUsd }) },
      ]),
    ),
  );

/**
 * Validates props and fills in defaults. Collects every problem before throwing, so one synth
 * shows them all.
 * @param stackRegion the enclosing stack's region (may be an unresolved token)
 * @throws QuartermasterConfigError listing each bad prop with the value received
 */
export const resolveProps = (props: QuartermasterProps, stackRegion: string): ResolvedConfig => {
  const problems: string[] = [];
  const namePrefix = props.namePrefix ?? 'quartermaster';
  if (!PREFIX.test(namePrefix)) {
    problems.push(
      `namePrefix: ${show(namePrefix)} must start with a lower-case letter and be 1–24 lower-case letters, digits and -`,
    );
  }
  const homeRegion = props.homeRegion ?? (Token.isUnresolved(stackRegion) ? undefined : stackRegion);
  if (props.homeRegion !== undefined) {
    checkRegion('homeRegion', props.homeRegion, problems);
    if (!Token.isUnresolved(stackRegion) && stackRegion !== props.homeRegion) {
      problems.push(
        `homeRegion: ${show(props.homeRegion)} differs from the stack's region ${show(stackRegion)}`,
      );
    }
  }
  if (props.provisioningRegions !== undefined) {
    if (props.provisioningRegions.length === 0)
      problems.push('provisioningRegions: at least one region is required, got []');
    const seen = new Set<string>();
    props.provisioningRegions.forEach((region, i) => {
      checkRegion(`provisioningRegions[${i}]`, region, problems);
      if (seen.has(region)) problems.push(`provisioningRegions[${i}]: ${show(region)} is listed twice`);
      seen.add(region);
    });
  }
  checkTeams(props.teams, problems);
  const defaultMonthlyBudgetUsd = props.defaultMonthlyBudgetUsd ?? 100_000;
  if (!(Number.isFinite(defaultMonthlyBudgetUsd) && defaultMonthlyBudgetUsd > 0)) {
    problems.push(`defaultMonthlyBudgetUsd: ${show(defaultMonthlyBudgetUsd)} must be a finite amount > 0`);
  }
  checkQuotas(props.quotas, problems);
  checkCommitments(props.commitments, problems);
  checkWorker(props.worker, problems);
  checkBudgetGuard(props.budgetGuard, problems);
  const usageHalfLifeHours = props.usageHalfLifeHours ?? DEFAULT_USAGE_HALF_LIFE_HOURS;
  if (
    !(typeof usageHalfLifeHours === 'number' && Number.isFinite(usageHalfLifeHours) && usageHalfLifeHours > 0)
  ) {
    problems.push(
      `usageHalfLifeHours: ${show(usageHalfLifeHours)} must be a finite number of hours > 0, e.g. 168`,
    );
  }
  const preemption = props.preemption ?? 'off';
  if (!(PREEMPTION_MODES as readonly unknown[]).includes(preemption))
    problems.push(`preemption: ${show(preemption)} must be one of ${PREEMPTION_MODES.join(', ')}`);
  const jobTagKeys = props.jobTagKeys ?? [JOB_COST_CENTER_TAG];
  jobTagKeys.forEach((key, i) => {
    if (!TAG_KEY.test(key)) problems.push(`jobTagKeys[${i}]: ${show(key)} is not a valid EC2 tag key`);
    else if (/^(aws|quartermaster):/i.test(key)) {
      problems.push(`jobTagKeys[${i}]: ${show(key)} uses a reserved prefix (aws:, quartermaster:)`);
    }
  });
  const s = props.schedules ?? {};
  const schedules = {
    solve: s.solve ?? Duration.minutes(1),
    spotPriceRefresh: s.spotPriceRefresh ?? Duration.minutes(15),
    onDemandPriceRefresh: s.onDemandPriceRefresh ?? Duration.days(1),
    reconcile: s.reconcile ?? Duration.minutes(5),
    monthlyExportDay: s.monthlyExportDay ?? 1,
    digest: s.digest ?? Duration.hours(1),
  };
  wholeMinutes('schedules.digest', schedules.digest, problems);
  const objectLock = {
    retention: props.objectLock?.retention ?? Duration.days(365),
    mode: props.objectLock?.mode ?? ('governance' as const),
  };
  if (
    !(
      Number.isInteger(objectLock.retention.toDays({ integral: false })) && objectLock.retention.toDays() >= 1
    )
  )
    problems.push(
      `objectLock.retention: ${objectLock.retention.toHumanString()} must be a whole number of days ≥ 1`,
    );
  wholeMinutes('schedules.solve', schedules.solve, problems);
  wholeMinutes('schedules.spotPriceRefresh', schedules.spotPriceRefresh, problems);
  wholeMinutes('schedules.onDemandPriceRefresh', schedules.onDemandPriceRefresh, problems);
  wholeMinutes('schedules.reconcile', schedules.reconcile, problems);
  if (
    !(
      Number.isInteger(schedules.monthlyExportDay) &&
      schedules.monthlyExportDay >= 1 &&
      schedules.monthlyExportDay <= 28
    )
  ) {
    problems.push(
      `schedules.monthlyExportDay: ${show(schedules.monthlyExportDay)} must be a whole day of the month from 1 to 28`,
    );
  }
  const bill = props.billExport;
  const billExport =
    bill === undefined
      ? undefined
      : {
          bucketName: bill.bucketName,
          prefix: bill.prefix ?? '',
          day: bill.day ?? 5,
          kmsKeyArn: bill.kmsKeyArn,
        };
  if (billExport !== undefined) {
    if (!BUCKET.test(billExport.bucketName))
      problems.push(`billExport.bucketName: ${show(billExport.bucketName)} is not an S3 bucket name`);
    if (!(Number.isInteger(billExport.day) && billExport.day >= 1 && billExport.day <= 28))
      problems.push(`billExport.day: ${show(billExport.day)} must be a whole day of the month from 1 to 28`);
    if (billExport.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(billExport.kmsKeyArn))
      problems.push(`billExport.kmsKeyArn: ${show(billExport.kmsKeyArn)} is not a KMS key ARN`);
  }
  const teams = (props.teams ?? []).map(
    (t): ResolvedTeam => ({
      name: t.name,
      weight: t.weight ?? 1,
      ...(t.monthlyBudgetUsd === undefined ? {} : { monthlyBudgetUsd: t.monthlyBudgetUsd }),
    }),
  );
  if (problems.length === 0) {
    const envBytes =
      Buffer.byteLength(teamBudgetsJson(teams)) +
      Buffer.byteLength(JSON.stringify(props.quotas ?? {})) +
      Buffer.byteLength(JSON.stringify(props.commitments ?? {}));
    // Leave 1 KB for the names, URLs and numbers every function also gets.
    if (envBytes > LAMBDA_ENV_LIMIT_BYTES - 1024) {
      problems.push(
        `teams, quotas and commitments: ${envBytes} bytes of JSON do not fit the ${LAMBDA_ENV_LIMIT_BYTES}-byte Lambda environment (at most ${LAMBDA_ENV_LIMIT_BYTES - 1024})`,
      );
    }
  }
  if (problems.length > 0) {
    throw new QuartermasterConfigError(`Quartermaster: invalid props:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    namePrefix,
    homeRegion,
    provisioningRegions: props.provisioningRegions ?? (homeRegion === undefined ? undefined : [homeRegion]),
    teams,
    defaultMonthlyBudgetUsd,
    quotas: props.quotas,
    commitments: props.commitments,
    worker: props.worker,
    jobTagKeys,
    budgetGuard: {
      policy: props.budgetGuard?.policy ?? DEFAULT_BUDGET_GUARD.policy,
      thresholds: [...(props.budgetGuard?.thresholds ?? DEFAULT_BUDGET_GUARD.thresholds)],
    },
    usageHalfLifeHours,
    preemption,
    schedules,
    objectLock,
    billExport,
    logRetention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    eventSourcesEnabled: props.eventSourcesEnabled ?? true,
  };
};
