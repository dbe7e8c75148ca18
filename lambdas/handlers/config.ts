import { z } from 'zod';
import { BUDGET_POLICIES, type BudgetPolicy as BudgetGuardPolicy } from '../core/metering-budget.js';
import type { Quotas } from '../core/plan-inputs.js';
import { parseQuotas } from '../core/plan-inputs.js';
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
  defaultMonthlyBudgetUsd: 'QM_DEFAULT_MONTHLY_BUDGET_USD',
  teamBudgets: 'QM_TEAM_BUDGETS',
  launchTemplate: 'QM_LAUNCH_TEMPLATE',
  subnetIds: 'QM_SUBNET_IDS',
  maxPendingJobs: 'QM_MAX_PENDING_JOBS',
  solveTimeLimitSeconds: 'QM_SOLVE_TIME_LIMIT_SECONDS',
  unavailableTtlMinutes: 'QM_UNAVAILABLE_OFFER_TTL_MINUTES',
  stuckAfterMinutes: 'QM_STUCK_AFTER_MINUTES',
  runtimeFactor: 'QM_MAX_RUNTIME_FACTOR',
  overrunAction: 'QM_OVERRUN_ACTION',
  budgetPolicy: 'QM_BUDGET_POLICY',
  budgetThresholds: 'QM_BUDGET_THRESHOLDS',
} as const;

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx): z.output<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
      return z.NEVER;
    }
    return parsed.data;
  });

const positiveNumber = (fallback: number) => z.coerce.number().positive().finite().default(fallback);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const TeamBudgetsSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'team names are lower-case letters, digits and -'),
  z
    .object({ monthlyUsd: z.number().min(0).finite().optional(), weight: z.number().positive().optional() })
    .strict(),
);

const LaunchTemplateSchema = z.union([
  z.object({ id: z.string().regex(/^lt-[0-9a-f]{8,17}$/), version: z.string().default('$Latest') }).strict(),
  z.object({ name: z.string().min(3).max(128), version: z.string().default('$Latest') }).strict(),
]);

const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const EnvSchema = z.object({
  [ENV.region]: z.string().regex(REGION, 'must be an AWS region code like us-east-1'),
  [ENV.endpoint]: url.optional(),
  [ENV.table]: z.string().min(3).max(255),
  [ENV.eventsTable]: z.string().min(3).max(255),
  [ENV.queueUrl['job-requests']]: url.optional(),
  [ENV.queueUrl.provision]: url.optional(),
  [ENV.queueUrl['job-events']]: url.optional(),
  [ENV.queueUrl['ec2-events']]: url.optional(),
  [ENV.regions]: list
    .pipe(z.array(z.string().regex(REGION, 'each must be an AWS region code like us-east-1')))
    .optional(),
  [ENV.quotas]: json(z.unknown()).optional(),
  [ENV.defaultMonthlyBudgetUsd]: positiveNumber(100_000),
  [ENV.teamBudgets]: json(TeamBudgetsSchema).optional(),
  [ENV.launchTemplate]: json(LaunchTemplateSchema).optional(),
  [ENV.subnetIds]: list
    .pipe(z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'each must be a subnet id')))
    .optional(),
  [ENV.maxPendingJobs]: z.coerce.number().int().min(1).max(100_000).default(2_000),
  [ENV.solveTimeLimitSeconds]: positiveNumber(20),
  [ENV.unavailableTtlMinutes]: positiveNumber(5),
  [ENV.stuckAfterMinutes]: positiveNumber(15),
  [ENV.runtimeFactor]: positiveNumber(2),
  [ENV.overrunAction]: z.enum(['alert', 'terminate']).default('alert'),
  [ENV.budgetPolicy]: z
    .enum(BUDGET_POLICIES as [BudgetGuardPolicy, ...BudgetGuardPolicy[]], {
      error: `must be one of ${BUDGET_POLICIES.join(', ')}`,
    })
    .default('alert-only'),
  [ENV.budgetThresholds]: list
    .pipe(
      z
        .array(
          z.coerce
            .number<string>({ error: 'each must be a number, e.g. 0.8,1' })
            .finite('each must be a number, e.g. 0.8,1')
            .positive('each must be a fraction of the budget > 0, e.g. 0.8,1'),
        )
        .min(1, 'must list at least one fraction, e.g. 0.8,1'),
    )
    .default([0.8, 1]),
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
  readonly budgets: BudgetPolicy;
  /** For jobs that name no launch template. */
  readonly defaultLaunchTemplate?: LaunchTemplateConfig;
  readonly subnetIds?: readonly string[];
  readonly maxPendingJobs: number;
  readonly solveTimeLimitSeconds: number;
  readonly unavailableTtlMinutes: number;
  readonly stuckAfterMinutes: number;
  readonly maxRuntimeFactor: number;
  readonly overrunAction: 'alert' | 'terminate';
  /** What the reconciler's budget guard does once spend reaches the largest threshold. */
  readonly budgetPolicy: BudgetGuardPolicy;
  /** Fractions of a team's budget that raise an alert; enforcement starts at the largest. */
  readonly budgetThresholds: readonly number[];
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
    maxRuntimeFactor: e[ENV.runtimeFactor],
    overrunAction: e[ENV.overrunAction],
    budgetPolicy: e[ENV.budgetPolicy],
    budgetThresholds: e[ENV.budgetThresholds],
  };
};
