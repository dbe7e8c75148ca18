import { createHash } from 'node:crypto';
import type { InterruptionBucket, Offer, PriceBook, PurchaseOption } from './offer.js';
import {
  type PriceBookInput,
  PriceBookInputError,
  parseAdvisor,
  parseAsOf,
  parseSpecs,
  priceCell,
  REGION,
  where,
} from './price-book-parse.js';
import {
  advisorOutcome,
  type Candidate,
  type DuplicateNote,
  isNoSpotMarket,
  offerId,
  type PricedFact,
  push,
  resolveAdvisorEntries,
  resolveCandidates,
} from './price-book-rules.js';

/** A price book built from dated files: `asOf` is the newest price, `oldestPriceAsOf` the oldest. */
export interface StaticPriceBook extends PriceBook {
  readonly source: 'static';
  readonly oldestPriceAsOf: string;
}

/** What the build left out, and why. Nothing is dropped without a line here. */
export interface PriceBookBuildReport {
  /** Catalog rows whose "region" is a Local or Wavelength Zone, not a region code. */
  readonly nonRegionRowsDropped: number;
  readonly nonRegionNames: readonly string[];
  /** Per-AZ rows whose spot price equals the on-demand price: no spot market, no spot offer. */
  readonly noSpotMarketRows: number;
  /** Rows with no usable price at all (empty, ≤ 0 or not a number). */
  readonly rowsWithoutPrice: number;
  /** Price cells that were present but ≤ 0 or not a finite number. */
  readonly invalidPriceCells: number;
  /** Spot prices on rows without an AZ: the catalog's spot prices are per AZ, so these are not used. */
  readonly spotWithoutZoneIgnored: number;
  /** Advisor entries with savings ≤ 0: spot never costs more than on-demand, so no implied offer. */
  readonly advisorNoDiscountSkipped: number;
  /** Advisor entries not used for an implied price because observed per-AZ spot data exists. */
  readonly advisorObservedSpotPreferred: number;
  /** Instance types skipped because their accelerator did not map to a known model. */
  readonly unknownAccelerators: readonly { readonly instanceType: string; readonly name: string }[];
  /** Instance types with prices but no spec row: skipped. */
  readonly typesWithoutSpec: readonly string[];
  readonly duplicates: readonly DuplicateNote[];
}

export interface PriceBookBuild {
  readonly book: StaticPriceBook;
  readonly report: PriceBookBuildReport;
}

/**
 * Builds the bundled price book from parsed source rows: one offer per instance type × region ×
 * AZ × purchase option that has a known price > 0.
 *
 * - A catalog row with a `zone` and a spot price gives an observed per-AZ spot offer, unless the spot
 *   price equals the on-demand price (no spot market there).
 * - The on-demand price of a type × region (catalog or dated on-demand table, latest `asOf` wins)
 *   gives a region-level on-demand offer.
 * - Where no per-AZ spot data exists for a type × region, a Spot Advisor entry gives a region-level
 *   spot offer at the advisor's implied price (`spotPriceImplied: true`), if its savings are > 0.
 * - Rows outside a standard region, or for types whose accelerator is unknown, are reported and skipped.
 *
 * The book id is `static-` plus a short SHA-256 of the offers, so the same inputs give the same id.
 *
 * @throws PriceBookInputError on malformed rows (bad dates, bad spec numbers) or when no offer results.
 */
