import { QuartermasterError } from '../errors.js';
import { safeText } from '../jobs/safe-text.js';

/**
 * One instance-hour line of an AWS Data Exports bill, in the terms reconciliation needs, read
 * from either export the service accepts:
 *
 * - `cur2`: the Cost and Usage Report 2.0 table (`COST_AND_USAGE_REPORT`), snake_case columns
 *   such as `line_item_resource_id`, `line_item_usage_start_date`, `pricing_term`,
 *   `savings_plan_savings_plan_effective_cost`, `reservation_effective_cost`, `resource_tags`.
 * - `focus12`: the FOCUS 1.2 with AWS columns table (`FOCUS_1_2_AWS`), PascalCase columns such
 *   as `ResourceId`, `ChargePeriodStart`, `EffectiveCost`, `PricingCategory`,
 *   `CommitmentDiscountId`, `Tags`, plus AWS's `x_ServiceCode` and `x_UsageType`.
 *
 * Only EC2 instance usage (box, spot and dedicated usage of an `i-…` resource) becomes a line;
 * every other row (storage, data transfer, fees, taxes, credits, Savings Plans negations) is
 * counted and skipped. Pure: rows come in as column → value records from a file adapter.
 */

export type BillFormat = 'cur2' | 'focus12';

/** How the bill priced a line: what explains a difference from the ledger's unit price. */
export type BillPricing = 'on-demand' | 'spot' | 'savings-plan' | 'reserved-instance';

export interface BillLine {
  /** Where the row is in the file: CSV, the physical line it starts on (1 is the header); Parquet, its 1-based row. */
  readonly line: number;
  /** The EC2 instance id (`i-…`), from an id or an instance ARN. */
  readonly instanceId: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Instance-hours billed (usage amount). */
  readonly hours: number;
  /** What the usage cost after Savings Plans and reservations: whole micro-dollars. */
  readonly costMicros: number;
  /** Cost per billed hour (USD); `null` when no hours were billed. */
  readonly rateUsdPerHour: number | null;
  /** The public on-demand rate of the line, when the bill gives one. */
  readonly onDemandRateUsdPerHour: number | null;
  readonly pricing: BillPricing;
  /** The Savings Plan or reservation ARN covering the line, when there is one. */
  readonly commitmentId: string | null;
  /**
   * Resource tags with their keys as AWS wrote them (`user_…` prefixes kept), read on first use.
   * @throws BillInputError on that use when the tag column cannot be read
   */
  readonly tags: Readonly<Record<string, string>>;
  readonly instanceType: string | null;
  readonly accountId: string | null;
  /** The billing period of the line, when the export carries it. */
  readonly periodStartMs: number | null;
  readonly periodEndMs: number | null;
}

