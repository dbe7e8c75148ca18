import * as z from 'zod/mini';
import {
  BUDGET_POLICIES,
  type BudgetPolicy as BudgetGuardPolicy,
} from '../core/accounting/metering-budget.js';
import type { Commitment } from '../core/commitments/commitment.js';
import { parseCommitments } from '../core/commitments/commitments-file.js';
import { parseStrictJson } from '../core/jobs/strict-json.js';
import { DEFAULT_USAGE_HALF_LIFE_HOURS } from '../core/planning/fair-weight.js';
import type { Quotas } from '../core/planning/plan-inputs.js';
import { parseQuotas } from '../core/planning/plan-inputs.js';
import { PREEMPTION_MODES, type PreemptionMode } from '../core/planning/preemption.js';
import type { QueueId } from '../core/ports.js';
import type { BudgetPolicy, TeamPolicy } from '../core/use-cases/run-solve.js';

/**
 * The only module that reads `process.env`. Everything a handler needs from its environment is
 * validated here once, at cold start; a bad or missing variable fails the init with its name.
 */

/** Environment variable names, for the stack that sets them and the docs. */
export const ENV = {
  region: 'AWS_REGION',
  endpoint: 'AWS_ENDPOINT_URL',
  table: 'QM_TABLE_NAME',
  eventsTable: 'QM_EVENTS_TABLE_NAME',
  queueUrl: {
    'job-requests': 'QM_JOB_REQUESTS_QUEUE_URL',
    provision: 'QM_PROVISION_QUEUE_URL',
    'job-events': 'QM_JOB_EVENTS_QUEUE_URL',
    'ec2-events': 'QM_EC2_EVENTS_QUEUE_URL',
  },
  regions: 'QM_REGIONS',
  quotas: 'QM_QUOTAS',
  commitments: 'QM_COMMITMENTS',
  defaultMonthlyBudgetUsd: 'QM_DEFAULT_MONTHLY_BUDGET_USD',
  teamBudgets: 'QM_TEAM_BUDGETS',
  launchTemplate: 'QM_LAUNCH_TEMPLATE',
  subnetIds: 'QM_SUBNET_IDS',
  maxPendingJobs: 'QM_MAX_PENDING_JOBS',
  solveTimeLimitSeconds: 'QM_SOLVE_TIME_LIMIT_SECONDS',
  unavailableTtlMinutes: 'QM_UNAVAILABLE_OFFER_TTL_MINUTES',
  stuckAfterMinutes: 'QM_STUCK_AFTER_MINUTES',
  reconcileMinutes: 'QM_RECONCILE_MINUTES',
  runtimeFactor: 'QM_MAX_RUNTIME_FACTOR',
  overrunAction: 'QM_OVERRUN_ACTION',
  budgetPolicy: 'QM_BUDGET_POLICY',
  preemption: 'QM_PREEMPTION',
  budgetThresholds: 'QM_BUDGET_THRESHOLDS',
  usageHalfLifeHours: 'QM_USAGE_HALF_LIFE_HOURS',
} as const;

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

// zod/mini transforms get the parse payload, not classic's `ctx.addIssue`; an issue pushed onto it
// without `continue` stops the pipe just the same.
const json = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.string(),
    z.transform((text: string, payload): z.output<T> => {
      const fail = (message: string) => payload.issues.push({ code: 'custom', message, input: text });
      const strict = parseStrictJson(text);
      if (!strict.ok) {
        fail(strict.message);
        return z.NEVER;
      }
      const parsed = schema.safeParse(strict.value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          fail(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
        return z.NEVER;
      }
      return parsed.data;
    }),
  );

const positiveNumber = (fallback: number) => z._default(z.coerce.number().check(z.positive()), fallback);
const list = z.pipe(
  z.string(),
  z.transform((s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  ),
);

const TeamBudgetsSchema = z.record(
  z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, 'team names are lower-case letters, digits and -')),
  z.strictObject({
    monthlyUsd: z.optional(z.number().check(z.minimum(0))),
    weight: z.optional(z.number().check(z.positive())),
  }),
);

const LaunchTemplateSchema = z.union([
  z.strictObject({
    id: z.string().check(z.regex(/^lt-[0-9a-f]{8,17}$/)),
    version: z._default(z.string(), '$Latest'),
  }),
  z.strictObject({
    name: z.string().check(z.minLength(3), z.maxLength(128)),
    version: z._default(z.string(), '$Latest'),
  }),
]);

