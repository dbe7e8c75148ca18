import * as z from 'zod/mini';
import { type FieldIssue, TeamNameSchema, toFieldIssues } from '../jobs/job-request.js';
import { parseStrictJson } from '../jobs/strict-json.js';
import type { PurchaseOption, QuotaClass, QuotaFamily, QuotaLimit } from '../pricing/offer.js';

/**
 * The two planning inputs a platform team maintains by hand: AWS vCPU quotas per region and quota
 * class, and team budgets for the period. Pure parsing; callers read the files.
 */

const PURCHASE_OPTIONS = ['spot', 'on-demand'] as const satisfies readonly PurchaseOption[];
const QUOTA_FAMILIES = [
  'P',
  'G',
  'Inf',
  'Trn',
  'DL',
  'F',
  'Standard',
] as const satisfies readonly QuotaFamily[];

/** Every quota class, e.g. `on-demand/P`, `spot/G`. */
export const QUOTA_CLASSES: readonly QuotaClass[] = PURCHASE_OPTIONS.flatMap((option) =>
  QUOTA_FAMILIES.map((family): QuotaClass => `${option}/${family}`),
);

/** Map key of a quota: `${region}|${class}`. */
export const quotaKey = (region: string, cls: QuotaClass): string => `${region}|${cls}`;

/** Parse result shared by the planning inputs: a value, or issues that name the field. */
export type InputResult<T> = { ok: true; value: T } | { ok: false; issues: readonly FieldIssue[] };

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });
const isoDateOrDateTime = z.string().check(
  z.maxLength(40),
  z.refine(
    (v) => isoDate.safeParse(v).success || isoDateTime.safeParse(v).success,
    'must be an ISO 8601 date (2026-11-01) or a date-time with Z or an offset',
  ),
);
const vcpus = z.number().check(z.int('must be a whole number of vCPUs'), z.minimum(0), z.maximum(1_000_000));

export const QuotasFileSchema = z
  .strictObject({
    /** When the quotas were read from Service Quotas. */
    asOf: isoDateOrDateTime,
    description: z.optional(z.string().check(z.maxLength(1000))),
    /** Limit for pools not listed: a number, or null when unlisted pools are unlimited. */
    defaultVcpus: z.nullable(vcpus),
    quotas: z
      .array(
        z.strictObject({
          region: z
            .string()
            .check(z.maxLength(32), z.regex(REGION, 'must be an AWS region code like us-east-1')),
          class: z.enum(QUOTA_CLASSES as [QuotaClass, ...QuotaClass[]], {
            message: `must be one of ${QUOTA_CLASSES.join(', ')}`,
          }),
          vcpus,
        }),
      )
      .check(z.maxLength(10_000)),
  })
  .check(
    z.superRefine((file, ctx) => {
      const seen = new Map<string, number>();
      file.quotas.forEach((q, i) => {
        const key = quotaKey(q.region, q.class);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          ctx.addIssue({
            code: 'custom',
            path: ['quotas', i],
            message: `duplicate quota for ${q.region} ${q.class} (first at quotas[${first}])`,
          });
      });
    }),
  );

/** AWS vCPU quotas for planning: running vCPUs allowed per region and quota class. */
export type Quotas = {
  /** Limit for pools not in `limits`; `null` means unlimited. */
  defaultVcpus: number | null;
  /** Keyed by {@link quotaKey}. */
  limits: ReadonlyMap<string, number>;
};

/** The vCPU limit of one pool: its listed quota, else the default (`Infinity` when the default is null). */
export const quotaLimit = (quotas: Quotas, region: string, cls: QuotaClass): number =>
  quotas.limits.get(quotaKey(region, cls)) ?? quotas.defaultVcpus ?? Number.POSITIVE_INFINITY;

/** Validates a decoded quotas file. */
export const parseQuotas = (value: unknown): InputResult<Quotas> => {
  const result = QuotasFileSchema.safeParse(value);
  if (!result.success) return { ok: false, issues: toFieldIssues(result.error.issues) };
  const limits = new Map(result.data.quotas.map((q) => [quotaKey(q.region, q.class), q.vcpus] as const));
  return { ok: true, value: { defaultVcpus: result.data.defaultVcpus, limits } };
};

