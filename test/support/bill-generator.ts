import { intervalHours, MS_PER_HOUR } from '../../lambdas/core/accounting/bill-ledger-index.js';
import type { BillDifferenceKind } from '../../lambdas/core/accounting/bill-reconciliation.js';
import {
  JOB_ID_TAG,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  TEAM_TAG,
} from '../../lambdas/core/jobs/managed-tags.js';
import type { LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';

/**
 * A bill for a ledger export, as AWS Data Exports would write it for the same instances: one
 * hourly line per instance and clock hour, at the unit price the ledger stored, in the CUR 2.0 or
 * the FOCUS 1.2 columns, with differences injected on purpose and a record of each: leaks
 * (managed instances the ledger does not know), missing lines, spot price moves within an hour,
 * Savings Plans and reservation coverage. Unmanaged instances and rows that are not instance
 * usage (EBS volumes, tax, Savings Plans negations) are added too; they are no difference.
 * Deterministic for a seed. Rows are generated one at a time.
 */

export type GeneratedBillFormat = 'cur2' | 'focus12';

export interface BillInjections {
  readonly leaks: number;
  readonly missing: number;
  readonly spotMoves: number;
  readonly savingsPlans: number;
  readonly reservations: number;
  /** Instances of other workloads (no managed tags): billed, not reconciled. */
  readonly unmanaged: number;
}

export const DEFAULT_INJECTIONS: BillInjections = {
  leaks: 3,
  missing: 3,
  spotMoves: 3,
  savingsPlans: 2,
  reservations: 2,
  unmanaged: 2,
};

/** One injected difference, as reconciliation should report it. */
export interface InjectedDifference {
  readonly kind: BillDifferenceKind;
  readonly instanceId: string;
  readonly from: string;
  readonly to: string;
}

export interface GeneratedBillPlan {
  readonly format: GeneratedBillFormat;
  readonly columns: readonly string[];
  readonly injected: readonly InjectedDifference[];
  readonly period: { readonly start: string; readonly end: string };
  /** The rows, generated as they are read. */
  readonly rows: () => Generator<Record<string, unknown>>;
}

const CUR_COLUMNS = [
  'identity_line_item_id',
  'identity_time_interval',
  'bill_bill_type',
  'bill_billing_entity',
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'bill_payer_account_id',
  'bill_payer_account_name',
  'line_item_usage_account_id',
  'line_item_usage_account_name',
  'line_item_line_item_type',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_operation',
  'line_item_availability_zone',
  'line_item_resource_id',
  'line_item_usage_amount',
  'line_item_currency_code',
  'line_item_unblended_rate',
  'line_item_unblended_cost',
  'line_item_line_item_description',
  'pricing_term',
  'pricing_unit',
  'pricing_public_on_demand_rate',
  'pricing_public_on_demand_cost',
  'product_instance_type',
  'product_region_code',
  'product_servicecode',
  'reservation_reservation_a_r_n',
  'reservation_effective_cost',
  'savings_plan_savings_plan_a_r_n',
  'savings_plan_savings_plan_rate',
  'savings_plan_savings_plan_effective_cost',
  'resource_tags',
] as const;

const FOCUS_COLUMNS = [
  'AvailabilityZone',
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingAccountType',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'CommitmentDiscountCategory',
  'CommitmentDiscountId',
  'CommitmentDiscountType',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'RegionId',
  'ResourceId',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'SubAccountId',
  'SubAccountName',
  'Tags',
  'x_Operation',
  'x_ServiceCode',
  'x_UsageType',
] as const;

/** Columns that hold timestamps, numbers and a tag map (for typed writers such as Parquet). */
export const TIMESTAMP_COLUMNS = new Set([
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargePeriodEnd',
  'ChargePeriodStart',
]);
export const NUMBER_COLUMNS = new Set([
  'line_item_usage_amount',
  'line_item_unblended_rate',
  'line_item_unblended_cost',
  'pricing_public_on_demand_rate',
  'pricing_public_on_demand_cost',
  'reservation_effective_cost',
  'savings_plan_savings_plan_rate',
  'savings_plan_savings_plan_effective_cost',
  'BilledCost',
  'ConsumedQuantity',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
  'PricingQuantity',
]);
export const MAP_COLUMNS = new Set(['resource_tags', 'Tags']);

/** A small seeded generator (mulberry32). */
const seeded = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const REGION_PREFIX: Readonly<Record<string, string>> = {
  'us-east-1': 'USE1',
  'us-east-2': 'USE2',
  'us-west-1': 'USW1',
  'us-west-2': 'USW2',
  'eu-west-1': 'EU',
  'eu-central-1': 'EUC1',
  'ap-northeast-1': 'APN1',
};
const prefixOf = (region: string) => REGION_PREFIX[region] ?? region.toUpperCase().replace(/-/g, '');

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const monthStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const nextMonth = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/** What a line charges, before it is written in one export's columns. */
interface Charge {
  readonly instanceId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly hours: number;
  readonly costUsd: number;
  readonly rateUsd: number;
  readonly onDemandRateUsd: number;
  readonly kind: 'on-demand' | 'spot' | 'savings-plan' | 'reserved-instance' | 'volume' | 'tax' | 'negation';
  readonly region: string;
  readonly instanceType: string;
  readonly accountId: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly commitment?: string;
}

const PAYER = '111122223333';
const SAVINGS_PLAN_RATIO = 0.72;
const RESERVATION_RATIO = 0.6;
const SPOT_MOVE = 1.4;

/** Instance ids the ledger cannot hold: another prefix than the ledger's hex ids. */
const newInstanceId = (n: number, salt: string) =>
  `i-0f${salt}${n.toString(16).padStart(13, '0')}`.slice(0, 19);

const managedTags = (team: string, jobId: string, extra: Readonly<Record<string, string>> = {}) => ({
  ...extra,
  [`user_${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE,
  [`user_${TEAM_TAG}`]: team,
  [`user_${JOB_ID_TAG}`]: jobId,
});

/**
 * Plans a bill for the usage records of a ledger export.
 * @param usages every usage record of the export (the bill covers the months they run in)
 */
export const planBill = (
  usages: readonly LedgerUsage[],
  format: GeneratedBillFormat,
  options: { readonly seed?: number; readonly injections?: BillInjections } = {},
): GeneratedBillPlan => {
  const rand = seeded(options.seed ?? 1);
  const inject = options.injections ?? DEFAULT_INJECTIONS;
  if (usages.length === 0) throw new RangeError('the ledger has no usage records to bill');
  const firstMs = Math.min(...usages.map((u) => Date.parse(u.startedAt)));
  const lastMs = Math.max(...usages.map((u) => Date.parse(u.stoppedAt ?? u.startedAt)));
  const periodStart = monthStart(firstMs);
  const periodEnd = nextMonth(lastMs);

  // Candidates: stopped intervals with whole hours in the middle; each instance used once.
  const used = new Set<string>();
  const byInstance = new Map<string, number>();
  for (const u of usages) byInstance.set(u.instanceId, (byInstance.get(u.instanceId) ?? 0) + 1);
  const fullHours = (u: LedgerUsage): number[] => {
    const out: number[] = [];
    const interval = {
      jobId: u.jobId,
      team: u.team,
      purchaseOption: u.purchaseOption,
      unitPriceUsdPerHour: u.unitPriceUsdPerHour,
      startMs: Date.parse(u.startedAt),
      stopMs: u.stoppedAt === null ? null : Date.parse(u.stoppedAt),
    };
    for (const piece of intervalHours(interval, periodEnd, periodStart, periodEnd))
      if (piece.ms === MS_PER_HOUR) out.push(piece.hour);
    return out;
  };
  const shuffled = usages.map((u) => ({ u, r: rand() }));
  shuffled.sort((a, b) => a.r - b.r);
  const pick = (want: (u: LedgerUsage) => boolean, hoursNeeded: number) => {
    for (const { u } of shuffled) {
      if (used.has(u.instanceId) || (byInstance.get(u.instanceId) ?? 0) > 1 || u.stoppedAt === null) continue;
      if (!want(u) || u.unitPriceUsdPerHour < 0.05) continue;
      const hours = fullHours(u);
      if (hours.length < hoursNeeded + 2) continue;
      used.add(u.instanceId);
      return { u, hours };
    }
    return undefined;
  };

  const injected: InjectedDifference[] = [];
  /** instanceId → hour → what to do with that hour's line. */
  const edits = new Map<string, Map<number, 'drop' | 'spot-move' | 'savings-plan' | 'reserved-instance'>>();
  const edit = (
    instanceId: string,
    hour: number,
    what: 'drop' | 'spot-move' | 'savings-plan' | 'reserved-instance',
  ) => {
    let m = edits.get(instanceId);
    if (m === undefined) {
      m = new Map();
      edits.set(instanceId, m);
    }
    m.set(hour, what);
  };
  const record = (kind: BillDifferenceKind, instanceId: string, fromHour: number, toHour: number) =>
    injected.push({ kind, instanceId, from: iso(fromHour * MS_PER_HOUR), to: iso(toHour * MS_PER_HOUR) });

  for (let n = 0; n < inject.missing; n++) {
    const c = pick(() => true, 2);
    if (c === undefined) break;
    const h = c.hours[1] as number;
    edit(c.u.instanceId, h, 'drop');
    edit(c.u.instanceId, h + 1, 'drop');
    record('missing', c.u.instanceId, h, h + 2);
  }
  for (let n = 0; n < inject.spotMoves; n++) {
    const c = pick((u) => u.purchaseOption === 'spot', 1);
    if (c === undefined) break;
    const h = c.hours[1] as number;
    edit(c.u.instanceId, h, 'spot-move');
    record('spot-price-move', c.u.instanceId, h, h + 1);
  }
  for (const [kind, count] of [
    ['savings-plan', inject.savingsPlans],
    ['reserved-instance', inject.reservations],
  ] as const)
    for (let n = 0; n < count; n++) {
      const c = pick((u) => u.purchaseOption === 'on-demand', 3);
      if (c === undefined) break;
      const h = c.hours[1] as number;
      for (let k = 0; k < 3; k++) edit(c.u.instanceId, h + k, kind);
      record(kind, c.u.instanceId, h, h + 3);
    }
  const template = usages[0] as LedgerUsage;
  const extras: {
    instanceId: string;
    fromHour: number;
    hours: number;
    tags: Record<string, string>;
    u: LedgerUsage;
  }[] = [];
  const span = Math.max(1, Math.floor((lastMs - firstMs) / MS_PER_HOUR) - 8);
  for (let n = 0; n < inject.leaks; n++) {
    const like = usages[Math.floor(rand() * usages.length)] ?? template;
    let instanceId = newInstanceId(n, 'ee');
    for (let k = 1; byInstance.has(instanceId); k++) instanceId = newInstanceId(n + k * 4096, 'ee');
    const fromHour = Math.floor(firstMs / MS_PER_HOUR) + 1 + Math.floor(rand() * span);
    extras.push({ instanceId, fromHour, hours: 5, tags: managedTags(like.team, like.jobId), u: like });
    record('leak', instanceId, fromHour, fromHour + 5);
  }
  for (let n = 0; n < inject.unmanaged; n++) {
    const like = usages[Math.floor(rand() * usages.length)] ?? template;
    const fromHour = Math.floor(firstMs / MS_PER_HOUR) + 1 + Math.floor(rand() * span);
    extras.push({
      instanceId: newInstanceId(n, 'aa'),
      fromHour,
      hours: 4,
      tags: { user_Name: `batch-${n}`, user_team: 'analytics' },
      u: like,
    });
  }

  function* charges(): Generator<Charge> {
    for (const u of usages) {
      const interval = {
        jobId: u.jobId,
        team: u.team,
        purchaseOption: u.purchaseOption,
        unitPriceUsdPerHour: u.unitPriceUsdPerHour,
        startMs: Date.parse(u.startedAt),
        stopMs: u.stoppedAt === null ? null : Date.parse(u.stoppedAt),
      };
      const onDemand = u.onDemandPriceUsdPerHour ?? u.unitPriceUsdPerHour;
      const tags = {
        ...Object.fromEntries(Object.entries(u.tags ?? {}).map(([k, v]) => [`user_${k}`, v])),
        ...managedTags(u.team, u.jobId),
      };
      const changes = edits.get(u.instanceId);
      for (const piece of intervalHours(interval, periodEnd, periodStart, periodEnd)) {
        const what = changes?.get(piece.hour);
        if (what === 'drop') continue;
        // Hourly lines span the clock hour; the usage amount says how much of it ran.
        const startMs = piece.hour * MS_PER_HOUR;
        const base = {
          instanceId: u.instanceId,
          startMs,
          endMs: startMs + MS_PER_HOUR,
          region: u.region,
          instanceType: u.instanceType,
          accountId: u.accountId ?? '123456789012',
          tags,
          onDemandRateUsd: onDemand,
        };
        const costUsd = piece.micros / 1_000_000;
        const hours = piece.ms / MS_PER_HOUR;
        if (what === 'spot-move') {
          // The price moved half-way through the hour: two lines of the hour at two rates.
          const half = hours / 2;
          const p = u.unitPriceUsdPerHour;
          yield {
            ...base,
            hours: half,
            costUsd: round6(half * p),
            rateUsd: p,
            kind: 'spot',
          };
          yield {
            ...base,
            hours: half,
            costUsd: round6(half * p * SPOT_MOVE),
            rateUsd: round6(p * SPOT_MOVE),
            kind: 'spot',
          };
          continue;
        }
        if (what === 'savings-plan' || what === 'reserved-instance') {
          const ratio = what === 'savings-plan' ? SAVINGS_PLAN_RATIO : RESERVATION_RATIO;
          const commitment =
            what === 'savings-plan'
              ? `arn:aws:savingsplans::${PAYER}:savingsplan/0b5e1c2a-7f3d-4e8a-9c61-2d4f8a1b3c5e`
              : `arn:aws:ec2:${u.region}:${PAYER}:reserved-instances/4d2c9e1f-8a7b-4c3d-b2e1-6f5a4d3c2b1a`;
          yield {
            ...base,
            hours,
            costUsd: round6(hours * onDemand * ratio),
            rateUsd: round6(onDemand * ratio),
            kind: what,
            commitment,
          };
          if (what === 'savings-plan')
            yield {
              ...base,
              hours,
              costUsd: -round6(hours * onDemand),
              rateUsd: onDemand,
              kind: 'negation',
              commitment,
            };
          continue;
        }
        yield { ...base, hours, costUsd, rateUsd: u.unitPriceUsdPerHour, kind: u.purchaseOption };
      }
    }
    for (const x of extras) {
      const rate = x.u.onDemandPriceUsdPerHour ?? x.u.unitPriceUsdPerHour;
      for (let k = 0; k < x.hours; k++) {
        const startMs = (x.fromHour + k) * MS_PER_HOUR;
        yield {
          instanceId: x.instanceId,
          startMs,
          endMs: startMs + MS_PER_HOUR,
          hours: 1,
          costUsd: rate,
          rateUsd: rate,
          onDemandRateUsd: rate,
          kind: 'on-demand',
          region: x.u.region,
          instanceType: x.u.instanceType,
          accountId: x.u.accountId ?? '123456789012',
          tags: x.tags,
        };
      }
    }
    // Rows that are not instance usage: a volume of the first instance, and a tax line.
    const startMs = Math.floor(firstMs / MS_PER_HOUR) * MS_PER_HOUR;
    yield {
      instanceId: 'vol-0a1b2c3d4e5f60718',
      startMs,
      endMs: startMs + MS_PER_HOUR,
      hours: 0.00137,
      costUsd: 0.000137,
      rateUsd: 0.1,
      onDemandRateUsd: 0.1,
      kind: 'volume',
      region: template.region,
      instanceType: '',
      accountId: template.accountId ?? '123456789012',
      tags: managedTags(template.team, template.jobId),
    };
    yield {
      instanceId: '',
      startMs: periodStart,
      endMs: periodEnd,
      hours: 1,
      costUsd: 12.34,
      rateUsd: 0,
      onDemandRateUsd: 0,
      kind: 'tax',
      region: '',
      instanceType: '',
      accountId: template.accountId ?? '123456789012',
      tags: {},
    };
  }

  let n = 0;
  const rowOf = format === 'cur2' ? curRow : focusRow;
  return {
    format,
    columns: format === 'cur2' ? CUR_COLUMNS : FOCUS_COLUMNS,
    injected,
    period: { start: iso(periodStart), end: iso(periodEnd) },
    rows: function* () {
      for (const c of charges()) {
        // FOCUS has no negation rows: a covered line's BilledCost is already 0.
        if (format === 'focus12' && c.kind === 'negation') continue;
        n += 1;
        yield rowOf(c, n);
      }
    },
  };
};

const round6 = (v: number) => Math.round(v * 1_000_000) / 1_000_000;

const periodOf = (ms: number) => ({ start: new Date(monthStart(ms)), end: new Date(nextMonth(ms)) });

const curRow = (c: Charge, n: number): Record<string, unknown> => {
  const p = periodOf(c.startMs);
  const prefix = prefixOf(c.region);
  const instance = c.kind !== 'volume' && c.kind !== 'tax';
  const usageType =
    c.kind === 'volume'
      ? `${prefix}-EBS:VolumeUsage.gp3`
      : c.kind === 'tax'
        ? ''
        : `${prefix}-${c.kind === 'spot' ? 'SpotUsage' : 'BoxUsage'}:${c.instanceType}`;
  const type =
    c.kind === 'savings-plan'
      ? 'SavingsPlanCoveredUsage'
      : c.kind === 'reserved-instance'
        ? 'DiscountedUsage'
        : c.kind === 'negation'
          ? 'SavingsPlanNegation'
          : c.kind === 'tax'
            ? 'Tax'
            : 'Usage';
  const unblended =
    c.kind === 'savings-plan'
      ? round6(c.hours * c.onDemandRateUsd)
      : c.kind === 'reserved-instance'
        ? 0
        : c.costUsd;
  return {
    identity_line_item_id: `li${n.toString(36).padStart(10, '0')}`,
    identity_time_interval: `${iso(c.startMs - (c.startMs % MS_PER_HOUR))}/${iso(c.startMs - (c.startMs % MS_PER_HOUR) + MS_PER_HOUR)}`,
    bill_bill_type: 'Anniversary',
    bill_billing_entity: 'AWS',
    bill_billing_period_start_date: p.start,
    bill_billing_period_end_date: p.end,
    bill_payer_account_id: PAYER,
    bill_payer_account_name: 'Research payer',
    line_item_usage_account_id: c.accountId,
    line_item_usage_account_name: 'ml-training',
    line_item_line_item_type: type,
    line_item_usage_start_date: new Date(c.startMs),
    line_item_usage_end_date: new Date(c.endMs),
    line_item_product_code: c.kind === 'tax' ? 'AmazonEC2' : 'AmazonEC2',
    line_item_usage_type: usageType,
    line_item_operation:
      c.kind === 'volume' ? 'CreateVolume-Gp3' : c.kind === 'spot' ? 'RunInstances:SV001' : 'RunInstances',
    line_item_availability_zone: instance && c.region !== '' ? `${c.region}a` : null,
    line_item_resource_id: c.instanceId === '' ? null : c.instanceId,
    line_item_usage_amount: c.kind === 'tax' ? null : c.hours,
    line_item_currency_code: 'USD',
    line_item_unblended_rate:
      c.kind === 'tax' ? null : c.kind === 'savings-plan' ? c.onDemandRateUsd : c.rateUsd,
    line_item_unblended_cost: unblended,
    line_item_line_item_description:
      c.kind === 'tax'
        ? 'Tax for product code AmazonEC2'
        : `$${c.rateUsd} per ${c.kind === 'spot' ? 'Spot' : 'On Demand'} Linux ${c.instanceType} Instance Hour`,
    pricing_term:
      c.kind === 'spot'
        ? 'Spot'
        : c.kind === 'reserved-instance'
          ? 'Reserved'
          : c.kind === 'tax'
            ? null
            : 'OnDemand',
    pricing_unit: c.kind === 'tax' ? null : 'Hrs',
    pricing_public_on_demand_rate: c.kind === 'tax' ? null : c.onDemandRateUsd,
    pricing_public_on_demand_cost: c.kind === 'tax' ? null : round6(c.hours * c.onDemandRateUsd),
    product_instance_type: c.instanceType === '' ? null : c.instanceType,
    product_region_code: c.region === '' ? null : c.region,
    product_servicecode: 'AmazonEC2',
    reservation_reservation_a_r_n: c.kind === 'reserved-instance' ? (c.commitment ?? null) : null,
    reservation_effective_cost: c.kind === 'reserved-instance' ? c.costUsd : null,
    savings_plan_savings_plan_a_r_n:
      c.kind === 'savings-plan' || c.kind === 'negation' ? (c.commitment ?? null) : null,
    savings_plan_savings_plan_rate: c.kind === 'savings-plan' ? c.rateUsd : null,
    savings_plan_savings_plan_effective_cost: c.kind === 'savings-plan' ? c.costUsd : null,
    resource_tags: c.tags,
  };
};

const focusRow = (c: Charge, n: number): Record<string, unknown> => {
  const p = periodOf(c.startMs);
  const prefix = prefixOf(c.region);
  const committed = c.kind === 'savings-plan' || c.kind === 'reserved-instance';
  const usage = c.kind !== 'tax' && c.kind !== 'negation';
  const tags = Object.fromEntries(Object.entries(c.tags).map(([k, v]) => [k.replace(/^user_/, ''), v]));
  void n;
  return {
    AvailabilityZone: c.region === '' ? null : `${c.region}a`,
    BilledCost: committed ? 0 : c.costUsd,
    BillingAccountId: PAYER,
    BillingAccountName: 'Research payer',
    BillingAccountType: 'Billing Account',
    BillingCurrency: 'USD',
    BillingPeriodEnd: p.end,
    BillingPeriodStart: p.start,
    ChargeCategory: c.kind === 'tax' ? 'Tax' : 'Usage',
    ChargeClass: null,
    ChargeDescription:
      c.kind === 'tax'
        ? 'Tax for product code AmazonEC2'
        : `${c.kind === 'spot' ? 'Spot' : 'On Demand'} Linux ${c.instanceType} Instance Hour`,
    ChargeFrequency: c.kind === 'tax' ? 'Recurring' : 'Usage-Based',
    ChargePeriodEnd: new Date(c.endMs),
    ChargePeriodStart: new Date(c.startMs),
    CommitmentDiscountCategory: committed ? 'Usage' : null,
    CommitmentDiscountId: committed ? (c.commitment ?? null) : null,
    CommitmentDiscountType:
      c.kind === 'savings-plan'
        ? 'Compute Savings Plans'
        : c.kind === 'reserved-instance'
          ? 'Reserved Instance'
          : null,
    ConsumedQuantity: usage ? c.hours : null,
    ConsumedUnit: usage ? 'Hours' : null,
    ContractedCost: c.costUsd,
    ContractedUnitPrice: usage ? c.rateUsd : null,
    EffectiveCost: c.costUsd,
    ListCost: usage ? round6(c.hours * c.onDemandRateUsd) : c.costUsd,
    ListUnitPrice: usage ? c.onDemandRateUsd : null,
    PricingCategory:
      c.kind === 'spot' ? 'Dynamic' : committed ? 'Committed' : c.kind === 'tax' ? null : 'Standard',
    PricingQuantity: usage ? c.hours : null,
    PricingUnit: usage ? 'Hours' : null,
    ProviderName: 'AWS',
    RegionId: c.region === '' ? null : c.region,
    ResourceId: c.instanceId === '' ? null : c.instanceId,
    ResourceType: c.kind === 'volume' ? 'Volume' : usage ? 'Instance' : null,
    ServiceCategory: 'Compute',
    ServiceName: 'Amazon Elastic Compute Cloud',
    SubAccountId: c.accountId,
    SubAccountName: 'ml-training',
    Tags: tags,
    x_Operation:
      c.kind === 'volume' ? 'CreateVolume-Gp3' : c.kind === 'spot' ? 'RunInstances:SV001' : 'RunInstances',
    x_ServiceCode: 'AmazonEC2',
    x_UsageType:
      c.kind === 'volume'
        ? `${prefix}-EBS:VolumeUsage.gp3`
        : c.kind === 'tax'
          ? null
          : `${prefix}-${c.kind === 'spot' ? 'SpotUsage' : 'BoxUsage'}:${c.instanceType}`,
  };
};
