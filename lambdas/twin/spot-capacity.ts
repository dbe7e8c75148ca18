import type { InterruptionBucket, PriceBook } from '../core/pricing/offer.js';
import { calibratedAvailability, outageKeepShare } from '../core/simulation/spot-outage-calibration.js';
import { type NamedSpotTrace, spotPoolId, spotPoolTrace } from '../core/simulation/spot-pool-trace.js';

/** Each spot pool's advisor bucket as the book states it; `null` for a pool the book does not rate. */
export const advisorBucketsOf = (book: PriceBook): ((poolId: string) => InterruptionBucket | null) => {
  const buckets = new Map<string, InterruptionBucket | null>();
  for (const offer of book.offers)
    if (offer.purchaseOption === 'spot') buckets.set(spotPoolId(offer), offer.interruptionBucket);
  return (poolId) => buckets.get(poolId) ?? null;
};

export interface SpotCapacityOptions {
  /**
   * A pool's Spot Instance Advisor bucket. When given, each pool keeps only the share of its
   * trace's outages that its bucket's interruption rate implies (`calibratedAvailability`); when
   * absent, every pool sees its trace as recorded.
   */
  readonly bucketOf?: (poolId: string) => InterruptionBucket | null;
}

/**
 * Spot capacity of every pool over time, from availability traces. Each pool follows the trace and
 * offset `spotPoolTrace` picks for it, counted from the run's start and wrapping around the trace's
 * end, thinned to the pool's advisor bucket when `bucketOf` is given.
 */
export class SpotCapacity {
  readonly #traces: readonly NamedSpotTrace[];
  readonly #startMs: number;
  readonly #bucketOf: SpotCapacityOptions['bucketOf'];
  readonly #pools = new Map<string, { flags: Uint8Array; offset: number; gapMs: number; name: string }>();

  constructor(traces: readonly NamedSpotTrace[], startMs: number, options: SpotCapacityOptions = {}) {
    if (traces.length === 0)
      throw new RangeError('SpotCapacity: at least one spot availability trace is needed');
    this.#traces = traces;
    this.#startMs = startMs;
    this.#bucketOf = options.bucketOf;
  }

  #pool(poolId: string) {
    let pool = this.#pools.get(poolId);
    if (pool === undefined) {
      const mapped = spotPoolTrace(poolId, this.#traces);
      const named = this.#traces[mapped.traceIndex];
      if (named === undefined) throw new RangeError(`SpotCapacity: no trace ${mapped.traceIndex}`);
      const keep = this.#bucketOf === undefined ? 1 : outageKeepShare(this.#bucketOf(poolId));
      pool = {
        flags:
          keep === 1 ? named.trace.available : calibratedAvailability(named.trace.available, keep, poolId),
        offset: mapped.offsetTicks,
        gapMs: named.trace.gapSeconds * 1000,
        name: named.name,
      };
      this.#pools.set(poolId, pool);
    }
    return pool;
  }

  /** The trace a pool follows, for reports. */
  traceOf(poolId: string): string {
    return this.#pool(poolId).name;
  }

  #tickAt(gapMs: number, ms: number): number {
    return Math.floor(Math.max(0, ms - this.#startMs) / gapMs);
  }

  hasCapacity(poolId: string, ms: number): boolean {
    const p = this.#pool(poolId);
    return p.flags[(p.offset + this.#tickAt(p.gapMs, ms)) % p.flags.length] === 1;
  }

  /**
   * The first instant after `ms` at which the pool has no capacity: when a spot instance started
   * at `ms` is reclaimed. `Infinity` when the trace never runs dry.
   */
  nextOutage(poolId: string, ms: number): number {
    const p = this.#pool(poolId);
    const tick = this.#tickAt(p.gapMs, ms);
    // One pass over the whole trace is enough: after that it repeats.
    for (let t = tick + 1; t <= tick + p.flags.length; t++) {
      if (p.flags[(p.offset + t) % p.flags.length] !== 1) return this.#startMs + t * p.gapMs;
    }
    return Number.POSITIVE_INFINITY;
  }
}
