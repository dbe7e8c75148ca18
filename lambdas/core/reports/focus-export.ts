import { reportWindow } from '../accounting/cost-report.js';
import { type MeteredPiece, meterUsage } from '../accounting/metering.js';
import type { LedgerRecord, LedgerUsage } from '../ledger/ledger-export.js';
import { availabilityZoneRef } from '../pricing/availability-zone.js';
import { csvLine } from './csv.js';

/**
 * FOCUS 1.2 (CostAndUsage) rows for GPU instances on EC2, one per usage interval per billing
 * period (calendar month), streamed. Columns: every mandatory FOCUS column and every conditional
 * one whose capability applies to EC2 instances (see {@link FOCUS_CAPABILITIES}), plus the
 * optional ChargeFrequency and ServiceSubcategory; then the `x_` columns, after all FOCUS columns.
 *
 * Cost columns: BilledCost = EffectiveCost = ContractedCost = hours × the unit price stored with
 * the allocation (no commitment discounts, so nothing is amortised); ListCost = hours × the
 * on-demand price. Spot is `PricingCategory` Dynamic, on-demand Standard.
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
  'NEGOTIATED_PRICING_SUPPORTED',
  'PUBLIC_PRICE_LIST_SUPPORTED',
  'REGION_SUPPORTED',
  'RESOURCE_TYPE_ASSIGNMENT_SUPPORTED',
  'SUB_ACCOUNT_SUPPORTED',
  'TAGGING_SUPPORTED',
  'UNIT_PRICING_SUPPORTED',
  'USAGE_MEASUREMENT_SUPPORTED',
] as const;

/** Capabilities that do not apply (no commitments, capacity reservations or currency conversion). */
export const FOCUS_CAPABILITIES_NOT_SUPPORTED = [
  'CAPACITY_RESERVATION_SUPPORTED',
  'COMMITMENT_DISCOUNT_SUPPORTED',
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
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
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
export const focusRow = (usage: LedgerUsage, piece: MeteredPiece, options: FocusExportOptions): FocusRow => {
  const startMs = toSecond(piece.startMs);
  const endMs = toSecond(piece.endMs);
  const hours = (endMs - startMs) / 3_600_000;
  const quantity = focusDecimal(hours, 9);
  const listPrice = usage.onDemandPriceUsdPerHour ?? usage.unitPriceUsdPerHour;
  const billing = monthBounds(startMs);
  const spot = usage.purchaseOption === 'spot';
  const option = spot ? 'Spot' : 'On-Demand';
  const regionName = AWS_REGION_NAMES[usage.region] ?? usage.region;
  const zone = availabilityZoneRef(usage.availabilityZone, usage.region, options.zoneNames);
  return {
    AvailabilityZone: zone.name ?? zone.id,
    BilledCost: usd(piece.costMicros),
    BillingAccountId: options.billingAccountId,
    BillingAccountName: options.billingAccountName,
    BillingCurrency: 'USD',
    BillingPeriodEnd: focusDateTime(billing.end),
    BillingPeriodStart: focusDateTime(billing.start),
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: `${option} ${usage.instanceType} instance-hours in ${regionName}`,
    ChargeFrequency: 'Usage-Based',
    ChargePeriodEnd: focusDateTime(endMs),
    ChargePeriodStart: focusDateTime(startMs),
    ConsumedQuantity: quantity,
    ConsumedUnit: 'Hours',
    ContractedCost: usd(piece.costMicros),
    ContractedUnitPrice: focusDecimal(usage.unitPriceUsdPerHour, 6),
    EffectiveCost: usd(piece.costMicros),
    InvoiceIssuerName: AWS,
    ListCost: usd(piece.onDemandMicros),
    ListUnitPrice: focusDecimal(listPrice, 6),
    PricingCategory: spot ? 'Dynamic' : 'Standard',
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
  for await (const record of records) {
    if (record.kind !== 'usage') continue;
    for (const piece of meterUsage(record, window, 'month')) {
      if (piece.endMs - piece.startMs < 1000) continue;
      yield focusRow(record, piece, options);
    }
  }
}

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
