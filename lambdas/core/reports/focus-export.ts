import { type DrawnInterval, drawnIntervalOf } from '../accounting/commitment-draw.js';
import { reportWindow } from '../accounting/cost-report.js';
import { type MeteredPiece, meterUsage } from '../accounting/metering.js';
import type { Commitment } from '../commitments/commitment.js';
import type { LedgerRecord, LedgerUsage } from '../ledger/ledger-export.js';
import { availabilityZoneRef } from '../pricing/availability-zone.js';
import { csvLine } from './csv.js';
import {
  type CommitmentColumns,
  type CommitmentRow,
  commitmentRows,
  commitmentTypeName,
  committedUsage,
  NO_COMMITMENT,
} from './focus-commitments.js';

/**
 * FOCUS 1.2 (CostAndUsage) rows for GPU instances on EC2, one per usage interval per billing
 * period (calendar month), streamed. Columns: every mandatory FOCUS column and every conditional
 * one whose capability applies to EC2 instances (see {@link FOCUS_CAPABILITIES}), plus the
 * optional ChargeFrequency and ServiceSubcategory; then the `x_` columns, after all FOCUS columns.
 *
 * Cost columns: BilledCost = EffectiveCost = ContractedCost = hours × the unit price stored with
 * the allocation; ListCost = hours × the on-demand price. Spot is `PricingCategory` Dynamic,
 * on-demand Standard. A usage line that drew on a commitment, and the commitments given in
 * `options.commitments` (their unused parts and purchases), follow focus-commitments.ts.
 *
 * Zones: the ledger identifies them by AZ id, the same zone in every account; FOCUS wants the
 * provider's own value, which for AWS bills is the AZ name. `AvailabilityZone` is the name when it
 * is known (a Local Zone's name follows from its id; a regular AZ's only from the account's map,
 * `zoneNames`), else the id; `x_AvailabilityZoneId` is always the id when the ledger has one.
 */

/** Provider capabilities that make conditional FOCUS columns apply to GPU instances on EC2. */
export const FOCUS_CAPABILITIES = [
  'ACCOUNT_NAMING_SUPPORTED',
  'AVAILABILITY_ZONE_SUPPORTED',
  'BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED',
  'CAPACITY_RESERVATION_SUPPORTED',
  'COMMITMENT_DISCOUNT_SUPPORTED',
  'NEGOTIATED_PRICING_SUPPORTED',
  'PUBLIC_PRICE_LIST_SUPPORTED',
  'REGION_SUPPORTED',
  'RESOURCE_TYPE_ASSIGNMENT_SUPPORTED',
  'SUB_ACCOUNT_SUPPORTED',
  'TAGGING_SUPPORTED',
  'UNIT_PRICING_SUPPORTED',
  'USAGE_MEASUREMENT_SUPPORTED',
] as const;

/** Capabilities that do not apply (one billing and sub-account type, no currency conversion). */
export const FOCUS_CAPABILITIES_NOT_SUPPORTED = [
  'MULTIPLE_BILLING_ACCOUNT_TYPES_SUPPORTED',
  'MULTIPLE_SUB_ACCOUNT_TYPES_SUPPORTED',
  'PRICING_BILLING_CURRENCY_DIFFERENCES_SUPPORTED',
] as const;

/** FOCUS 1.2 columns, alphabetical (ColumnHandling-A-014-O). */
export const FOCUS_COLUMNS = [
  'AvailabilityZone',
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'CapacityReservationId',
  'CapacityReservationStatus',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'CommitmentDiscountCategory',
  'CommitmentDiscountId',
  'CommitmentDiscountName',
  'CommitmentDiscountQuantity',
  'CommitmentDiscountStatus',
  'CommitmentDiscountType',
  'CommitmentDiscountUnit',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
  'SkuId',
  'SkuMeter',
  'SkuPriceDetails',
  'SkuPriceId',
  'SubAccountId',
  'SubAccountName',
  'Tags',
] as const;

/** Custom columns, after all FOCUS columns (ColumnHandling-A-010-M, -A-013-O). */
export const FOCUS_CUSTOM_COLUMNS = [
  'x_Team',
  'x_Project',
  'x_JobId',
  'x_AllocationId',
  'x_PriceBookId',
  'x_AvailabilityZoneId',
] as const;

export const FOCUS_HEADER = [...FOCUS_COLUMNS, ...FOCUS_CUSTOM_COLUMNS] as const;
export type FocusColumn = (typeof FOCUS_HEADER)[number];
/** One row; `null` is an empty CSV cell. Numbers are already formatted as decimal strings. */
export type FocusRow = Readonly<Record<FocusColumn, string | null>>;

