import type { OnDemandPriceObservation } from '../core/cloud-ports.js';
import { QuartermasterError } from '../core/errors.js';

/**
 * Parses AWS Price List (`pricing:GetProducts`) items for EC2 into on-demand hourly prices.
 *
 * Each `PriceList` entry is a JSON document (delivered as a string) with `product.attributes`
 * (`instanceType`, `regionCode`, `operatingSystem`, …) and `terms.OnDemand`, keyed
 * `<sku>.<offerTermCode>`, whose `priceDimensions` carry `unit: "Hrs"` and `pricePerUnit.USD`.
 */

/** The product attributes a usable price must have; GetProducts filters on the same values. */
export const PRICE_FILTERS = {
  operatingSystem: 'Linux',
  tenancy: 'Shared',
  capacitystatus: 'Used',
  preInstalledSw: 'NA',
  marketoption: 'OnDemand',
} as const;

/** A price list item that is not shaped like an EC2 product; the message names the item. */
export class PricingParseError extends QuartermasterError {
  override readonly name = 'PricingParseError';
}

/** Why an item gave no price. Nothing is dropped without being counted under one of these. */
export type SkipReason =
  /** Attributes outside {@link PRICE_FILTERS} (the API filter should have excluded it). */
  | 'not-linux-shared-used'
  /** No `instanceType`/`regionCode`: not an instance product. */
  | 'not-an-instance'
  /** No OnDemand term with an hourly USD price. */
  | 'no-hourly-price'
  /** A price of 0: AWS lists products it does not sell on demand that way; unknown is never 0. */
  | 'zero-price'
  /** Another region than the one asked for. */
  | 'other-region'
  /** Two items for one type and region with different prices: the price is unknown. */
  | 'ambiguous';

export interface PriceListParse {
  readonly prices: readonly OnDemandPriceObservation[];
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A PriceList entry as the SDK hands it over: a string, a boxed (lazy JSON) string, or parsed. */
const documentOf = (item: unknown, at: string): Record<string, unknown> => {
  if (isRecord(item) && !(item instanceof String)) return item;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(item));
  } catch (err) {
    throw new PricingParseError(`${at}: not a JSON document`, { cause: err });
  }
  if (!isRecord(parsed)) throw new PricingParseError(`${at}: not a JSON object`);
  return parsed;
};

type ItemParse =
  | { readonly kind: 'price'; readonly price: OnDemandPriceObservation }
  | { readonly kind: 'skip'; readonly reason: SkipReason };

/**
 * Reads one PriceList item.
 *
 * @param at where the item came from, for error messages (e.g. `GetProducts page 2 item 17`)
 * @throws PricingParseError when the item is not an EC2 product document, or has two different
 *   hourly prices under its OnDemand terms
 */
export const parsePriceListItem = (item: unknown, at: string): ItemParse => {
  const doc = documentOf(item, at);
  const product = doc.product;
  if (!isRecord(product) || !isRecord(product.attributes)) {
    throw new PricingParseError(`${at}: product.attributes is missing`);
  }
  const attributes = product.attributes;
  const text = (key: string): string | undefined =>
    typeof attributes[key] === 'string' ? (attributes[key] as string) : undefined;
  const instanceType = text('instanceType');
  const region = text('regionCode');
  if (instanceType === undefined || region === undefined) return { kind: 'skip', reason: 'not-an-instance' };
  // marketoption is absent on older items; all others must match exactly.
  for (const [key, expected] of Object.entries(PRICE_FILTERS)) {
    const actual = text(key);
    if (actual !== expected && !(key === 'marketoption' && actual === undefined)) {
      return { kind: 'skip', reason: 'not-linux-shared-used' };
    }
  }
  const terms = isRecord(doc.terms) ? doc.terms.OnDemand : undefined;
  if (!isRecord(terms)) return { kind: 'skip', reason: 'no-hourly-price' };
  const found: { price: number; effectiveDate: string }[] = [];
  for (const [termKey, term] of Object.entries(terms)) {
    if (!isRecord(term) || !isRecord(term.priceDimensions)) {
      throw new PricingParseError(`${at}: terms.OnDemand["${termKey}"].priceDimensions is missing`);
    }
    for (const [dimKey, dimension] of Object.entries(term.priceDimensions)) {
      if (!isRecord(dimension) || dimension.unit !== 'Hrs') continue;
      const usd = isRecord(dimension.pricePerUnit) ? dimension.pricePerUnit.USD : undefined;
      const price = typeof usd === 'string' && usd.trim() !== '' ? Number(usd) : Number.NaN;
      if (!Number.isFinite(price) || price < 0) {
        throw new PricingParseError(
          `${at}: terms.OnDemand["${termKey}"].priceDimensions["${dimKey}"].pricePerUnit.USD ${JSON.stringify(usd)} is not a price`,
        );
      }
      found.push({ price, effectiveDate: typeof term.effectiveDate === 'string' ? term.effectiveDate : '' });
    }
  }
  const distinct = [...new Set(found.map((f) => f.price))];
  const first = found[0];
  if (first === undefined) return { kind: 'skip', reason: 'no-hourly-price' };
  if (distinct.length > 1) {
    throw new PricingParseError(
      `${at}: ${instanceType} in ${region} has ${distinct.length} hourly prices (${distinct.join(', ')})`,
    );
  }
  if (first.price === 0) return { kind: 'skip', reason: 'zero-price' };
  const sku = typeof product.sku === 'string' ? product.sku : '';
  return {
    kind: 'price',
    price: { instanceType, region, priceUsdPerHour: first.price, effectiveDate: first.effectiveDate, sku },
  };
};

/**
 * Reads every item of one or more GetProducts pages for `region`. Prices come back sorted by type;
 * two items with different prices for one type leave that type out (counted as `ambiguous`).
 *
 * @param items the `PriceList` entries of every page, in order
 * @throws PricingParseError naming the first malformed item
 */
export const parsePriceList = (items: readonly unknown[], region: string): PriceListParse => {
  const skipped: Partial<Record<SkipReason, number>> = {};
  const skip = (reason: SkipReason, count = 1) => {
    skipped[reason] = (skipped[reason] ?? 0) + count;
  };
  const byType = new Map<string, OnDemandPriceObservation[]>();
  items.forEach((item, i) => {
    const result = parsePriceListItem(item, `PriceList[${i}]`);
    if (result.kind === 'skip') skip(result.reason);
    else if (result.price.region !== region) skip('other-region');
    else
      byType.set(result.price.instanceType, [...(byType.get(result.price.instanceType) ?? []), result.price]);
  });
  const prices: OnDemandPriceObservation[] = [];
  for (const [, list] of [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const first = list[0];
    if (first === undefined) continue;
    if (list.some((p) => p.priceUsdPerHour !== first.priceUsdPerHour)) {
      skip('ambiguous', list.length);
      continue;
    }
    prices.push(first);
  }
  return { prices, skipped };
};
