import type { InterruptionBucket } from '../pricing/offer.js';
import { fnv1a } from './fnv1a.js';

/**
 * The share of instances interrupted in a month taken to stand for each Spot Instance Advisor
 * bucket: the middle of "<5 %", "5-10 %", "10-15 %" and "15-20 %", and 25 % for the open-ended
 * ">20 %" bucket (its lower bound plus half a bucket width, a conservative reading).
 */
export const BUCKET_MONTHLY_INTERRUPTED_SHARE: Readonly<Record<InterruptionBucket, number>> = {
  0: 0.025,
  1: 0.075,
  2: 0.125,
  3: 0.175,
  4: 0.25,
};

/**
 * The bucket the bundled availability traces were recorded in: every one of their pools
 * (p2.xlarge, p2.8xlarge, p3.2xlarge, p3.16xlarge in us-west-2) is in ">20 %".
 */
export const TRACE_BUCKET: InterruptionBucket = 4;

/** Outage rate of a pool whose monthly interrupted share is `share`, for a Poisson process. */
const monthlyHazard = (share: number): number => -Math.log(1 - share);

/**
 * The share of a trace's outages a pool in `bucket` keeps: its outage rate over the traces'.
 * A pool without advisor data keeps them all (it is treated like the traces' own pools).
 */
export const outageKeepShare = (bucket: InterruptionBucket | null): number =>
  bucket === null
    ? 1
    : monthlyHazard(BUCKET_MONTHLY_INTERRUPTED_SHARE[bucket]) /
      monthlyHazard(BUCKET_MONTHLY_INTERRUPTED_SHARE[TRACE_BUCKET]);

/**
 * A trace thinned to a pool's outage rate: each outage (a maximal run of samples without
 * capacity) is kept with probability `keepShare`, decided by a hash of `seed` and the outage's
 * index, and otherwise filled with capacity. Thinning scales the rate of outages and leaves the
 * shape of the ones kept — their lengths and what precedes them — as recorded. An outage that
 * wraps around the trace's end is one outage. Pure and deterministic.
 */
export const calibratedAvailability = (flags: Uint8Array, keepShare: number, seed: string): Uint8Array => {
  if (!(keepShare >= 0 && keepShare <= 1))
    throw new RangeError(`keepShare must be in [0, 1], got ${keepShare}`);
  const out = Uint8Array.from(flags);
  if (keepShare === 1) return out;
  const n = flags.length;
  const wraps = n > 1 && flags[0] === 0 && flags[n - 1] === 0;
  let index = 0;
  let firstKept = true;
  for (let i = 0; i < n; ) {
    if (flags[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < n && flags[end] === 0) end++;
    const isLastWrapping = wraps && end === n && i > 0;
    const kept: boolean = isLastWrapping
      ? firstKept
      : fnv1a(`${seed}#outage${index}`) / 0x1_0000_0000 < keepShare;
    if (index === 0) firstKept = kept;
    if (!kept) out.fill(1, i, end);
    index++;
    i = end;
  }
  return out;
};
