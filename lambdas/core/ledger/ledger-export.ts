import * as z from 'zod/mini';
import { QuartermasterError } from '../errors.js';
import { fieldOf } from '../jobs/job-request.js';
import { withoutBom } from '../jobs/strict-json.js';
import type { BudgetRecord, JobEvent, JobRecord, UsageRecord } from '../ports.js';
import type { JsonObject } from './event-chain.js';

/**
 * The ledger export: JSON Lines, one record per line, each tagged with `kind`. It is what
 * `qm report`, `qm audit verify` and `qm explain` read, and what a simulation, the example builder
 * or a DynamoDB export writes. Records may come in any order; readers stream them.
 *
 * - `job`: the job as the ledger holds it, with the allocation's stored unit price and price book.
 * - `event`: one link of a job's hash chain, exactly as stored (audits recompute its hash).
 * - `usage`: one instance's running interval, with the unit price stored at allocation.
 * - `budget`: a team's limit for a calendar month, with the head of the budget's chain; the
 *   chain's events are `event` lines whose `jobId` is the chain id `budget/<team>/<period>`.
 *
 * Blank lines and lines starting with `#` (a provenance header) are skipped.
 */

/** Whole-second UTC instants, the only form usage and FOCUS periods use (`YYYY-MM-DDTHH:mm:ssZ`). */
export const SECOND_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ANY_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const realDateTime = () => z.refine<string>((s) => !Number.isNaN(Date.parse(s)), 'is not a real date-time');
const instant = z
  .string()
  .check(z.regex(ANY_INSTANT, 'must be an ISO 8601 date-time with Z or an offset'), realDateTime());
const secondInstant = z
  .string()
  .check(
    z.regex(SECOND_INSTANT, 'must be a UTC date-time to the second: YYYY-MM-DDTHH:mm:ssZ'),
    realDateTime(),
  );
// zod 4 numbers already reject Infinity and NaN (classic's `.finite()` was a no-op).
const price = z.number().check(z.nonnegative());
const nonEmpty = z.string().check(z.minLength(1));
const period = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a calendar month yyyy-mm'));
const purchaseOption = z.enum(['spot', 'on-demand']);
const tags = z.record(z.string(), z.string());
const count = z.int().check(z.nonnegative());

/** The allocation a job holds, flattened: what it runs on and the prices stored with it. */
export const LedgerAllocationSchema = z.object({
  allocationId: nonEmpty,
  priceBookId: nonEmpty,
  /** Newest price date of the book, for `qm explain`; absent in older exports. */
  priceBookAsOf: z.optional(z.string()),
  allocatedAt: instant,
  instanceType: nonEmpty,
  region: nonEmpty,
  availabilityZone: z.nullable(z.string()),
  purchaseOption,
  nodes: z.int().check(z.positive()),
  unitPriceUsdPerHour: price,
  /** Expected hours and cost at allocation: the estimate reports compare actual cost with. */
  expectedHours: z.number().check(z.nonnegative()),
  expectedCostUsd: price,
  onDemandEquivalentUsd: price,
  reservedUsd: price,
});
export type LedgerAllocation = z.output<typeof LedgerAllocationSchema>;

export const LedgerJobSchema = z.object({
  kind: z.literal('job'),
  jobId: nonEmpty,
  team: nonEmpty,
  project: nonEmpty,
  priority: z.int(),
  state: nonEmpty,
  version: z.int().check(z.positive()),
  createdAt: instant,
  updatedAt: instant,
  period,
  attempts: count,
  allocation: z.nullable(LedgerAllocationSchema),
  runtime: z.record(z.string(), z.unknown()),
  eventCount: count,
  headHash: z.string(),
  tags: z.optional(tags),
});
export type LedgerJob = z.output<typeof LedgerJobSchema>;

/**
 * Hashes are plain strings here, not hex-checked: a tampered value must reach the audit, which
 * names the event, rather than stop the parser.
 */
