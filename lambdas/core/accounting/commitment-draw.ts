import type { Commitment } from '../commitments/commitment.js';
import type { LedgerUsage } from '../ledger/ledger-export.js';
import { costMicrosOf, microsPerHour } from './metering.js';

/** One interval of usage drawn on a commitment, as the job's allocation recorded it. */
export interface DrawnInterval {
  readonly startedAt: string;
  readonly stoppedAt: string;
  /**
   * Units held while it ran: instances (all nodes) on a reservation or block; for a Savings Plan
   * the USD per hour of covered usage, at the plan's rate.
   */
  readonly units: number;
}

/** A commitment-hour split into what jobs drew and what went unused; micro-dollars, exact. */
export interface CommitmentHour {
  /** ISO instant the hour starts (on the hour, UTC). */
  readonly hour: string;
  /** What the hour of the commitment costs, whether used or not. */
  readonly committedMicros: number;
  /** Of it, the share the intervals drew; never more than the hour costs. */
  readonly usedMicros: number;
  /** `committedMicros − usedMicros`: FOCUS's CommitmentDiscountStatus "Unused". */
  readonly unusedMicros: number;
}

const HOUR_MS = 3_600_000;

/**
 * What one hour of the commitment costs, in µ$: a Savings Plan its hourly commitment, a reserved
 * instance or capacity reservation its count at the hourly rate, a Capacity Block its price spread
 * over its hours. `null` where the rate is unknown (a reservation or block read without a price).
 */
export const hourlyCommitmentMicros = (c: Commitment): number | null => {
  switch (c.kind) {
    case 'savings-plan':
      return microsPerHour(c.hourlyCommitmentUsd);
    case 'reserved-instance':
      return c.count * microsPerHour(c.effectiveHourlyUsd);
    case 'capacity-reservation':
      return c.unitPriceUsdPerHour === null ? null : c.count * microsPerHour(c.unitPriceUsdPerHour);
    case 'capacity-block': {
      if (c.priceUsd === null) return null;
      const hours = (Date.parse(c.end) - Date.parse(c.start)) / HOUR_MS;
      return Math.round((c.priceUsd * 1_000_000) / hours);
    }
  }
};

/** Units the commitment holds in any hour: instances, or USD of covered usage for a Savings Plan. */
const capacityOf = (c: Commitment): number => (c.kind === 'savings-plan' ? c.hourlyCommitmentUsd : c.count);

/**
 * Splits every hour of `[fromIso, toIso)` in which the commitment is active into drawn and unused
 * micro-dollars. An hour's draw is the unit-time the intervals held in it over the commitment's
 * unit-hour, capped at 1 (usage beyond it is billed at list price, outside the commitment); the
 * unused part is what is left, so each hour's parts add up to its cost to the micro-dollar.
 * Pure: the caller reads the intervals from the allocations that name the commitment.
 */
export const commitmentHours = (
  c: Commitment,
  intervals: readonly DrawnInterval[],
  fromIso: string,
  toIso: string,
): CommitmentHour[] => {
  const hourly = hourlyCommitmentMicros(c);
  if (hourly === null)
    throw new RangeError(`commitment ${c.id}: its hourly rate is unknown; give it a price`);
  const capacity = capacityOf(c);
  const fromMs = Math.max(Date.parse(fromIso), Date.parse(c.start));
  const toMs = Math.min(Date.parse(toIso), c.end === null ? Number.POSITIVE_INFINITY : Date.parse(c.end));
  if (!(toMs > fromMs)) return [];
  const first = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const heldMs = new Map<number, number>();
  for (const u of intervals) {
    const start = Math.max(Date.parse(u.startedAt), fromMs);
    const stop = Math.min(Date.parse(u.stoppedAt), toMs);
    for (let h = Math.floor(start / HOUR_MS) * HOUR_MS; h < stop; h += HOUR_MS) {
      const overlap = Math.min(stop, h + HOUR_MS) - Math.max(start, h);
      if (overlap > 0) heldMs.set(h, (heldMs.get(h) ?? 0) + overlap * u.units);
    }
  }
  const out: CommitmentHour[] = [];
  for (let h = first; h < toMs; h += HOUR_MS) {
    // A part hour at either end of the commitment or the window costs its share of the hour.
    const activeMs = Math.min(toMs, h + HOUR_MS) - Math.max(fromMs, h);
    const committedMicros = costMicrosOf(activeMs, hourly);
    const fraction = Math.min(1, (heldMs.get(h) ?? 0) / (capacity * activeMs));
    const usedMicros = Math.min(committedMicros, Math.round(committedMicros * fraction));
    out.push({
      hour: new Date(h).toISOString(),
      committedMicros,
      usedMicros,
      unusedMicros: committedMicros - usedMicros,
    });
  }
  return out;
};

/**
 * The interval a usage line on a commitment stands for, in the commitment's units; an open one
 * runs to `windowEndMs`. `undefined` off commitments.
 */
export const drawnIntervalOf = (usage: LedgerUsage, windowEndMs: number): DrawnInterval | undefined => {
  const c = usage.commitment;
  if (c === undefined) return undefined;
  return {
    startedAt: usage.startedAt,
    stoppedAt: usage.stoppedAt ?? new Date(windowEndMs).toISOString(),
    units: c.kind === 'savings-plan' ? c.effectiveUnitPriceUsdPerHour : 1,
  };
};
