import type { LedgerUsage } from '../ledger/ledger-export.js';
import { usdToMicros } from '../ports.js';

/**
 * Metering: what an instance's running interval cost, at the unit price stored with its
 * allocation (never re-priced from today's book).
 *
 * Money is whole micro-dollars (µ$, integers). The cost of a stretch of an interval is the
 * rounded cumulative cost at its end minus the rounded cumulative cost at its start, so the
 * pieces of an interval (per day, per month, inside a report window) always add up exactly to the
 * cost of the whole interval, and every total is an exact integer sum of its lines. Cents appear
 * only when a total is printed.
 */

const MS_PER_HOUR = 3_600_000n;
const HALF_HOUR_MS = 1_800_000n;
export const MS_PER_DAY = 86_400_000;

/** A USD price per hour in whole micro-dollars per hour. */
export const microsPerHour = (usdPerHour: number): number => {
  if (!Number.isFinite(usdPerHour) || usdPerHour < 0)
    throw new RangeError(`unit price ${usdPerHour} must be a finite amount ≥ 0 USD per hour`);
  return Math.round(usdPerHour * 1_000_000);
};

/**
 * Cost in µ$ of `ms` milliseconds at `priceMicrosPerHour`, rounded half up. BigInt, because
 * milliseconds × µ$/h leaves the exact range of a double after about a day at $100/h.
 */
export const costMicrosOf = (ms: number, priceMicrosPerHour: number): number => {
  if (ms <= 0 || priceMicrosPerHour === 0) return 0;
  return Number((BigInt(ms) * BigInt(priceMicrosPerHour) + HALF_HOUR_MS) / MS_PER_HOUR);
};

/** USD from µ$, for output. */
export const usdOf = (micros: number): number => micros / 1_000_000;

/** µ$ rounded to whole cents, as USD: how totals are printed. */
export const centsUsd = (micros: number): number => Math.round(micros / 10_000) / 100;

/** A half-open stretch of time in epoch milliseconds: `[startMs, endMs)`. */
export interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

/** One metered stretch of a usage interval. */
export interface MeteredPiece extends Span {
  /** Actual cost at the stored unit price. */
  readonly costMicros: number;
  /** The same stretch at the on-demand (list) price; equals the cost when there is no list price. */
  readonly onDemandMicros: number;
  /** The part of `costMicros` whose work was lost to an interruption (after the last checkpoint). */
  readonly interruptedMicros: number;
  /**
   * The stretch at the effective rate of the commitment its allocation drew on (ADR 0015): what
   * finance sees the hours cost, where `costMicros` is only what they cost beyond what was already
   * paid for (0 on a commitment). Equals `costMicros` off commitments.
   */
  readonly effectiveMicros: number;
  /** Whether the stretch drew on a commitment. */
  readonly committed: boolean;
}

/** How to cut an interval: not at all, at UTC midnights, or at UTC month starts. */
export type SplitBy = 'none' | 'day' | 'month';

const nextBoundary = (ms: number, split: SplitBy): number => {
  if (split === 'none') return Number.POSITIVE_INFINITY;
  if (split === 'day') return (Math.floor(ms / MS_PER_DAY) + 1) * MS_PER_DAY;
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/** The interval's span: open intervals run to `openEndMs` (the end of the report window). */
export const usageSpan = (usage: LedgerUsage, openEndMs: number): Span => {
  const startMs = Date.parse(usage.startedAt);
  const endMs = usage.stoppedAt === null ? Math.max(startMs, openEndMs) : Date.parse(usage.stoppedAt);
  return { startMs, endMs };
};

/**
 * Meters a usage interval inside `window`, cut into pieces by day or month. Pieces outside the
 * window are dropped; an interval that never overlaps the window gives no pieces.
 *
 * @example
 * meterUsage(usage, { startMs: Date.parse('2026-11-01T00:00:00Z'), endMs: Date.parse('2026-12-01T00:00:00Z') }, 'day')
 */
export const meterUsage = (usage: LedgerUsage, window: Span, split: SplitBy = 'none'): MeteredPiece[] => {
  const span = usageSpan(usage, window.endMs);
  const price = microsPerHour(usage.unitPriceUsdPerHour);
  const listPrice =
    usage.onDemandPriceUsdPerHour === null ? price : microsPerHour(usage.onDemandPriceUsdPerHour);
  const committed = usage.commitment !== undefined;
  const effectivePrice =
    usage.commitment === undefined ? price : microsPerHour(usage.commitment.effectiveUnitPriceUsdPerHour);
  // Work after the last checkpoint (or all of it, without one) is lost when the interval ends in an interruption.
  const lostFromMs = usage.interrupted
    ? Math.max(
        span.startMs,
        usage.lastCheckpointAt == null ? span.startMs : Date.parse(usage.lastCheckpointAt),
      )
    : span.endMs;
  const cum = (ms: number, p: number) => costMicrosOf(ms - span.startMs, p);
  const lostCum = (ms: number) => (ms <= lostFromMs ? 0 : cum(ms, price) - cum(lostFromMs, price));

  const pieces: MeteredPiece[] = [];
  const from = Math.max(span.startMs, window.startMs);
  const to = Math.min(span.endMs, window.endMs);
  for (let start = from; start < to; ) {
    const end = Math.min(to, nextBoundary(start, split));
    pieces.push({
      startMs: start,
      endMs: end,
      costMicros: cum(end, price) - cum(start, price),
      onDemandMicros: cum(end, listPrice) - cum(start, listPrice),
      interruptedMicros: lostCum(end) - lostCum(start),
      effectiveMicros: cum(end, effectivePrice) - cum(start, effectivePrice),
      committed,
    });
    start = end;
  }
  return pieces;
};

/** What an interval cost in full (no window), in µ$. */
export const usageCostMicros = (usage: LedgerUsage): number => {
  const span = usageSpan(usage, Date.parse(usage.startedAt));
  return costMicrosOf(span.endMs - span.startMs, microsPerHour(usage.unitPriceUsdPerHour));
};

/** Estimate vs actual for one job. */
export interface EstimateVsActual {
  readonly jobId: string;
  readonly estimateMicros: number;
  readonly actualMicros: number;
  readonly interruptedMicros: number;
  /** actual / estimate; `null` without an estimate. Above 1: the job cost more than expected. */
  readonly accuracy: number | null;
}

/**
 * Compares a job's estimate (expected cost at allocation) with the metered cost of its usage.
 * Usage of other jobs is ignored, so callers may pass a team's whole list.
 */
export const estimateVsActual = (
  jobId: string,
  estimateUsd: number,
  usages: Iterable<LedgerUsage>,
): EstimateVsActual => {
  let actualMicros = 0;
  let interruptedMicros = 0;
  const all: Span = { startMs: Number.NEGATIVE_INFINITY, endMs: Number.POSITIVE_INFINITY };
  for (const usage of usages) {
    if (usage.jobId !== jobId) continue;
    if (usage.stoppedAt === null) continue;
    for (const piece of meterUsage(usage, all)) {
      actualMicros += piece.costMicros;
      interruptedMicros += piece.interruptedMicros;
    }
  }
  const estimateMicros = usdToMicros(estimateUsd, 'estimateUsd');
  return {
    jobId,
    estimateMicros,
    actualMicros,
    interruptedMicros,
    accuracy: estimateMicros === 0 ? null : actualMicros / estimateMicros,
  };
};