const usd = z.number().check(z.minimum(0), z.maximum(1e12));

export const BudgetsFileSchema = z
  .strictObject({
    /** Budget month, `YYYY-MM`. */
    period: z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month like 2026-11')),
    /** Only USD: AWS prices are in USD and no conversion is made. */
    currency: z.literal('USD', { message: 'must be USD' }),
    teams: z
      .array(
        z.strictObject({
          team: TeamNameSchema,
          /** Fair-share weight: a team with weight 2 is entitled to twice the share of weight 1. */
          weight: z._default(z.number().check(z.positive('must be greater than 0'), z.maximum(1000)), 1),
          /** Budget for the period; null or absent means no budget limit. */
          monthlyUsd: z._default(z.nullable(usd), null),
          spentUsd: z._default(usd, 0),
          /** Committed to allocations that have not settled yet. */
          reservedUsd: z._default(usd, 0),
        }),
      )
      .check(z.maxLength(10_000)),
  })
  .check(
    z.superRefine((file, ctx) => {
      const seen = new Map<string, number>();
      file.teams.forEach((t, i) => {
        const first = seen.get(t.team);
        if (first === undefined) seen.set(t.team, i);
        else
          ctx.addIssue({
            code: 'custom',
            path: ['teams', i, 'team'],
            message: `duplicate team ${t.team} (first at teams[${first}])`,
          });
      });
    }),
  );

/** One team's budget position for the period. */
export type TeamBudget = { weight: number; monthlyUsd: number | null; spentUsd: number; reservedUsd: number };

/** Team budgets and fair-share weights for one period. */
export type Budgets = { period: string; teams: ReadonlyMap<string, TeamBudget> };

/** Validates a decoded budgets file. */
export const parseBudgets = (value: unknown): InputResult<Budgets> => {
  const result = BudgetsFileSchema.safeParse(value);
  if (!result.success) return { ok: false, issues: toFieldIssues(result.error.issues) };
  const teams = new Map(
    result.data.teams.map(({ team, ...budget }) => [team, budget satisfies TeamBudget] as const),
  );
  return { ok: true, value: { period: result.data.period, teams } };
};

/**
 * Money a team may still commit this period: budget − spent − reserved, never negative (an
 * overspent team simply has nothing left). `Infinity` when the team has no budget.
 */
export const remainingBudgetUsd = (budgets: Budgets, team: string): number => {
  const budget = budgets.teams.get(team);
  if (budget === undefined || budget.monthlyUsd === null) return Number.POSITIVE_INFINITY;
  return Math.max(0, budget.monthlyUsd - budget.spentUsd - budget.reservedUsd);
};

/** Fair-share weight of a team; teams not in the file weigh 1. */
export const teamWeight = (budgets: Budgets, team: string): number => budgets.teams.get(team)?.weight ?? 1;

const parseText =
  <T>(parse: (value: unknown) => InputResult<T>) =>
  (text: string): InputResult<T> => {
    const parsed = parseStrictJson(text);
    if (!parsed.ok)
      return { ok: false, issues: [{ field: parsed.duplicate?.path ?? '(body)', message: parsed.message }] };
    return parse(parsed.value);
  };

/** {@link parseQuotas} on file text; text that is not JSON is an issue at `(body)`. */
export const parseQuotasText = parseText(parseQuotas);

/** {@link parseBudgets} on file text; text that is not JSON is an issue at `(body)`. */
export const parseBudgetsText = parseText(parseBudgets);

/**
 * The quotas a solve plans against: the account's, as the last price refresh read them from
 * Service Quotas, with the configured pools on top (configuration is an override, e.g. to keep
 * headroom for work outside the service) and the configured default for pools neither names.
 */
export const withLiveQuotas = (configured: Quotas, live: readonly QuotaLimit[] | undefined): Quotas => {
  if (live === undefined || live.length === 0) return configured;
  const limits = new Map(live.map((q) => [quotaKey(q.region, q.quotaClass), q.vcpus] as const));
  for (const [key, vcpus] of configured.limits) limits.set(key, vcpus);
  return { defaultVcpus: configured.defaultVcpus, limits };
};
