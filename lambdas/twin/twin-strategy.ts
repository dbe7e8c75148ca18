import type { LaunchRequest, OfferChoice } from '../core/cloud-ports.js';
import type { FallbackOptions } from '../core/planning/fallback-offers.js';
import type { PriceBook } from '../core/pricing/offer.js';
import { greedySpotPolicy, type SpotPolicy, type SpotPolicyName } from '../core/spot/spot-policy.js';

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
  /** What decides spot or on-demand after an interruption. @default the deployment's safety rule */
  readonly afterInterruption?: SpotPolicy;
  /** How the solve picks each launch's fallback offers. @default the deployment's */
  readonly fallbacks?: Omit<FallbackOptions, 'maxPriceRatio'>;
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

/** One spot pool per launch: the cheapest the solve chose, no fallbacks. */
const singlePool = (request: LaunchRequest): LaunchRequest =>
  request.offer.purchaseOption === 'spot' ? { ...request, fallbacks: [] } : request;

/**
 * The strategies by name, all on the deployed loop:
 * - `quartermaster`: the deployment as configured (the deadline safety rule after an
 *   interruption and at every reconcile, equivalent fallbacks within 10 % of the chosen price);
 * - `on-demand`: plans with on-demand offers only;
 * - `greedy-spot`: spot on the single cheapest pool, spot again after every interruption until the
 *   deadline forces on-demand;
 * - `fleet-pco`: every zone of the chosen spot type as overrides whatever its price, launched
 *   price-capacity-optimized (the cheapest with capacity first), greedy's rule after interruptions.
 */
export const TWIN_STRATEGIES: Readonly<Record<SpotPolicyName, TwinStrategy>> = {
  quartermaster: {
    name: 'quartermaster',
    planBook: unchanged,
    launch: unchanged,
  },
  'on-demand': {
    name: 'on-demand',
    planBook: onDemandOnly,
    launch: unchanged,
  },
  'greedy-spot': {
    name: 'greedy-spot',
    planBook: unchanged,
    launch: singlePool,
    afterInterruption: greedySpotPolicy,
  },
  'fleet-pco': {
    name: 'fleet-pco',
    planBook: unchanged,
    launch: priceCapacityOptimized,
    afterInterruption: greedySpotPolicy,
    fallbacks: { maxFallbacks: 64, priceSlack: Number.MAX_VALUE },
  },
};
