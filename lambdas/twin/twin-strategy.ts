import type { LaunchRequest, OfferChoice } from '../core/cloud-ports.js';
import type { PriceBook } from '../core/pricing/offer.js';
import type { SpotPolicyName } from '../core/spot/spot-policy.js';

/** What a strategy may ask of the simulated EC2 when it rewrites a launch. */
export interface CapacityView {
  hasCapacity(offer: OfferChoice): boolean;
  /** The offer's price per instance-hour in the book the run uses; `Infinity` when unknown. */
  priceOf(offerId: string): number;
}

/**
 * A placement strategy for the twin: the deployed loop runs unchanged, and a strategy changes only
 * what it plans with and what it launches, so baselines are compared on the same pipeline.
 * `quartermaster` is the deployment as configured.
 */
export interface TwinStrategy {
  readonly name: SpotPolicyName;
  /** The book the solve plans with (the stored live book or the bundled one). */
  readonly planBook: (book: PriceBook) => PriceBook;
  /** The launch EC2 receives for the one the provision step sends. */
  readonly launch: (request: LaunchRequest, capacity: CapacityView) => LaunchRequest;
}

const unchanged = <T>(value: T): T => value;

/** Only on-demand offers: nothing is ever reclaimed. */
const onDemandOnly = (book: PriceBook): PriceBook => ({
  ...book,
  id: `${book.id}+on-demand`,
  offers: book.offers.filter((o) => o.purchaseOption === 'on-demand'),
});

/**
 * Like an EC2 Fleet with the price-capacity-optimized allocation strategy: of the equivalent spot
 * offers the launch may use, the cheapest with capacity now goes first.
 */
const priceCapacityOptimized = (request: LaunchRequest, capacity: CapacityView): LaunchRequest => {
  if (request.offer.purchaseOption !== 'spot' || request.fallbacks.length === 0) return request;
  const ranked = [request.offer, ...request.fallbacks]
    .map((offer, i) => ({
      offer,
      i,
      open: capacity.hasCapacity(offer),
      price: capacity.priceOf(offer.offerId),
    }))
    .sort((a, b) => Number(b.open) - Number(a.open) || a.price - b.price || a.i - b.i)
    .map((r) => r.offer);
  const [first, ...rest] = ranked;
  return first === undefined ? request : { ...request, offer: first, fallbacks: rest };
};

/**
 * The strategies by name. `greedy-spot` differs from `quartermaster` only in what a job does after
 * a spot interruption (try spot again until the deadline forces on-demand); the requeue step
 * decides that inside `interruptJob` with the deadline-aware policy and offers no way to swap the
 * policy yet, so until it does `greedy-spot` runs the deployed requeue rule.
 */
export const TWIN_STRATEGIES: Readonly<Record<SpotPolicyName, TwinStrategy>> = {
  quartermaster: { name: 'quartermaster', planBook: unchanged, launch: unchanged },
  'on-demand': { name: 'on-demand', planBook: onDemandOnly, launch: unchanged },
  'greedy-spot': { name: 'greedy-spot', planBook: unchanged, launch: unchanged },
  'fleet-pco': { name: 'fleet-pco', planBook: unchanged, launch: priceCapacityOptimized },
};
