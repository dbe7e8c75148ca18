import {
  commitmentHours,
  type DrawnInterval,
  hourlyCommitmentMicros,
} from '../accounting/commitment-draw.js';
import { costMicrosOf, microsPerHour } from '../accounting/metering.js';
import type { Commitment } from '../commitments/commitment.js';
import type { UsageCommitment } from '../ledger/ledger-export.js';

/**
 * The commitment side of the FOCUS 1.2 export (ADR 0015). Savings Plans and Reserved Instances are
 * commitment discounts: covered usage rows are billed 0 and carry the amortised rate as
 * EffectiveCost (DiscountHandling-A-009, -A-010), the fee is a Purchase row with EffectiveCost 0,
 * and what a charge period left unused is a Usage row with CommitmentDiscountStatus "Unused"
 * (-A-017…-A-019), so Used plus Unused EffectiveCost equals the purchases' BilledCost (-A-011).
 * Capacity reservations and Capacity Blocks are capacity reservations, not discounts: an ODCR's
 * instance-hours are billed at the on-demand rate and its idle part is billed as an "Unused"
 * reservation row; a block is paid up front (a One-Time Purchase row) and amortised over its hours.
 */

export type CommitmentKind = UsageCommitment['kind'];

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const isDiscount = (kind: CommitmentKind): boolean => kind === 'savings-plan' || kind === 'reserved-instance';

/** What FOCUS calls each kind (CommitmentDiscountType, ResourceType). */
export const commitmentTypeName = (c: Pick<Commitment, 'kind'> & { planType?: string }): string => {
  switch (c.kind) {
    case 'savings-plan':
      return c.planType === 'ec2-instance' ? 'EC2 Instance Savings Plan' : 'Compute Savings Plan';
    case 'reserved-instance':
      return 'Reserved Instance';
    case 'capacity-reservation':
      return 'On-Demand Capacity Reservation';
    case 'capacity-block':
      return 'Capacity Block';
  }
};

/** The commitment columns and the cost columns a commitment changes, for one covered usage piece. */
export interface CommittedUsage {
  readonly billedMicros: number;
  readonly effectiveMicros: number;
  readonly contractedMicros: number;
  readonly contractedUnitPrice: number;
  readonly pricingCategory: 'Committed' | 'Standard';
  readonly discount: CommitmentColumns;
}

export interface CommitmentColumns {
  readonly CapacityReservationId: string | null;
  readonly CapacityReservationStatus: 'Used' | 'Unused' | null;
  readonly CommitmentDiscountCategory: 'Spend' | 'Usage' | null;
  readonly CommitmentDiscountId: string | null;
  readonly CommitmentDiscountName: string | null;
  /** µ$ for a Spend commitment, hours for a Usage one; formatted by the caller. */
  readonly CommitmentDiscountQuantity: number | null;
  readonly CommitmentDiscountStatus: 'Used' | 'Unused' | null;
  readonly CommitmentDiscountType: string | null;
  readonly CommitmentDiscountUnit: 'USD' | 'Hours' | null;
}

export const NO_COMMITMENT: CommitmentColumns = {
  CapacityReservationId: null,
  CapacityReservationStatus: null,
  CommitmentDiscountCategory: null,
  CommitmentDiscountId: null,
  CommitmentDiscountName: null,
  CommitmentDiscountQuantity: null,
  CommitmentDiscountStatus: null,
  CommitmentDiscountType: null,
  CommitmentDiscountUnit: null,
};

const columnsOf = (
  id: string,
  kind: CommitmentKind,
  known: Commitment | undefined,
  status: 'Used' | 'Unused' | null,
  quantity: number | null,
): CommitmentColumns => {
  if (!isDiscount(kind))
    return { ...NO_COMMITMENT, CapacityReservationId: id, CapacityReservationStatus: status };
  const spend = kind === 'savings-plan';
  return {
    ...NO_COMMITMENT,
    CommitmentDiscountCategory: spend ? 'Spend' : 'Usage',
    CommitmentDiscountId: id,
    CommitmentDiscountName: known === undefined ? null : (known.name ?? null),
    CommitmentDiscountQuantity: quantity,
    CommitmentDiscountStatus: status,
    CommitmentDiscountType: commitmentTypeName(known ?? { kind }),
    CommitmentDiscountUnit: spend ? 'USD' : 'Hours',
  };
};

/**
 * A usage piece that ran on a commitment: its effective cost at the commitment's rate; billed 0 on
 * a discount or a prepaid block, at that rate on an ODCR (the instance is billed as on-demand).
 */