const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const EnvSchema = z.object({
  [ENV.region]: z.string().check(z.regex(REGION, 'must be an AWS region code like us-east-1')),
  [ENV.endpoint]: z.optional(url),
  [ENV.table]: z.string().check(z.minLength(3), z.maxLength(255)),
  [ENV.eventsTable]: z.string().check(z.minLength(3), z.maxLength(255)),
  [ENV.queueUrl['job-requests']]: z.optional(url),
  [ENV.queueUrl.provision]: z.optional(url),
  [ENV.queueUrl['job-events']]: z.optional(url),
  [ENV.queueUrl['ec2-events']]: z.optional(url),
  [ENV.regions]: z.optional(
    z.pipe(
      list,
      z.array(z.string().check(z.regex(REGION, 'each must be an AWS region code like us-east-1'))),
    ),
  ),
  [ENV.quotas]: z.optional(json(z.unknown())),
  [ENV.commitments]: z.optional(json(z.unknown())),
  [ENV.defaultMonthlyBudgetUsd]: positiveNumber(100_000),
  [ENV.teamBudgets]: z.optional(json(TeamBudgetsSchema)),
  [ENV.launchTemplate]: z.optional(json(LaunchTemplateSchema)),
  [ENV.subnetIds]: z.optional(
    z.pipe(list, z.array(z.string().check(z.regex(/^subnet-[0-9a-f]+$/, 'each must be a subnet id')))),
  ),
  [ENV.maxPendingJobs]: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100_000)), 2_000),
  [ENV.solveTimeLimitSeconds]: positiveNumber(20),
  [ENV.unavailableTtlMinutes]: positiveNumber(5),
  [ENV.stuckAfterMinutes]: positiveNumber(15),
  [ENV.reconcileMinutes]: positiveNumber(5),
  [ENV.runtimeFactor]: positiveNumber(2),
  [ENV.overrunAction]: z._default(z.enum(['alert', 'terminate']), 'alert'),
  [ENV.preemption]: z._default(
    z.enum(PREEMPTION_MODES as unknown as [PreemptionMode, ...PreemptionMode[]], {
      error: `must be one of ${PREEMPTION_MODES.join(', ')}`,
    }),
    'off',
  ),
  [ENV.budgetPolicy]: z._default(
    z.enum(BUDGET_POLICIES as [BudgetGuardPolicy, ...BudgetGuardPolicy[]], {
      error: `must be one of ${BUDGET_POLICIES.join(', ')}`,
    }),
    'alert-only',
  ),
  // zod 4 numbers reject NaN and Infinity, so a word or "Infinity" in the list fails the number check.
  [ENV.budgetThresholds]: z._default(
    z.pipe(
      list,
      z
        .array(
          z.coerce
            .number<string>({ error: 'each must be a number, e.g. 0.8,1' })
            .check(z.positive('each must be a fraction of the budget > 0, e.g. 0.8,1')),
        )
        .check(z.minLength(1, 'must list at least one fraction, e.g. 0.8,1')),
    ),
    [0.8, 1],
  ),
  [ENV.usageHalfLifeHours]: positiveNumber(DEFAULT_USAGE_HALF_LIFE_HOURS),
});

/** Thrown at cold start when the environment is wrong; names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type LaunchTemplateConfig = z.output<typeof LaunchTemplateSchema>;

/** What the handlers need to know about their deployment. */
export interface HandlerConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly tableName: string;
  /** The append-only job events table (ADR 0005). */
  readonly eventsTableName: string;
  /** Queues not configured for a handler are '' and fail loudly if that handler uses them. */
  readonly queueUrls: Readonly<Record<QueueId, string>>;
  /** Regions the service plans, launches and reconciles in; the Lambda's region when unset. */
  readonly regions: readonly string[];
  readonly quotas: Quotas;
  /** Savings Plans, RIs, capacity reservations and Capacity Blocks the solve plans on (ADR 0015). */
  readonly commitments: readonly Commitment[];
  readonly budgets: BudgetPolicy;
  /** For jobs that name no launch template. */
  readonly defaultLaunchTemplate?: LaunchTemplateConfig;
  readonly subnetIds?: readonly string[];
  readonly maxPendingJobs: number;
  readonly solveTimeLimitSeconds: number;
  readonly unavailableTtlMinutes: number;
  readonly stuckAfterMinutes: number;
  /** The reconcile schedule, so its deadline check leaves enough margin until the next run. */
  readonly reconcileMinutes: number;
  readonly maxRuntimeFactor: number;
  readonly overrunAction: 'alert' | 'terminate';
  /** What the reconciler's budget guard does once spend reaches the largest threshold. */
  readonly budgetPolicy: BudgetGuardPolicy;
  /** Whether the solve may stop lower-priority jobs for waiting ones (ADR 0016). */
  readonly preemption: PreemptionMode;
  /** Fractions of a team's budget that raise an alert; enforcement starts at the largest. */
  readonly budgetThresholds: readonly number[];
  /** Half-life of past usage in the solver's fair share (ADR 0006). */
  readonly usageHalfLifeHours: number;
}

