import type { Period } from '../ports.js';
import type { PriceBook } from '../pricing/offer.js';
import {
  DEFAULT_USAGE_HALF_LIFE_HOURS,
  decayedUsage,
  effectiveWeights,
  type UsageSample,
} from './fair-weight.js';
import { isoInstantMs } from './iso-instant-ms.js';

/**
 * From ledger usage intervals to the per-team usage samples the planner's fair share decays
 * (`PlanInput.history`). Both a stored `UsageRecord` and a `usage` line of a ledger export fit
 * `UsageInterval`, so `qm plan --history` and the solve Lambda share one rule.
 */

/** The part of a usage interval history needs: one instance of a team, from running to stopped. */
export interface UsageInterval {
  readonly team: string;
  readonly instanceType: string;
  /** ISO instant the instance started running. */
  readonly startedAt: string;
  /** ISO instant it stopped; `null` while it still runs (counted up to the planning instant). */
  readonly stoppedAt: string | null;
}

/**
 * Usage older than this many half-lives is not read. It would count `2^-8` (under 0.4 %) of the same
 * usage today, far less than the one-job steps a placement moves in, and the cut-off bounds how far
 * back the solve Lambda has to query the ledger.
 */
export const HISTORY_CUTOFF_HALF_LIVES = 8;

/** Longest stretch of an interval folded into one sample. */
const MAX_PIECE_HOURS = 24;
/**
 * Pieces per half-life: a piece is counted as if it all ended at its end, so it counts at most
 * `2^(1/16) − 1` (about 4.4 %) more than the exact decayed integral of its stretch.
 */
const PIECES_PER_HALF_LIFE = 16;
const HOUR_MS = 3_600_000;

export interface UsageHistoryOptions {
  /** vCPUs per instance type, e.g. from `vcpusByInstanceType(priceBook)`. */
  readonly vcpus: ReadonlyMap<string, number>;
  /** Planning instant, milliseconds since the epoch. */
  readonly nowMs: number;
  /** @default DEFAULT_USAGE_HALF_LIFE_HOURS (168) */
  readonly halfLifeHours?: number;
}

export interface UsageHistory {
  /** Per team, vCPU-hours per time cell, oldest first: `PlanInput.history`. */
  readonly samples: Map<string, UsageSample[]>;
  /**
   * Intervals left out because no offer of the price book names their instance type (so its vCPUs
   * are unknown), counted per type. Callers warn about them: a team's usage is then understated.
   */
  readonly unknownInstanceTypes: Map<string, number>;
  /** Intervals that count, in whole or in part. */
  readonly counted: number;
  /** Intervals wholly before the cut-off or after the planning instant: they count nothing. */
  readonly outsideWindow: number;
}

/** vCPUs of each instance type the book offers (the same in every region and purchase option). */
export const vcpusByInstanceType = (book: PriceBook): Map<string, number> => {
  const out = new Map<string, number>();
  for (const offer of book.offers) if (!out.has(offer.instanceType)) out.set(offer.instanceType, offer.vcpus);
  return out;
};

const instantMs = (value: string, field: string, interval: UsageInterval): number => {
  const ms = isoInstantMs(value);
  if (Number.isNaN(ms))
    throw new RangeError(
      `usage interval of team ${interval.team} (${interval.instanceType}): ${field} ${JSON.stringify(value)} is not an ISO instant`,
    );
  return ms;
};

const checkHalfLife = (halfLifeHours: number): void => {
  if (!(halfLifeHours > 0) || !Number.isFinite(halfLifeHours))
    throw new RangeError(`halfLifeHours must be a finite number > 0, got ${halfLifeHours}`);
};

/**
 * Folds usage intervals into per-team samples of vCPU-hours for the fair-share decay.
 *
 * Each interval is clipped to the window `[now − 8 half-lives, now]`: a running one (`stoppedAt`
 * null) counts up to now, and usage after now (an export newer than the planning instant) does
 * not count yet. What is left is cut on a fixed time grid (cells of `min(24 h, halfLife / 16)`)
 * and summed per team and cell, so a month-long run decays piece by piece rather than as if it
 * had all ended today, and a team has at most one sample per cell however many intervals it ran.
 *
 * @throws RangeError for a non-positive half-life or an interval whose instants do not parse
 * @example
 * const h = usageHistory(records, { vcpus: vcpusByInstanceType(book), nowMs });
 * solvePlan({ ...input, history: h.samples }, solver);
 */
