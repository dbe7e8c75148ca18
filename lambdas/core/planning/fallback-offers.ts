import type { Offer } from '../pricing/offer.js';
import type { Candidate, FallbackOffer } from './plan.js';

export interface FallbackOptions {
  /** Most fallbacks per allocation, after the chosen offer. @default 3 */
  readonly maxFallbacks?: number;
  /**
   * How much dearer per hour than the chosen offer a fallback may be, as a share of its price.
   * The budget reservation covers the dearest fallback kept. @default 0.1
   */
  readonly priceSlack?: number;
  /** Dearest multiple of the chosen price the caller can reserve (budget room). @default no limit */
  readonly maxPriceRatio?: number;
}

export const DEFAULT_MAX_FALLBACKS = 3;
export const DEFAULT_FALLBACK_PRICE_SLACK = 0.1;
/** Where a zone without a placement score ranks among scored ones: the middle of 1–10. */
const UNSCORED = 5.5;

/**
 * Offers EC2 may launch on instead of the chosen one when it has no capacity (ADR 0004): the same
 * instance type and purchase option in another availability zone of the same region, so the
 * quota pool, the vCPUs and the speed are those the plan counted, at most `priceSlack` dearer.
 * Zones with a higher spot placement score come first (EC2 tries the overrides in order, and
 * a fallback is needed because capacity ran out), then the cheaper; zones without a score rank
 * as a middling 5.5. On-demand offers are region-wide (EC2 picks the zone), so they have none;
 * offers the solver may not use (marked unavailable) are left out.
 */
export const fallbackOffersFor = (
  chosen: Candidate,
  offers: readonly Offer[],
  unavailable: ReadonlySet<string>,
  options: FallbackOptions = {},
): FallbackOffer[] => {
  const max = options.maxFallbacks ?? DEFAULT_MAX_FALLBACKS;
  const slack = options.priceSlack ?? DEFAULT_FALLBACK_PRICE_SLACK;
  if (!Number.isInteger(max) || max < 0)
    throw new RangeError(`maxFallbacks must be a whole number ≥ 0, got ${max}`);
  if (!(slack >= 0)) throw new RangeError(`priceSlack must be ≥ 0, got ${slack}`);
  const ratio = Math.min(1 + slack, options.maxPriceRatio ?? Number.POSITIVE_INFINITY);
  const cap = chosen.unitPriceUsdPerHour * ratio;
  if (max === 0 || chosen.availabilityZone === null) return [];
  return offers
    .filter(
      (o) =>
        o.instanceType === chosen.instanceType &&
        o.region === chosen.region &&
        o.purchaseOption === chosen.purchaseOption &&
        o.availabilityZone !== null &&
        o.availabilityZone !== chosen.availabilityZone &&
        o.id !== chosen.offerId &&
        !unavailable.has(o.id) &&
        o.priceUsdPerHour <= cap + 1e-12,
    )
    .sort(
      (a, b) =>
        (b.placementScore ?? UNSCORED) - (a.placementScore ?? UNSCORED) ||
        a.priceUsdPerHour - b.priceUsdPerHour ||
        a.id.localeCompare(b.id),
    )
    .slice(0, max)
    .map((o) => ({
      offerId: o.id,
      instanceType: o.instanceType,
      region: o.region,
      availabilityZone: o.availabilityZone,
      purchaseOption: o.purchaseOption,
      unitPriceUsdPerHour: o.priceUsdPerHour,
    }));
};

/** The unit price of the dearest offer an allocation may launch on: what its reservation covers. */
export const dearestUnitPrice = (chosen: Candidate, fallbacks: readonly FallbackOffer[]): number =>
  Math.max(chosen.unitPriceUsdPerHour, ...fallbacks.map((f) => f.unitPriceUsdPerHour));
