import {
  type InstanceTypeSpec,
  type Market,
  MIN_PLACEMENT_SCORE_TYPES,
  type OnDemandPriceObservation,
  type QuotaLimit,
  type SpotPlacementScore,
  type SpotPriceObservation,
} from '../cloud-ports.js';
import type { Clock, PriceBookStore } from '../ports.js';
import type { PriceBook } from '../pricing/offer.js';
import { type RefreshRule, refreshPriceBook } from '../pricing/price-refresh.js';
import { quotaFamilyOf } from '../pricing/quota-family.js';

export interface RefreshPricesDeps {
  readonly ledger: Pick<PriceBookStore, 'getLatestPriceBook' | 'putPriceBook'>;
  readonly market: Pick<
    Market,
    'describeGpuInstanceTypes' | 'spotPrices' | 'onDemandPrices' | 'quotas' | 'spotPlacementScores'
  >;
  readonly clock: Clock;
  readonly fallbackPriceBook: () => PriceBook;
  readonly regions: readonly string[];
  readonly minCoverage?: number;
}

/**
 * What a refresh reads. `spot` (the frequent schedule) reads specs and spot prices and keeps the
 * stored book's on-demand offers and quotas; `on-demand` (the daily schedule) and `all` read
 * everything, quotas included. A spot refresh with no stored book reads everything.
 */
export const REFRESH_SCOPES = ['all', 'spot', 'on-demand'] as const;
export type RefreshScope = (typeof REFRESH_SCOPES)[number];

export const isRefreshScope = (value: unknown): value is RefreshScope =>
  typeof value === 'string' && (REFRESH_SCOPES as readonly string[]).includes(value);

/** What the refresh read: the scope asked, and whether it read on-demand prices and quotas. */
export interface RefreshReads {
  readonly scope: RefreshScope;
  readonly onDemandPrices: boolean;
  readonly quotas: boolean;
  /** Sets of types scored by GetSpotPlacementScores (0 where the market cannot score). */
  readonly placementScoreSets: number;
}

/**
 * The sets of spot types to score in a region: each quota family's types that have a spot price,
 * when there are at least three (EC2 scores fewer as unlikely whatever the capacity). A family is
 * one set because its types share the quota pool a fallback launch stays in.
 */
export const placementScoreSets = (spot: readonly SpotPriceObservation[]): string[][] => {
  const byFamily = new Map<string, Set<string>>();
  for (const p of spot) {
    const family = quotaFamilyOf(p.instanceType);
    const types = byFamily.get(family) ?? new Set<string>();
    types.add(p.instanceType);
    byFamily.set(family, types);
  }
  return [...byFamily.keys()]
    .sort()
    .map((family) => [...(byFamily.get(family) ?? [])].sort())
    .filter((types) => types.length >= MIN_PLACEMENT_SCORE_TYPES);
};

export type RefreshPricesOutcome =
  | {
      readonly kind: 'stored';
      readonly bookId: string;
      readonly offers: number;
      readonly fetchErrors: readonly string[];
      readonly reads: RefreshReads;
    }
  | {
      readonly kind: 'kept';
      readonly bookId: string;
      readonly rule: RefreshRule;
      readonly reason: string;
      readonly fetchErrors: readonly string[];
      readonly reads: RefreshReads;
    };

/**
 * Reads live prices for every region and stores a new book only when the refresh rules accept
 * it (price-refresh.ts): a failed region is left out of the fetch, so the `region-missing` rule
 * keeps the last good book instead of storing a partial one. Quotas are read with on-demand
 * prices; a region whose quotas cannot be read keeps the stored book's quotas for it.
 */
export const refreshPrices = async (
  deps: RefreshPricesDeps,
  scope: RefreshScope = 'all',
): Promise<RefreshPricesOutcome> => {
  const previous = await deps.ledger.getLatestPriceBook();
  const spotOnly = scope === 'spot' && previous !== undefined;
  const onDemand: OnDemandPriceObservation[] = [];
  const placementScores: SpotPlacementScore[] = [];
  let scoredSets = 0;
  const spot: SpotPriceObservation[] = [];
  const specs: InstanceTypeSpec[] = [];
  const quotas: QuotaLimit[] = [];
  const fetchErrors: string[] = [];
  const score = deps.market.spotPlacementScores?.bind(deps.market);
  for (const region of deps.regions) {
    let regionSpot: readonly SpotPriceObservation[];
    try {
      const types = await deps.market.describeGpuInstanceTypes(region);
      const regionOnDemand = spotOnly ? [] : await deps.market.onDemandPrices(region);
      regionSpot = await deps.market.spotPrices(
        region,
        types.map((t) => t.instanceType),
      );
      specs.push(...types);
      onDemand.push(...regionOnDemand);
      spot.push(...regionSpot);
    } catch (err) {
      fetchErrors.push(`${region}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    // Scores only rank zones: a region whose scores cannot be read is priced without them.
    if (score !== undefined)
      for (const set of placementScoreSets(regionSpot)) {
        try {
          placementScores.push(...(await score(region, set)));
          scoredSets += 1;
        } catch (err) {
          fetchErrors.push(
            `${region} placement scores (${set.join(', ')}): ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
    if (spotOnly) continue;
    try {
      quotas.push(...(await deps.market.quotas(region)));
    } catch (err) {
      fetchErrors.push(`${region} quotas: ${err instanceof Error ? err.message : String(err)}`);
      quotas.push(...(previous?.quotas ?? []).filter((q) => q.region === region));
    }
  }
  const reads: RefreshReads = {
    scope,
    onDemandPrices: !spotOnly,
    quotas: !spotOnly,
    placementScoreSets: scoredSets,
  };
  const kept = spotOnly ? (previous?.quotas ?? []) : quotas;
  const result = refreshPriceBook({
    previous,
    fallback: deps.fallbackPriceBook(),
    fetched: { onDemand, spot, specs, ...(placementScores.length === 0 ? {} : { placementScores }) },
    regions: deps.regions,
    asOf: deps.clock.now().toISOString(),
    ...(spotOnly ? { onDemandFrom: previous } : {}),
    ...(kept.length === 0 ? {} : { quotas: kept }),
    ...(deps.minCoverage === undefined ? {} : { minCoverage: deps.minCoverage }),
  });
  if (result.outcome === 'kept') {
    return {
      kind: 'kept',
      bookId: result.book.id,
      rule: result.rule,
      reason: result.reason,
      fetchErrors,
      reads,
    };
  }
  await deps.ledger.putPriceBook(result.book);
  return { kind: 'stored', bookId: result.book.id, offers: result.book.offers.length, fetchErrors, reads };
};
