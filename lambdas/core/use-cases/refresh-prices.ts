import type {
  InstanceTypeSpec,
  Market,
  OnDemandPriceObservation,
  SpotPriceObservation,
} from '../cloud-ports.js';
import type { Clock, PriceBookStore } from '../ports.js';
import type { PriceBook } from '../pricing/offer.js';
import { type RefreshRule, refreshPriceBook } from '../pricing/price-refresh.js';

export interface RefreshPricesDeps {
  readonly ledger: Pick<PriceBookStore, 'getLatestPriceBook' | 'putPriceBook'>;
  readonly market: Pick<Market, 'describeGpuInstanceTypes' | 'spotPrices' | 'onDemandPrices'>;
  readonly clock: Clock;
  readonly fallbackPriceBook: () => PriceBook;
  readonly regions: readonly string[];
  readonly minCoverage?: number;
}

export type RefreshPricesOutcome =
  | {
      readonly kind: 'stored';
      readonly bookId: string;
      readonly offers: number;
      readonly fetchErrors: readonly string[];
    }
  | {
      readonly kind: 'kept';
      readonly bookId: string;
      readonly rule: RefreshRule;
      readonly reason: string;
      readonly fetchErrors: readonly string[];
    };

/**
 * Reads live prices for every region and stores a new book only when the refresh rules accept
 * it (price-refresh.ts): a failed region is left out of the fetch, so the `region-missing` rule
 * keeps the last good book instead of storing a partial one.
 */
export const refreshPrices = async (deps: RefreshPricesDeps): Promise<RefreshPricesOutcome> => {
  const onDemand: OnDemandPriceObservation[] = [];
  const spot: SpotPriceObservation[] = [];
  const specs: InstanceTypeSpec[] = [];
  const fetchErrors: string[] = [];
  for (const region of deps.regions) {
    try {
      const types = await deps.market.describeGpuInstanceTypes(region);
      const regionOnDemand = await deps.market.onDemandPrices(region);
      const regionSpot = await deps.market.spotPrices(
        region,
        types.map((t) => t.instanceType),
      );
      specs.push(...types);
      onDemand.push(...regionOnDemand);
      spot.push(...regionSpot);
    } catch (err) {
      fetchErrors.push(`${region}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const previous = await deps.ledger.getLatestPriceBook();
  const result = refreshPriceBook({
    previous,
    fallback: deps.fallbackPriceBook(),
    fetched: { onDemand, spot, specs },
    regions: deps.regions,
    asOf: deps.clock.now().toISOString(),
    ...(deps.minCoverage === undefined ? {} : { minCoverage: deps.minCoverage }),
  });
  if (result.outcome === 'kept') {
    return { kind: 'kept', bookId: result.book.id, rule: result.rule, reason: result.reason, fetchErrors };
  }
  await deps.ledger.putPriceBook(result.book);
  return { kind: 'stored', bookId: result.book.id, offers: result.book.offers.length, fetchErrors };
};