const AWS = 'Amazon Web Services';

/** AWS region display names (RegionName-C-005-C: never null when RegionId is set). */
export const AWS_REGION_NAMES: Readonly<Record<string, string>> = {
  'af-south-1': 'Africa (Cape Town)',
  'ap-east-1': 'Asia Pacific (Hong Kong)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-south-2': 'Asia Pacific (Hyderabad)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-southeast-3': 'Asia Pacific (Jakarta)',
  'ap-southeast-4': 'Asia Pacific (Melbourne)',
  'ap-southeast-5': 'Asia Pacific (Malaysia)',
  'ca-central-1': 'Canada (Central)',
  'eu-central-1': 'Europe (Frankfurt)',
  'eu-central-2': 'Europe (Zurich)',
  'eu-north-1': 'Europe (Stockholm)',
  'eu-south-1': 'Europe (Milan)',
  'eu-south-2': 'Europe (Spain)',
  'eu-west-1': 'Europe (Ireland)',
  'eu-west-2': 'Europe (London)',
  'eu-west-3': 'Europe (Paris)',
  'il-central-1': 'Israel (Tel Aviv)',
  'me-central-1': 'Middle East (UAE)',
  'me-south-1': 'Middle East (Bahrain)',
  'sa-east-1': 'South America (São Paulo)',
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-gov-east-1': 'AWS GovCloud (US-East)',
  'us-gov-west-1': 'AWS GovCloud (US-West)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
};

export interface FocusExportOptions {
  /** First and last day (`YYYY-MM-DD`, inclusive) of the export. */
  readonly from: string;
  readonly to: string;
  /** The payer account (BillingAccountId, never null). */
  readonly billingAccountId: string;
  readonly billingAccountName: string;
  /**
   * The billing account's AZ names by AZ id (`use1-az2` → `us-east-1c`), as DescribeAvailabilityZones
   * reports them; the oldest regions map names per account, so only the account can say.
   * @default none: regular AZs keep their id in `AvailabilityZone`
   */
  readonly zoneNames?: ReadonlyMap<string, string>;
  /**
   * The account's commitments, with their rates: each adds its unused part per day and its
   * purchases in the window (ADR 0015). @default none: only usage rows
   */
  readonly commitments?: readonly Commitment[];
  /** The account that holds the commitments (SubAccountId of their rows). @default billingAccountId */
  readonly commitmentAccountId?: string;
}

/** Whole-second UTC date-time, `YYYY-MM-DDTHH:mm:ssZ` (DateTimeFormat-A-003-M). */
export const focusDateTime = (ms: number): string => {
  if (ms % 1000 !== 0) throw new RangeError(`FOCUS date-times are whole seconds; got ${ms} ms`);
  return new Date(ms).toISOString().replace('.000Z', 'Z');
};

/** A plain decimal, never exponent notation or a leading +, trailing zeros trimmed (NumericFormat). */
export const focusDecimal = (value: number, scale: number): string => {
  if (!Number.isFinite(value)) throw new RangeError(`FOCUS numbers must be finite; got ${value}`);
  // toFixed switches to exponent notation from 1e21; such a value has no fraction worth keeping.
  const fixed = Math.abs(value) >= 1e21 ? BigInt(value).toString() : value.toFixed(scale);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
};

/** µ$ as a decimal USD string with up to six places. */
const usd = (micros: number): string => focusDecimal(micros / 1_000_000, 6);

const monthBounds = (ms: number): { start: number; end: number } => {
  const d = new Date(ms);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
};