export const buildPriceBookWithReport = (input: PriceBookInput): PriceBookBuild => {
  const unknownAccelerators: { instanceType: string; name: string }[] = [];
  const specs = parseSpecs(input.specs, unknownAccelerators);
  const unknownTypes = new Set(unknownAccelerators.map((u) => u.instanceType));
  const typesWithoutSpec = new Set<string>();
  const nonRegionNames = new Set<string>();
  const duplicates: DuplicateNote[] = [];
  let nonRegionRowsDropped = 0;
  let noSpotMarketRows = 0;
  let rowsWithoutPrice = 0;
  let invalidPriceCells = 0;
  let spotWithoutZoneIgnored = 0;

  const knownType = (instanceType: string): boolean => {
    if (specs.has(instanceType)) return true;
    if (!unknownTypes.has(instanceType)) typesWithoutSpec.add(instanceType);
    return false;
  };

  const onDemandCandidates = new Map<string, Candidate[]>();
  const spotCandidates = new Map<string, Candidate[]>();
  /** type|region pairs with observed per-AZ spot data, including "no spot market" observations. */
  const observedSpot = new Set<string>();

  for (const row of input.catalog) {
    const instanceType = row.instance_type.trim();
    const region = row.region.trim();
    const zone = row.zone.trim();
    if (!REGION.test(region)) {
      nonRegionRowsDropped += 1;
      nonRegionNames.add(region);
      continue;
    }
    const asOf = parseAsOf(row.as_of, where(row));
    const onDemand = priceCell(row.on_demand_usd_per_hour);
    const spot = priceCell(row.spot_usd_per_hour);
    invalidPriceCells += (onDemand.kind === 'invalid' ? 1 : 0) + (spot.kind === 'invalid' ? 1 : 0);
    if (onDemand.kind !== 'price' && spot.kind !== 'price') {
      rowsWithoutPrice += 1;
      continue;
    }
    if (!knownType(instanceType)) continue;
    const fact = { source: row.source.trim(), asOf, at: where(row) };
    if (onDemand.kind === 'price') {
      push(onDemandCandidates, offerId(instanceType, region, null, 'on-demand'), {
        ...fact,
        price: onDemand.value,
      });
    }
    if (spot.kind === 'price' && zone === '') spotWithoutZoneIgnored += 1;
    if (spot.kind === 'price' && zone !== '') {
      observedSpot.add(`${instanceType}|${region}`);
      if (onDemand.kind === 'price' && isNoSpotMarket(spot.value, onDemand.value)) {
        noSpotMarketRows += 1;
        continue;
      }
      push(spotCandidates, offerId(instanceType, region, zone, 'spot'), { ...fact, price: spot.value });
    }
  }

  for (const row of input.onDemand) {
    const instanceType = row.instance_type.trim();
    const region = row.region.trim();
    if (!REGION.test(region)) {
      throw new PriceBookInputError(`${where(row)}: region "${row.region}" is not a region code`);
    }
    const asOf = parseAsOf(row.as_of, where(row));
    const price = priceCell(row.on_demand_usd_per_hour);
    if (price.kind !== 'price') {
      rowsWithoutPrice += 1;
      invalidPriceCells += price.kind === 'invalid' ? 1 : 0;
      continue;
    }
    if (!knownType(instanceType)) continue;
    push(onDemandCandidates, offerId(instanceType, region, null, 'on-demand'), {
      price: price.value,
      source: row.source.trim(),
      asOf,
      at: where(row),
    });
  }

  const advisor = resolveAdvisorEntries(parseAdvisor(input.advisor), duplicates);

  const onDemand = resolveCandidates(onDemandCandidates, duplicates);
  const spot = resolveCandidates(spotCandidates, duplicates);
  const onDemandPriceOf = (instanceType: string, region: string): number | null =>
    onDemand.get(offerId(instanceType, region, null, 'on-demand'))?.price ?? null;

  const offers: Offer[] = [];
  const makeOffer = (
    instanceType: string,
    region: string,
    availabilityZone: string | null,
    purchaseOption: PurchaseOption,
    fact: PricedFact,
    interruptionBucket: InterruptionBucket | null,
    spotPriceImplied: boolean,
  ): void => {
    const spec = specs.get(instanceType);
    if (spec === undefined) return;
    offers.push({
      id: offerId(instanceType, region, availabilityZone, purchaseOption),
      instanceType,
      region,
      availabilityZone,
      purchaseOption,
      priceUsdPerHour: fact.price,
      onDemandPriceUsdPerHour: onDemandPriceOf(instanceType, region),
      ...spec,
      interruptionBucket,
      spotPriceImplied,
      source: fact.source,
      asOf: fact.asOf,
    });
  };

  for (const [id, fact] of onDemand) {
    const [instanceType = '', region = ''] = id.split('|');
    makeOffer(instanceType, region, null, 'on-demand', fact, null, false);
  }
  for (const [id, fact] of spot) {
    const [instanceType = '', region = '', zone = ''] = id.split('|');
    const bucket = advisor.get(`${instanceType}|${region}`)?.bucket ?? null;
    makeOffer(instanceType, region, zone, 'spot', fact, bucket, false);
  }
  let advisorNoDiscountSkipped = 0;
  let advisorObservedSpotPreferred = 0;
  for (const [key, entry] of advisor) {
    const outcome = advisorOutcome(entry, observedSpot.has(key));
    if (outcome === 'observed-spot-preferred') {
      advisorObservedSpotPreferred += 1;
      continue;
    }
    if (outcome === 'no-discount') {
      advisorNoDiscountSkipped += 1;
      continue;
    }
    if (outcome === 'no-price' || entry.impliedSpot === null) continue;
    const [instanceType = '', region = ''] = key.split('|');
    if (!knownType(instanceType)) continue;
    const price = { price: entry.impliedSpot, source: entry.source, asOf: entry.asOf };
    makeOffer(instanceType, region, null, 'spot', price, entry.bucket, true);
  }

  if (offers.length === 0) {
    throw new PriceBookInputError('price book input produced no offers: refusing to build an empty book');
  }
  offers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const dates = offers.map((o) => o.asOf).sort();
  const id = `static-${createHash('sha256').update(JSON.stringify(offers)).digest('hex').slice(0, 16)}`;
  return {
    book: {
      id,
      source: 'static',
      asOf: dates[dates.length - 1] ?? '',
      oldestPriceAsOf: dates[0] ?? '',
      offers,
    },
    report: {
      nonRegionRowsDropped,
      nonRegionNames: [...nonRegionNames].sort(),
      noSpotMarketRows,
      rowsWithoutPrice,
      invalidPriceCells,
      spotWithoutZoneIgnored,
      advisorNoDiscountSkipped,
      advisorObservedSpotPreferred,
      unknownAccelerators,
      typesWithoutSpec: [...typesWithoutSpec].sort(),
      duplicates,
    },
  };
};

/** {@link buildPriceBookWithReport} without the report. */
export const buildPriceBook = (input: PriceBookInput): StaticPriceBook =>
  buildPriceBookWithReport(input).book;

/** Offer counts, for the generated header, the build output and docs. */
export interface PriceBookSummary {
  readonly offers: number;
  readonly onDemand: number;
  readonly spotObserved: number;
  readonly spotImplied: number;
  readonly instanceTypes: number;
  readonly regions: number;
  readonly availabilityZones: number;
}

export const summarisePriceBook = (book: PriceBook): PriceBookSummary => {
  const count = (keep: (offer: Offer) => boolean): number => book.offers.filter(keep).length;
  return {
    offers: book.offers.length,
    onDemand: count((o) => o.purchaseOption === 'on-demand'),
    spotObserved: count((o) => o.purchaseOption === 'spot' && !o.spotPriceImplied),
    spotImplied: count((o) => o.purchaseOption === 'spot' && o.spotPriceImplied),
    instanceTypes: new Set(book.offers.map((o) => o.instanceType)).size,
    regions: new Set(book.offers.map((o) => o.region)).size,
    availabilityZones: new Set(
      book.offers.flatMap((o) => (o.availabilityZone === null ? [] : [o.availabilityZone])),
    ).size,
  };
};