/** A bill row the reconciliation cannot read; names the file, the row and the column. */
export class BillInputError extends QuartermasterError {
  override readonly name = 'BillInputError';
  constructor(
    readonly source: string,
    /** 1-based line (CSV) or row (Parquet); 1 is the header for CSV. */
    readonly line: number,
    readonly column: string,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${column}: ${detail}`);
  }
}

/** The columns each format is recognised by; a file with neither is not a bill. */
const MARKERS: Readonly<Record<BillFormat, readonly string[]>> = {
  cur2: ['line_item_resource_id', 'line_item_usage_start_date'],
  focus12: ['ResourceId', 'ChargePeriodStart'],
};

/** Columns read per format; every one must be in the file. */
export const REQUIRED_BILL_COLUMNS: Readonly<Record<BillFormat, readonly string[]>> = {
  cur2: [
    'line_item_line_item_type',
    'line_item_product_code',
    'line_item_usage_type',
    'line_item_resource_id',
    'line_item_usage_start_date',
    'line_item_usage_end_date',
    'line_item_usage_amount',
    'line_item_unblended_cost',
  ],
  focus12: [
    'ChargeCategory',
    'ResourceId',
    'ChargePeriodStart',
    'ChargePeriodEnd',
    'ConsumedQuantity',
    'EffectiveCost',
  ],
};

/** Columns read when present. */
export const OPTIONAL_BILL_COLUMNS: Readonly<Record<BillFormat, readonly string[]>> = {
  cur2: [
    'bill_billing_period_start_date',
    'bill_billing_period_end_date',
    'line_item_usage_account_id',
    'line_item_unblended_rate',
    'pricing_term',
    'pricing_public_on_demand_rate',
    'product_instance_type',
    'savings_plan_savings_plan_a_r_n',
    'savings_plan_savings_plan_effective_cost',
    'reservation_reservation_a_r_n',
    'reservation_effective_cost',
    'resource_tags',
  ],
  focus12: [
    'BillingPeriodStart',
    'BillingPeriodEnd',
    'ChargeClass',
    'CommitmentDiscountId',
    'CommitmentDiscountType',
    'ListUnitPrice',
    'PricingCategory',
    'ServiceName',
    'SubAccountId',
    'Tags',
    'x_ServiceCode',
    'x_UsageType',
  ],
};

/** Every column either format reads: what a file adapter needs to keep of a row. */
export const BILL_COLUMNS: readonly string[] = [
  ...new Set([
    ...REQUIRED_BILL_COLUMNS.cur2,
    ...OPTIONAL_BILL_COLUMNS.cur2,
    ...REQUIRED_BILL_COLUMNS.focus12,
    ...OPTIONAL_BILL_COLUMNS.focus12,
  ]),
];

/**
 * Which export the columns are, checked for every column the format needs.
 * @throws BillInputError naming the header (line 1) and what is missing
 */
export const billFormatOf = (columns: readonly string[], source: string): BillFormat => {
  const have = new Set(columns);
  const format = (Object.keys(MARKERS) as BillFormat[]).find((f) => MARKERS[f].every((c) => have.has(c)));
  if (format === undefined)
    throw new BillInputError(
      source,
      1,
      '(header)',
      'not a CUR 2.0 or FOCUS 1.2 export: expected the columns line_item_resource_id and line_item_usage_start_date (CUR 2.0) or ResourceId and ChargePeriodStart (FOCUS 1.2)',
    );
  const missing = REQUIRED_BILL_COLUMNS[format].filter((c) => !have.has(c));
  if (missing.length > 0)
    throw new BillInputError(
      source,
      1,
      missing[0] ?? '(header)',
      `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the ${format === 'cur2' ? 'CUR 2.0' : 'FOCUS 1.2'} export`,
    );
  return format;
};

/** A row's values by column; absent, `null` and `''` all mean "no value". */
export type BillRowValues = Readonly<Record<string, unknown>>;

const MS_PER_HOUR = 3_600_000;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** `arn:aws:ec2:us-east-1:123456789012:instance/i-0abc…` → `i-0abc…`. */
const INSTANCE_ARN = /^arn:aws[\w-]*:ec2:[^:]*:[^:]*:instance\/(i-[0-9a-f]{8,17})$/;
/** EC2 instance-hour usage types: `USE1-BoxUsage:p5.48xlarge`, `SpotUsage:g6.xlarge`, `DedicatedUsage:…`. */
const INSTANCE_USAGE = /(?:^|-)(BoxUsage|SpotUsage|DedicatedUsage)(?::(.+))?$/;

const text = (values: BillRowValues, column: string): string => {
  const value = values[column];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
};

/** `2026-11-03T14:00:00Z`, `…00.000Z`, `…+00:00`, or the Athena form `2026-11-03 14:00:00` (UTC). */
const SPACE_INSTANT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Instants already parsed, by their text (a memo: the same text always gives the same instant). */
const INSTANTS = new Map<string, number>();
const MAX_INSTANTS = 100_000;

const bad = (source: string, line: number, column: string, detail: string): never => {
  throw new BillInputError(source, line, column, detail);
};

const shown = (value: unknown): string =>
  safeText(JSON.stringify(typeof value === 'bigint' ? String(value) : value) ?? '');

const instantMs = (
  values: BillRowValues,
  column: string,
  line: number,
  source: string,
  required: boolean,
): number | null => {
  const value = values[column];
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? bad(source, line, column, 'is not a real date-time') : ms;
  }
  // Parquet timestamps without a logical type arrive as epoch numbers (milliseconds).
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  const raw = text(values, column);
  if (raw === '') return required ? bad(source, line, column, 'is empty; expected a date-time') : null;
  const known = INSTANTS.get(raw);
  if (known !== undefined) return known;
  const space = SPACE_INSTANT.exec(raw);
  const iso = space === null ? raw : `${space[1]}T${space[2]}Z`;
  const ms = ISO_INSTANT.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms))
    bad(source, line, column, `must be an ISO 8601 date-time (e.g. 2026-11-03T14:00:00Z); got ${shown(raw)}`);
  // A month of hourly lines has a few thousand distinct instants: each is parsed once.
  if (INSTANTS.size >= MAX_INSTANTS) INSTANTS.clear();
  INSTANTS.set(raw, ms);
  return ms;
};

const amount = (
  values: BillRowValues,
  column: string,
  line: number,
  source: string,
  required: boolean,
): number | null => {
  const value = values[column];
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? value
      : bad(source, line, column, `must be a finite number; got ${value}`);
  }
  const raw = text(values, column);
  if (raw === '') return required ? bad(source, line, column, 'is empty; expected a number') : null;
  const n = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) bad(source, line, column, `must be a number; got ${shown(raw)}`);
  return n;
};

/** Tags as a map column (Parquet) or its JSON text (CSV); empty when absent. */
const tagsOf = (
  values: BillRowValues,
  column: string,
  line: number,
  source: string,
): Record<string, string> => {
  const value = values[column];
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return bad(source, line, column, `must be a JSON object of tag keys and values; got ${shown(value)}`);
    }
  }
  if (parsed instanceof Map) parsed = Object.fromEntries(parsed);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return bad(source, line, column, 'must be a map of tag keys to values');
  const tags: Record<string, string> = {};
  for (const [key, v] of Object.entries(parsed as Record<string, unknown>))
    if (v !== null && v !== undefined) tags[key] = String(v);
  return tags;
};

/**
 * Tags are read when asked for: only lines of instances the ledger does not know need them (to
 * tell a leak from another workload), and parsing a JSON map on every line is most of the cost.
 */
const lazyTags = (values: BillRowValues, column: string, line: number, source: string) => {
  let tags: Record<string, string> | undefined;
  return (): Record<string, string> => {
    tags ??= tagsOf(values, column, line, source);
    return tags;
  };
};

const instanceIdOf = (resourceId: string): string | null => {
  if (INSTANCE_ID.test(resourceId)) return resourceId;
  return INSTANCE_ARN.exec(resourceId)?.[1] ?? null;
};

const micros = (usd: number): number => Math.round(usd * 1_000_000);

/** Hourly lines only: a daily or monthly export cannot be matched to the hour. */
const checkHour = (startMs: number, endMs: number, line: number, source: string, column: string) => {
  if (endMs <= startMs) bad(source, line, column, 'ends at or before the usage start');
  if (endMs - startMs > MS_PER_HOUR)
    bad(
      source,
      line,
      column,
      `the line covers ${((endMs - startMs) / MS_PER_HOUR).toFixed(1)} h: reconciliation needs an hourly export (time granularity HOURLY)`,
    );
};

const curLine = (values: BillRowValues, line: number, source: string): BillLine | undefined => {
  const type = text(values, 'line_item_line_item_type');
  if (type !== 'Usage' && type !== 'SavingsPlanCoveredUsage' && type !== 'DiscountedUsage') return undefined;
  if (text(values, 'line_item_product_code') !== 'AmazonEC2') return undefined;
  const usage = INSTANCE_USAGE.exec(text(values, 'line_item_usage_type'));
  const instanceId = instanceIdOf(text(values, 'line_item_resource_id'));
  if (usage === null || instanceId === null) return undefined;
  const startMs = instantMs(values, 'line_item_usage_start_date', line, source, true) as number;
  const endMs = instantMs(values, 'line_item_usage_end_date', line, source, true) as number;
  checkHour(startMs, endMs, line, source, 'line_item_usage_end_date');
  const tags = lazyTags(values, 'resource_tags', line, source);
  const hours = amount(values, 'line_item_usage_amount', line, source, true) as number;
  let pricing: BillPricing;
  let cost: number;
  let commitmentId: string | null = null;
  if (type === 'SavingsPlanCoveredUsage') {
    pricing = 'savings-plan';
    cost = amount(values, 'savings_plan_savings_plan_effective_cost', line, source, true) as number;
    commitmentId = text(values, 'savings_plan_savings_plan_a_r_n') || null;
  } else if (type === 'DiscountedUsage') {
    pricing = 'reserved-instance';
    cost = amount(values, 'reservation_effective_cost', line, source, true) as number;
    commitmentId = text(values, 'reservation_reservation_a_r_n') || null;
  } else {
    pricing = text(values, 'pricing_term') === 'Spot' || usage[1] === 'SpotUsage' ? 'spot' : 'on-demand';
    cost = amount(values, 'line_item_unblended_cost', line, source, true) as number;
  }
  return {
    line,
    instanceId,
    startMs,
    endMs,
    hours,
    costMicros: micros(cost),
    rateUsdPerHour: hours > 0 ? cost / hours : null,
    onDemandRateUsdPerHour: amount(values, 'pricing_public_on_demand_rate', line, source, false),
    pricing,
    commitmentId,
    get tags() {
      return tags();
    },
    instanceType: text(values, 'product_instance_type') || usage[2] || null,
    accountId: text(values, 'line_item_usage_account_id') || null,
    periodStartMs: instantMs(values, 'bill_billing_period_start_date', line, source, false),
    periodEndMs: instantMs(values, 'bill_billing_period_end_date', line, source, false),
  };
};

const focusLine = (values: BillRowValues, line: number, source: string): BillLine | undefined => {
  if (text(values, 'ChargeCategory') !== 'Usage' || text(values, 'ChargeClass') === 'Correction')
    return undefined;
  const service = text(values, 'x_ServiceCode');
  const serviceName = text(values, 'ServiceName');
  if (service !== 'AmazonEC2' && !(service === '' && serviceName === 'Amazon Elastic Compute Cloud'))
    return undefined;
  const usageType = text(values, 'x_UsageType');
  const usage = usageType === '' ? null : INSTANCE_USAGE.exec(usageType);
  const instanceId = instanceIdOf(text(values, 'ResourceId'));
  if ((usageType !== '' && usage === null) || instanceId === null) return undefined;
  const startMs = instantMs(values, 'ChargePeriodStart', line, source, true) as number;
  const endMs = instantMs(values, 'ChargePeriodEnd', line, source, true) as number;
  checkHour(startMs, endMs, line, source, 'ChargePeriodEnd');
  const tags = lazyTags(values, 'Tags', line, source);
  const hours = amount(values, 'ConsumedQuantity', line, source, true) as number;
  const cost = amount(values, 'EffectiveCost', line, source, true) as number;
  const category = text(values, 'PricingCategory');
  const commitment = text(values, 'CommitmentDiscountId');
  const commitmentType = text(values, 'CommitmentDiscountType');
  let pricing: BillPricing = 'on-demand';
  if (commitment !== '' || category === 'Committed') {
    pricing =
      /:savingsplan\//.test(commitment) || /savings/i.test(commitmentType)
        ? 'savings-plan'
        : 'reserved-instance';
  } else if (category === 'Dynamic' || usage?.[1] === 'SpotUsage') pricing = 'spot';
  return {
    line,
    instanceId,
    startMs,
    endMs,
    hours,
    costMicros: micros(cost),
    rateUsdPerHour: hours > 0 ? cost / hours : null,
    onDemandRateUsdPerHour: amount(values, 'ListUnitPrice', line, source, false),
    pricing,
    commitmentId: commitment === '' ? null : commitment,
    get tags() {
      return tags();
    },
    instanceType: usage?.[2] ?? null,
    accountId: text(values, 'SubAccountId') || null,
    periodStartMs: instantMs(values, 'BillingPeriodStart', line, source, false),
    periodEndMs: instantMs(values, 'BillingPeriodEnd', line, source, false),
  };
};

/**
 * The instance-hour line a row holds, or `undefined` for a row that is not EC2 instance usage.
 * @throws BillInputError naming the row and column of a value that cannot be read
 */
export const billLineOf = (
  format: BillFormat,
  values: BillRowValues,
  line: number,
  source: string,
): BillLine | undefined =>
  format === 'cur2' ? curLine(values, line, source) : focusLine(values, line, source);

/**
 * A tag key as compared across exports: without AWS's `user_`/`user:` prefix, lower case, every
 * run of characters other than letters and digits as one `_` (`user_quartermaster_managed_by`
 * and `quartermaster:managed-by` are the same key).
 */
export const normalTagKey = (key: string): string =>
  key
    .replace(/^user[_:]/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_');

/** A tag's value by its service-side key (e.g. `quartermaster:team`), however the export spelled it. */
export const billTag = (tags: Readonly<Record<string, string>>, key: string): string | undefined => {
  const wanted = normalTagKey(key);
  for (const [k, v] of Object.entries(tags)) if (normalTagKey(k) === wanted) return v;
  return undefined;
};