/** FOCUS wants whole seconds; a window or interval boundary with milliseconds is rounded down. */
const toSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The FOCUS row for one metered piece (one interval within one billing period). */
export const focusRow = (
  usage: LedgerUsage,
  piece: MeteredPiece,
  options: FocusExportOptions,
  known?: Commitment,
): FocusRow => {
  const startMs = toSecond(piece.startMs);
  const endMs = toSecond(piece.endMs);
  const hours = (endMs - startMs) / 3_600_000;
  const quantity = focusDecimal(hours, 9);
  const listPrice = usage.onDemandPriceUsdPerHour ?? usage.unitPriceUsdPerHour;
  const drawn =
    usage.commitment === undefined
      ? undefined
      : committedUsage(usage.commitment, endMs - startMs, piece.onDemandMicros, listPrice, known);
  const billing = monthBounds(startMs);
  const spot = usage.purchaseOption === 'spot';
  const option = spot ? 'Spot' : 'On-Demand';
  const regionName = AWS_REGION_NAMES[usage.region] ?? usage.region;
  const zone = availabilityZoneRef(usage.availabilityZone, usage.region, options.zoneNames);
  return {
    AvailabilityZone: zone.name ?? zone.id,
    BilledCost: usd(drawn?.billedMicros ?? piece.costMicros),
    BillingAccountId: options.billingAccountId,
    BillingAccountName: options.billingAccountName,
    BillingCurrency: 'USD',
    BillingPeriodEnd: focusDateTime(billing.end),
    BillingPeriodStart: focusDateTime(billing.start),
    ...commitmentCells(drawn?.discount ?? NO_COMMITMENT),
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: `${option} ${usage.instanceType} instance-hours in ${regionName}`,
    ChargeFrequency: 'Usage-Based',
    ChargePeriodEnd: focusDateTime(endMs),
    ChargePeriodStart: focusDateTime(startMs),
    ConsumedQuantity: quantity,
    ConsumedUnit: 'Hours',
    ContractedCost: usd(drawn?.contractedMicros ?? piece.costMicros),
    ContractedUnitPrice: focusDecimal(drawn?.contractedUnitPrice ?? usage.unitPriceUsdPerHour, 6),
    EffectiveCost: usd(drawn?.effectiveMicros ?? piece.costMicros),
    InvoiceIssuerName: AWS,
    ListCost: usd(piece.onDemandMicros),
    ListUnitPrice: focusDecimal(listPrice, 6),
    PricingCategory: spot ? 'Dynamic' : (drawn?.pricingCategory ?? 'Standard'),
    PricingQuantity: quantity,
    PricingUnit: 'Hours',
    ProviderName: AWS,
    PublisherName: AWS,
    RegionId: usage.region,
    RegionName: regionName,
    ResourceId: usage.instanceId,
    ResourceName: usage.resourceName ?? null,
    ResourceType: 'Virtual Machine',
    ServiceCategory: 'Compute',
    ServiceName: 'Amazon Elastic Compute Cloud',
    ServiceSubcategory: 'Virtual Machines',
    SkuId: usage.instanceType,
    SkuMeter: 'Instance Hours',
    SkuPriceDetails: JSON.stringify({ x_PurchaseOption: usage.purchaseOption, x_RegionId: usage.region }),
    SkuPriceId: `${usage.instanceType}:${usage.region}:${usage.purchaseOption}`,
    SubAccountId: usage.accountId ?? null,
    SubAccountName: usage.accountId === undefined ? null : (usage.accountName ?? usage.accountId),
    Tags:
      usage.tags === undefined || Object.keys(usage.tags).length === 0 ? null : JSON.stringify(usage.tags),
    x_Team: usage.team,
    x_Project: usage.project,
    x_JobId: usage.jobId,
    x_AllocationId: usage.allocationId,
    x_PriceBookId: usage.priceBookId ?? null,
    x_AvailabilityZoneId: zone.id,
  };
};

/**
 * Streams FOCUS rows for the usage records in the window, one per interval per billing period.
 * Other record kinds are skipped. Intervals still running are charged up to the window end.
 * @throws ReportOptionError for a bad window
 */
export async function* focusRows(
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  options: FocusExportOptions,
): AsyncGenerator<FocusRow> {
  const window = reportWindow(options.from, options.to);
  const known = new Map((options.commitments ?? []).map((c) => [c.id, c]));
  // Intervals on each known commitment, kept for its unused rows (bounded by usage on commitments).
  const drawn = new Map<string, DrawnInterval[]>();
  for await (const record of records) {
    if (record.kind !== 'usage') continue;
    const commitment = record.commitment === undefined ? undefined : known.get(record.commitment.id);
    const interval = commitment === undefined ? undefined : drawnIntervalOf(record, window.endMs);
    if (commitment !== undefined && interval !== undefined) {
      const list = drawn.get(commitment.id);
      if (list === undefined) drawn.set(commitment.id, [interval]);
      else list.push(interval);
    }
    for (const piece of meterUsage(record, window, 'month')) {
      if (piece.endMs - piece.startMs < 1000) continue;
      yield focusRow(record, piece, options, commitment);
    }
  }
  for (const c of known.values())
    for (const row of commitmentRows(c, drawn.get(c.id) ?? [], window.startMs, window.endMs))
      yield commitmentFocusRow(row, options);
}

