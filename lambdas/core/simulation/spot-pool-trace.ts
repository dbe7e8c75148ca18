import type { SpotTrace } from '../spot/spot-trace.js';
import { fnv1a } from './fnv1a.js';

/** A spot availability trace with the name it is reported under. */
export interface NamedSpotTrace {
  readonly name: string;
  readonly trace: SpotTrace;
}

/** Where a spot pool's availability comes from. */
export interface SpotPoolTrace {
  readonly traceIndex: number;
  readonly offsetTicks: number;
}

/** The spot capacity pool an offer draws on: instance type × zone (region when region-wide). */
export const spotPoolId = (o: {
  readonly instanceType: string;
  readonly availabilityZone: string | null;
  readonly region: string;
}): string => `${o.instanceType}|${o.availabilityZone ?? o.region}`;

/**
 * The trace and start offset a spot pool follows: trace `fnv1a(pool) mod traces`, offset
 * `fnv1a(pool + "#offset") mod trace length`. Deterministic, and different pools mostly get
 * different traces or offsets, so their outages do not all line up.
 */
export const spotPoolTrace = (poolId: string, traces: readonly NamedSpotTrace[]): SpotPoolTrace => {
  if (traces.length === 0) throw new RangeError('at least one spot availability trace is needed');
  const traceIndex = fnv1a(poolId) % traces.length;
  const length = traces[traceIndex]?.trace.available.length ?? 1;
  return { traceIndex, offsetTicks: fnv1a(`${poolId}#offset`) % length };
};