export const committedUsage = (
  c: UsageCommitment,
  durationMs: number,
  listMicros: number,
  listUnitPrice: number,
  known: Commitment | undefined,
): CommittedUsage => {
  const rate = c.effectiveUnitPriceUsdPerHour;
  const effectiveMicros = costMicrosOf(durationMs, microsPerHour(rate));
  const discount = isDiscount(c.kind);
  const hours = durationMs / HOUR_MS;
  return {
    billedMicros: c.kind === 'capacity-reservation' ? effectiveMicros : 0,
    effectiveMicros,
    // Contracted: the rate agreed before commitment discounts (the list price here); a reservation's own rate.
    contractedMicros: discount ? listMicros : effectiveMicros,
    contractedUnitPrice: discount ? listUnitPrice : rate,
    pricingCategory: discount ? 'Committed' : 'Standard',
    discount: columnsOf(
      c.id,
      c.kind,
      known,
      'Used',
      discount ? (c.kind === 'savings-plan' ? effectiveMicros : hours) : null,
    ),
  };
};

/** One commitment row before formatting: a day's unused part, or a purchase. */
export interface CommitmentRow {
  readonly commitment: Commitment;
  readonly chargeCategory: 'Usage' | 'Purchase';
  readonly chargeFrequency: 'Usage-Based' | 'Recurring' | 'One-Time';
  readonly startMs: number;
  readonly endMs: number;
  readonly billedMicros: number;
  readonly effectiveMicros: number;
  /** The charge at its unit price: what ContractedCost and ListCost show. */
  readonly valueMicros: number;
  /** Instance-hours, or USD for a Savings Plan. */
  readonly pricingQuantity: number;
  readonly unitPrice: number;
  readonly columns: CommitmentColumns;
}

/** USD per unit: per instance-hour for reservations and blocks, 1 per USD of a Savings Plan. */
const unitPriceOf = (c: Commitment): number => {
  const hourly = hourlyCommitmentMicros(c) ?? 0;
  return c.kind === 'savings-plan' ? 1 : hourly / c.count / 1_000_000;
};

/**
 * The commitment's rows in `[startMs, endMs)`: per UTC day it is active, the part left unused by
 * `intervals` (when there is one) and, for a discount, the day's recurring fee; for a block that
 * starts in the window, its one-time purchase.
 * @throws RangeError when the commitment's rate is unknown
 */
export const commitmentRows = (
  c: Commitment,
  intervals: readonly DrawnInterval[],
  startMs: number,
  endMs: number,
): CommitmentRow[] => {
  const rows: CommitmentRow[] = [];
  const unit = unitPriceOf(c);
  const discount = isDiscount(c.kind);
  const toQuantity = (micros: number) =>
    c.kind === 'savings-plan' ? micros / 1_000_000 : micros / 1_000_000 / unit;
  for (let day = Math.floor(startMs / DAY_MS) * DAY_MS; day < endMs; day += DAY_MS) {
    const from = Math.max(day, startMs);
    const to = Math.min(day + DAY_MS, endMs);
    const hours = commitmentHours(c, intervals, new Date(from).toISOString(), new Date(to).toISOString());
    if (hours.length === 0) continue;
    const first = Math.max(from, Date.parse(c.start));
    const last = Math.min(to, c.end === null ? to : Date.parse(c.end));
    const committed = hours.reduce((s, h) => s + h.committedMicros, 0);
    const unused = hours.reduce((s, h) => s + h.unusedMicros, 0);
    if (unused > 0)
      rows.push({
        commitment: c,
        chargeCategory: 'Usage',
        chargeFrequency: 'Usage-Based',
        startMs: first,
        endMs: last,
        // An idle ODCR is billed as it goes; the others were paid in their purchase rows.
        billedMicros: c.kind === 'capacity-reservation' ? unused : 0,
        effectiveMicros: unused,
        valueMicros: unused,
        pricingQuantity: toQuantity(unused),
        unitPrice: unit,
        columns: columnsOf(
          c.id,
          c.kind,
          c,
          'Unused',
          discount ? (c.kind === 'savings-plan' ? unused : toQuantity(unused)) : null,
        ),
      });
    if (discount)
      rows.push({
        commitment: c,
        chargeCategory: 'Purchase',
        chargeFrequency: 'Recurring',
        startMs: first,
        endMs: last,
        billedMicros: committed,
        effectiveMicros: 0,
        valueMicros: committed,
        pricingQuantity: toQuantity(committed),
        unitPrice: unit,
        columns: columnsOf(
          c.id,
          c.kind,
          c,
          null,
          c.kind === 'savings-plan' ? committed : toQuantity(committed),
        ),
      });
  }
  if (c.kind === 'capacity-block' && c.priceUsd !== null) {
    const start = Date.parse(c.start);
    if (start >= startMs && start < endMs) {
      const price = Math.round(c.priceUsd * 1_000_000);
      rows.push({
        commitment: c,
        chargeCategory: 'Purchase',
        chargeFrequency: 'One-Time',
        startMs: start,
        endMs: Math.min(start + HOUR_MS, Date.parse(c.end)),
        billedMicros: price,
        effectiveMicros: 0,
        valueMicros: price,
        pricingQuantity: toQuantity(price),
        unitPrice: unit,
        columns: columnsOf(c.id, c.kind, c, null, null),
      });
    }
  }
  return rows;
};