export const usageHistory = (
  intervals: Iterable<UsageInterval>,
  options: UsageHistoryOptions,
): UsageHistory => {
  const halfLifeHours = options.halfLifeHours ?? DEFAULT_USAGE_HALF_LIFE_HOURS;
  checkHalfLife(halfLifeHours);
  const { nowMs } = options;
  const windowStart = nowMs - HISTORY_CUTOFF_HALF_LIVES * halfLifeHours * HOUR_MS;
  const cellMs = Math.min(MAX_PIECE_HOURS, halfLifeHours / PIECES_PER_HALF_LIFE) * HOUR_MS;

  const cells = new Map<string, Map<number, number>>();
  const unknownInstanceTypes = new Map<string, number>();
  let counted = 0;
  let outsideWindow = 0;
  for (const interval of intervals) {
    const started = instantMs(interval.startedAt, 'startedAt', interval);
    const stopped =
      interval.stoppedAt === null ? nowMs : instantMs(interval.stoppedAt, 'stoppedAt', interval);
    const from = Math.max(started, windowStart);
    const to = Math.min(stopped, nowMs);
    if (!(to > from)) {
      outsideWindow += 1;
      continue;
    }
    const vcpus = options.vcpus.get(interval.instanceType);
    if (vcpus === undefined) {
      unknownInstanceTypes.set(
        interval.instanceType,
        (unknownInstanceTypes.get(interval.instanceType) ?? 0) + 1,
      );
      continue;
    }
    counted += 1;
    let team = cells.get(interval.team);
    if (team === undefined) {
      team = new Map();
      cells.set(interval.team, team);
    }
    for (let cell = Math.floor(from / cellMs); cell * cellMs < to; cell += 1) {
      const overlapMs = Math.min(to, (cell + 1) * cellMs) - Math.max(from, cell * cellMs);
      if (overlapMs > 0) team.set(cell, (team.get(cell) ?? 0) + (vcpus * overlapMs) / HOUR_MS);
    }
  }

  const samples = new Map<string, UsageSample[]>();
  for (const [team, byCell] of [...cells].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    samples.set(
      team,
      [...byCell]
        .sort(([a], [b]) => a - b)
        .map(([cell, vcpuHours]) => ({ endedAtMs: Math.min((cell + 1) * cellMs, nowMs), vcpuHours })),
    );
  return { samples, unknownInstanceTypes, counted, outsideWindow };
};

/**
 * The calendar months (`yyyy-mm`, oldest first) that intervals starting inside the history window
 * fall in: what the solve Lambda queries per team. At the default one-week half-life the window
 * is 56 days, so two or three months.
 */
export const historyPeriods = (
  nowMs: number,
  halfLifeHours: number = DEFAULT_USAGE_HALF_LIFE_HOURS,
): Period[] => {
  checkHalfLife(halfLifeHours);
  const start = new Date(nowMs - HISTORY_CUTOFF_HALF_LIVES * halfLifeHours * HOUR_MS);
  const end = new Date(nowMs);
  const periods: Period[] = [];
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth();
  while (year < end.getUTCFullYear() || (year === end.getUTCFullYear() && month <= end.getUTCMonth())) {
    periods.push(`${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`);
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  }
  return periods;
};

/** A team's fair-share weight before and after its past usage, for plan output and logs. */
export interface HistoryWeight {
  readonly team: string;
  /** The configured weight. */
  readonly weight: number;
  /** Past usage after decay, in vCPU-hours. */
  readonly decayedVcpuHours: number;
  /** The weight the plan's fair share used. */
  readonly effectiveWeight: number;
}

/**
 * Base and effective weight per team, computed exactly as `solvePlan` does (same teams, instant
 * and half-life), so the output can show what the fair share used. Teams in `weights` order.
 */
export const historyWeights = (
  weights: ReadonlyMap<string, number>,
  samples: ReadonlyMap<string, readonly UsageSample[]>,
  nowMs: number,
  halfLifeHours: number = DEFAULT_USAGE_HALF_LIFE_HOURS,
): HistoryWeight[] => {
  const effective = effectiveWeights(weights, samples, nowMs, { halfLifeHours });
  return [...weights].map(([team, weight]) => ({
    team,
    weight,
    decayedVcpuHours: decayedUsage(samples.get(team) ?? [], nowMs, halfLifeHours),
    effectiveWeight: effective.get(team) ?? weight,
  }));
};