const commitmentCells = (c: CommitmentColumns) => ({
  CapacityReservationId: c.CapacityReservationId,
  CapacityReservationStatus: c.CapacityReservationStatus,
  CommitmentDiscountCategory: c.CommitmentDiscountCategory,
  CommitmentDiscountId: c.CommitmentDiscountId,
  CommitmentDiscountName: c.CommitmentDiscountName,
  CommitmentDiscountQuantity:
    c.CommitmentDiscountQuantity === null
      ? null
      : c.CommitmentDiscountUnit === 'USD'
        ? usd(c.CommitmentDiscountQuantity)
        : focusDecimal(c.CommitmentDiscountQuantity, 9),
  CommitmentDiscountStatus: c.CommitmentDiscountStatus,
  CommitmentDiscountType: c.CommitmentDiscountType,
  CommitmentDiscountUnit: c.CommitmentDiscountUnit,
});

/** A commitment's own row: a day's unused part or a purchase, billed to the account that holds it. */
const commitmentFocusRow = (row: CommitmentRow, options: FocusExportOptions): FocusRow => {
  const c = row.commitment;
  const startMs = toSecond(row.startMs);
  const billing = monthBounds(startMs);
  // A one-time purchase in the last hour of a month stays in its billing period.
  const endMs = Math.min(toSecond(row.endMs), billing.end);
  const region = c.region;
  const regionName = region === null ? null : (AWS_REGION_NAMES[region] ?? region);
  const zone = 'availabilityZone' in c ? c.availabilityZone : null;
  const type = commitmentTypeName(c);
  const account = options.commitmentAccountId ?? options.billingAccountId;
  const sku = c.kind === 'savings-plan' ? type.replaceAll(' ', '') : c.instanceType;
  const quantity = focusDecimal(row.pricingQuantity, 9);
  const what = row.chargeCategory === 'Purchase' ? `${type} ${c.id}` : `Unused ${type} ${c.id}`;
  return {
    AvailabilityZone: zone,
    BilledCost: usd(row.billedMicros),
    BillingAccountId: options.billingAccountId,
    BillingAccountName: options.billingAccountName,
    BillingCurrency: 'USD',
    BillingPeriodEnd: focusDateTime(billing.end),
    BillingPeriodStart: focusDateTime(billing.start),
    ...commitmentCells(row.columns),
    ChargeCategory: row.chargeCategory,
    ChargeClass: null,
    ChargeDescription: regionName === null ? what : `${what} in ${regionName}`,
    ChargeFrequency: row.chargeFrequency,
    ChargePeriodEnd: focusDateTime(endMs),
    ChargePeriodStart: focusDateTime(startMs),
    // Nothing was consumed by an unused part or a purchase (ConsumedQuantity-C-004-C).
    ConsumedQuantity: null,
    ConsumedUnit: null,
    ContractedCost: usd(row.valueMicros),
    ContractedUnitPrice: focusDecimal(row.unitPrice, 6),
    EffectiveCost: usd(row.effectiveMicros),
    InvoiceIssuerName: AWS,
    ListCost: usd(row.valueMicros),
    ListUnitPrice: focusDecimal(row.unitPrice, 6),
    PricingCategory:
      row.chargeCategory === 'Usage' && row.columns.CommitmentDiscountId !== null ? 'Committed' : 'Standard',
    PricingQuantity: quantity,
    PricingUnit: c.kind === 'savings-plan' ? 'USD' : 'Hours',
    ProviderName: AWS,
    PublisherName: AWS,
    RegionId: region,
    RegionName: regionName,
    ResourceId: c.id,
    ResourceName: c.name !== undefined && c.name !== c.id ? c.name : null,
    ResourceType: type,
    ServiceCategory: 'Compute',
    ServiceName:
      c.kind === 'savings-plan' ? 'Savings Plans for AWS Compute usage' : 'Amazon Elastic Compute Cloud',
    ServiceSubcategory: 'Virtual Machines',
    SkuId: sku,
    SkuMeter: row.chargeCategory === 'Purchase' ? 'Commitment' : 'Unused Commitment',
    SkuPriceDetails: JSON.stringify({ x_CommitmentKind: c.kind }),
    SkuPriceId: `${c.id}:${row.chargeCategory === 'Purchase' ? 'purchase' : 'unused'}`,
    SubAccountId: account,
    SubAccountName: account,
    Tags: null,
    x_Team: null,
    x_Project: null,
    x_JobId: null,
    x_AllocationId: null,
    x_PriceBookId: null,
    x_AvailabilityZoneId: null,
  };
};

/**
 * FOCUS CSV lines: the header, then one line per row. Text that a spreadsheet would run as a
 * formula (`= + - @`) is escaped by `csvLine`.
 */
export async function* focusCsvLines(
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  options: FocusExportOptions,
): AsyncGenerator<string> {
  yield csvLine(FOCUS_HEADER);
  for await (const row of focusRows(records, options)) yield csvLine(FOCUS_HEADER.map((c) => row[c]));
}