export const LedgerEventSchema = z.object({
  kind: z.literal('event'),
  jobId: nonEmpty,
  seq: z.int(),
  type: nonEmpty,
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type LedgerEvent = Omit<z.output<typeof LedgerEventSchema>, 'data'> & { readonly data: JsonObject };

export const LedgerUsageSchema = z
  .object({
    kind: z.literal('usage'),
    instanceId: nonEmpty,
    jobId: nonEmpty,
    allocationId: nonEmpty,
    team: nonEmpty,
    project: nonEmpty,
    region: nonEmpty,
    availabilityZone: z.nullable(z.string()),
    instanceType: nonEmpty,
    purchaseOption,
    /** The price stored with the allocation; metering never re-prices from today's book. */
    unitPriceUsdPerHour: price,
    /** On-demand price of the same type and region (the list price); `null` when AWS sells none. */
    onDemandPriceUsdPerHour: z.nullable(price),
    priceBookId: z.optional(nonEmpty),
    /**
     * The commitment the allocation drew on (ADR 0015): the unit price is then its marginal 0 and
     * the hours cost the commitment's effective rate. Absent: none.
     */
    commitment: z.optional(
      z.strictObject({
        id: nonEmpty,
        kind: z.enum(['savings-plan', 'reserved-instance', 'capacity-reservation', 'capacity-block']),
        effectiveUnitPriceUsdPerHour: price,
      }),
    ),
    startedAt: secondInstant,
    /** `null` while the instance still runs: metered up to the end of the report window. */
    stoppedAt: z.nullable(secondInstant),
    /** True when the interval ended in a spot interruption. */
    interrupted: z.boolean(),
    /** Last checkpoint before the interruption; work after it is lost. Absent: all of it is. */
    lastCheckpointAt: z.optional(z.nullable(secondInstant)),
    /** The AWS account the instance ran in, and its display name. */
    accountId: z.optional(nonEmpty),
    accountName: z.optional(nonEmpty),
    /** The instance's display name (its Name tag). */
    resourceName: z.optional(nonEmpty),
    tags: z.optional(tags),
  })
  .check(
    z.superRefine((u, ctx) => {
      if (u.stoppedAt !== null && Date.parse(u.stoppedAt) < Date.parse(u.startedAt))
        ctx.addIssue({ code: 'custom', path: ['stoppedAt'], message: 'is before startedAt' });
      if (u.interrupted && u.stoppedAt === null)
        ctx.addIssue({
          code: 'custom',
          path: ['stoppedAt'],
          message: 'an interrupted interval must have stopped',
        });
    }),
  );
export type LedgerUsage = z.output<typeof LedgerUsageSchema>;
/** What a usage line says of the commitment its allocation drew on. */
export type UsageCommitment = NonNullable<LedgerUsage['commitment']>;

export const LedgerBudgetSchema = z.object({
  kind: z.literal('budget'),
  team: nonEmpty,
  period,
  limitUsd: price,
  reservedUsd: z.optional(price),
  spentUsd: z.optional(price),
  /** Head of the budget's chain (ADR 0010); absent on budgets kept before budgets had chains. */
  eventCount: z.optional(count),
  headHash: z.optional(z.string()),
});
export type LedgerBudget = z.output<typeof LedgerBudgetSchema>;

export type LedgerRecord = LedgerJob | LedgerEvent | LedgerUsage | LedgerBudget;
export type LedgerKind = LedgerRecord['kind'];

const SCHEMAS = {
  job: LedgerJobSchema,
  event: LedgerEventSchema,
  usage: LedgerUsageSchema,
  budget: LedgerBudgetSchema,
} as const;
const KINDS = Object.keys(SCHEMAS) as LedgerKind[];

/** A line of a ledger export that is not a valid record; names the line and the field. */
export class LedgerParseError extends QuartermasterError {
  override readonly name = 'LedgerParseError';
  constructor(
    /** 1-based line number. */
    readonly line: number,
    readonly field: string,
    readonly detail: string,
    /** The file or stream, as the caller names it. */
    readonly source = 'ledger',
  ) {
    super(`${source}:${line}: ${field}: ${detail}`);
  }
}

/**
 * Parses one line of a ledger export. Returns `undefined` for blank and `#` lines.
 * @throws LedgerParseError naming the line and the first bad field
 */
export const parseLedgerLine = (text: string, line: number, source = 'ledger'): LedgerRecord | undefined => {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    throw new LedgerParseError(line, '(root)', `not JSON: ${(error as Error).message}`, source);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new LedgerParseError(line, '(root)', 'expected a JSON object', source);
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind))
    throw new LedgerParseError(
      line,
      'kind',
      `must be one of ${KINDS.join(', ')}; got ${JSON.stringify(kind)}`,
      source,
    );
  const result = SCHEMAS[kind as LedgerKind].safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LedgerParseError(
      line,
      issue === undefined ? '(root)' : fieldOf(issue.path),
      issue?.message ?? 'invalid',
      source,
    );
  }
  return result.data as LedgerRecord;
};

/** A record with the 1-based line it was read from. */
export interface NumberedLedgerRecord {
  readonly line: number;
  readonly record: LedgerRecord;
}

/**
 * Streams records with their line numbers (audits name the line of a bad event).
 * @throws LedgerParseError at the first bad line
 */
export async function* parseNumberedLedgerLines(
  lines: AsyncIterable<string> | Iterable<string>,
  source = 'ledger',
): AsyncGenerator<NumberedLedgerRecord> {
  let line = 0;
  for await (const text of lines) {
    line += 1;
    // A byte-order mark from a Windows editor is not part of the first record.
    const record = parseLedgerLine(line === 1 ? withoutBom(text) : text, line, source);
    if (record !== undefined) yield { line, record };
  }
}

/**
 * Streams records from lines (a file's lines, an S3 object's lines, an array in a test),
 * holding one line at a time.
 * @throws LedgerParseError at the first bad line
 * @example for await (const r of parseLedgerLines(readline.createInterface({ input }))) …
 */
export async function* parseLedgerLines(
  lines: AsyncIterable<string> | Iterable<string>,
  source = 'ledger',
): AsyncGenerator<LedgerRecord> {
  for await (const { record } of parseNumberedLedgerLines(lines, source)) yield record;
}

/** Splits a whole export held as text into its lines (for tests and small files). */
export const ledgerTextLines = (text: string): string[] => text.split(/\r?\n/);