/**
 * Reads and validates the handler environment.
 * @throws ConfigError naming each bad variable, e.g. `QM_TABLE_NAME: required`
 */
export const loadConfig = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): HandlerConfig => {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) =>
        `${String(i.path[0] ?? '(env)')}: ${i.message === 'Invalid input: expected string, received undefined' ? 'required' : i.message}`,
    );
    throw new ConfigError(`invalid handler configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  let quotas: Quotas = { defaultVcpus: null, limits: new Map() };
  if (e[ENV.quotas] !== undefined) {
    const q = parseQuotas(e[ENV.quotas]);
    if (!q.ok)
      throw new ConfigError(
        `invalid handler configuration: ${ENV.quotas}: ${q.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      );
    quotas = q.value;
  }
  let commitments: readonly Commitment[] = [];
  if (e[ENV.commitments] !== undefined) {
    const c = parseCommitments(e[ENV.commitments]);
    if (!c.ok)
      throw new ConfigError(
        `invalid handler configuration: ${ENV.commitments}: ${c.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      );
    commitments = c.value.commitments;
  }
  const queue = (key: keyof typeof ENV.queueUrl): string => e[ENV.queueUrl[key]] ?? '';
  const endpoint = e[ENV.endpoint];
  const launchTemplate = e[ENV.launchTemplate];
  const subnetIds = e[ENV.subnetIds];
  return {
    region: e[ENV.region],
    ...(endpoint === undefined ? {} : { endpoint }),
    tableName: e[ENV.table],
    eventsTableName: e[ENV.eventsTable],
    queueUrls: {
      'job-requests': queue('job-requests'),
      provision: queue('provision'),
      'job-events': queue('job-events'),
      'ec2-events': queue('ec2-events'),
      'job-requests-dlq': '',
      'provision-dlq': '',
      'job-events-dlq': '',
      'ec2-events-dlq': '',
    },
    regions: e[ENV.regions] ?? [e[ENV.region]],
    quotas,
    commitments,
    budgets: {
      defaultMonthlyUsd: e[ENV.defaultMonthlyBudgetUsd],
      teams: new Map(
        Object.entries(e[ENV.teamBudgets] ?? {}).map(([team, t]): [string, TeamPolicy] => [
          team,
          {
            ...(t.monthlyUsd === undefined ? {} : { monthlyUsd: t.monthlyUsd }),
            ...(t.weight === undefined ? {} : { weight: t.weight }),
          },
        ]),
      ),
    },
    ...(launchTemplate === undefined ? {} : { defaultLaunchTemplate: launchTemplate }),
    ...(subnetIds === undefined ? {} : { subnetIds }),
    maxPendingJobs: e[ENV.maxPendingJobs],
    solveTimeLimitSeconds: e[ENV.solveTimeLimitSeconds],
    unavailableTtlMinutes: e[ENV.unavailableTtlMinutes],
    stuckAfterMinutes: e[ENV.stuckAfterMinutes],
    reconcileMinutes: e[ENV.reconcileMinutes],
    maxRuntimeFactor: e[ENV.runtimeFactor],
    overrunAction: e[ENV.overrunAction],
    budgetPolicy: e[ENV.budgetPolicy],
    preemption: e[ENV.preemption],
    budgetThresholds: e[ENV.budgetThresholds],
    usageHalfLifeHours: e[ENV.usageHalfLifeHours],
  };
};