/**
 * One line of the export (no line break). Validates first, so a writer can never produce a file
 * its readers reject.
 * @throws TypeError naming the field
 */
export const ledgerLine = (record: LedgerRecord): string => {
  const result = SCHEMAS[record.kind].safeParse(record);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TypeError(
      `ledger ${record.kind} record: ${issue === undefined ? '(root)' : fieldOf(issue.path)}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return JSON.stringify(record);
};

/** The lines of an export, one per record, for any sink that writes lines. */
export function* ledgerLines(records: Iterable<LedgerRecord>): Generator<string> {
  for (const record of records) yield ledgerLine(record);
}

// ---------------------------------------------------------------------------------------------
// From ledger records (what a DynamoDB export walks) to export lines

/** A job record as an export line; `priceBookAsOf` when the caller knows the book. */
export const jobLine = (job: JobRecord, priceBookAsOf?: string): LedgerJob => {
  const held = job.allocation;
  const allocation: LedgerAllocation | null =
    held === null
      ? null
      : {
          allocationId: held.allocationId,
          priceBookId: held.priceBookId,
          ...(priceBookAsOf !== undefined ? { priceBookAsOf } : {}),
          allocatedAt: held.allocatedAt,
          instanceType: held.allocation.instanceType,
          region: held.allocation.region,
          availabilityZone: held.allocation.availabilityZone,
          purchaseOption: held.allocation.purchaseOption,
          nodes: held.allocation.nodes,
          unitPriceUsdPerHour: held.allocation.unitPriceUsdPerHour,
          expectedHours: held.allocation.expectedHours,
          expectedCostUsd: held.allocation.expectedCostUsd,
          onDemandEquivalentUsd: held.allocation.onDemandEquivalentUsd,
          reservedUsd: held.reservation.amountUsd,
        };
  return {
    kind: 'job',
    jobId: job.jobId,
    team: job.team,
    project: job.project,
    priority: job.priority,
    state: job.state,
    version: job.version,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    period: job.period,
    attempts: job.attempts,
    allocation,
    runtime: { ...job.runtime },
    eventCount: job.eventCount,
    headHash: job.headHash,
    ...(job.request.tags !== undefined ? { tags: { ...job.request.tags } } : {}),
  };
};

/** A stored event as an export line. */
export const eventLine = (event: JobEvent): LedgerEvent => ({ kind: 'event', ...event });

/** The chained event inside an export line. */
export const eventOf = (line: LedgerEvent): JobEvent => {
  const { kind: _kind, ...event } = line;
  return event;
};

/** A usage record as an export line; the on-demand price comes from the allocation's candidate. */
export const usageLine = (
  usage: UsageRecord,
  extra: {
    readonly onDemandPriceUsdPerHour: number | null;
    readonly interrupted: boolean;
    readonly priceBookId?: string;
    readonly commitment?: UsageCommitment;
    readonly lastCheckpointAt?: string | null;
    readonly accountId?: string;
    readonly accountName?: string;
    readonly resourceName?: string;
    readonly tags?: Readonly<Record<string, string>>;
  },
): LedgerUsage => ({
  kind: 'usage',
  instanceId: usage.instanceId,
  jobId: usage.jobId,
  allocationId: usage.allocationId,
  team: usage.team,
  project: usage.project,
  region: usage.region,
  availabilityZone: usage.availabilityZone,
  instanceType: usage.instanceType,
  purchaseOption: usage.purchaseOption,
  unitPriceUsdPerHour: usage.unitPriceUsdPerHour,
  onDemandPriceUsdPerHour: extra.onDemandPriceUsdPerHour,
  ...(extra.priceBookId !== undefined ? { priceBookId: extra.priceBookId } : {}),
  ...(extra.commitment !== undefined ? { commitment: extra.commitment } : {}),
  startedAt: usage.startedAt,
  stoppedAt: usage.stoppedAt,
  interrupted: extra.interrupted,
  ...(extra.lastCheckpointAt !== undefined ? { lastCheckpointAt: extra.lastCheckpointAt } : {}),
  ...(extra.accountId !== undefined ? { accountId: extra.accountId } : {}),
  ...(extra.accountName !== undefined ? { accountName: extra.accountName } : {}),
  ...(extra.resourceName !== undefined ? { resourceName: extra.resourceName } : {}),
  ...(extra.tags !== undefined ? { tags: { ...extra.tags } } : {}),
});

/** A budget record as an export line, with the head of its chain when it has one. */
export const budgetLine = (budget: BudgetRecord): LedgerBudget => ({
  kind: 'budget',
  team: budget.team,
  period: budget.period,
  limitUsd: budget.limitUsd,
  reservedUsd: budget.reservedUsd,
  spentUsd: budget.spentUsd,
  ...(budget.eventCount !== undefined && budget.headHash !== undefined
    ? { eventCount: budget.eventCount, headHash: budget.headHash }
    : {}),
});

/** An instant cut to the whole second, as usage lines carry it (`YYYY-MM-DDTHH:mm:ssZ`). */
export const toSecondInstant = (iso: string): string =>
  new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
