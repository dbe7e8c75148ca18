import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PricingParseError,
  parsePriceList,
  parsePriceListItem,
} from '../../lambdas/adapters/pricing-parser.js';
import { readAwsFixture } from '../fixtures/aws/recorded-client.js';

interface GetProductsPage {
  readonly PriceList: readonly string[];
}

const page1 = readAwsFixture<GetProductsPage>('pricing/get-products-us-east-1-page-1.json');
const page2 = readAwsFixture<GetProductsPage>('pricing/get-products-us-east-1-page-2.json');
const edge = readAwsFixture<GetProductsPage>('pricing/get-products-us-east-1-edge-cases.json');

/** A parsed price list document; loose on purpose, tests reach into it to break it. */
// biome-ignore lint/suspicious/noExplicitAny: tests edit arbitrary paths of a recorded document
type Doc = Record<string, any>;

/** A recorded item, parsed, with a change applied, back as the JSON string AWS sends. */
const edited = (item: string, change: (doc: Doc) => void): string => {
  const doc = JSON.parse(item);
  change(doc);
  return JSON.stringify(doc);
};

const firstDimension = (doc: Doc): Doc => {
  const term: Doc = Object.values(doc.terms.OnDemand)[0] as Doc;
  return Object.values(term.priceDimensions)[0] as Doc;
};

describe('parsePriceList', () => {
  it('reads the hourly on-demand price of every instance product across pages', () => {
    const { prices, skipped } = parsePriceList([...page1.PriceList, ...page2.PriceList], 'us-east-1');
    expect(prices.map((p) => [p.instanceType, p.priceUsdPerHour])).toEqual([
      ['g5.xlarge', 1.006],
      ['g6.xlarge', 0.8048],
      ['inf2.xlarge', 0.7582],
      ['p4d.24xlarge', 21.957642],
      ['p5.48xlarge', 55.04],
      ['trn1.32xlarge', 21.5],
    ]);
    expect(prices[0]).toMatchObject({ region: 'us-east-1', effectiveDate: '2026-11-01T00:00:00Z' });
    expect(prices[0]?.sku).toMatch(/^[A-Z0-9]{16}$/);
    expect(skipped).toEqual({ 'zero-price': 1 });
  });

  it('never prices a product at 0: a zero price (p5e, capacity blocks only) is left out', () => {
    const { prices } = parsePriceList(page1.PriceList, 'us-east-1');
    expect(prices.find((p) => p.instanceType === 'p5e.48xlarge')).toBeUndefined();
  });

  it('leaves out dedicated tenancy, and a type whose items disagree on the price', () => {
    const { prices, skipped } = parsePriceList(edge.PriceList, 'us-east-1');
    expect(prices.map((p) => [p.instanceType, p.priceUsdPerHour])).toEqual([['g6e.12xlarge', 10.49264]]);
    expect(skipped).toEqual({ 'not-linux-shared-used': 1, ambiguous: 2 });
  });

  it('counts items of another region instead of mixing them in', () => {
    const item = edited(page1.PriceList[0] ?? '', (doc) => {
      doc.product.attributes.regionCode = 'ap-south-1';
    });
    expect(parsePriceList([item], 'us-east-1')).toEqual({ prices: [], skipped: { 'other-region': 1 } });
  });

  it('accepts items the SDK hands over as boxed strings or parsed objects', () => {
    const raw = page1.PriceList[1] ?? '';
    // The SDK's LazyJsonString is a boxed String.
    const boxed = new String(raw);
    const fromBoxed = parsePriceList([boxed], 'us-east-1').prices;
    const fromObject = parsePriceList([JSON.parse(raw)], 'us-east-1').prices;
    expect(fromBoxed).toEqual(parsePriceList([raw], 'us-east-1').prices);
    expect(fromObject).toEqual(fromBoxed);
  });
});

describe('parsePriceListItem', () => {
  const p5 = page1.PriceList[0] ?? '';

  it('skips a product without an instance type', () => {
    const item = edited(p5, (doc) => {
      delete doc.product.attributes.instanceType;
    });
    expect(parsePriceListItem(item, 'item 0')).toEqual({ kind: 'skip', reason: 'not-an-instance' });
  });

  it('skips a product with no hourly dimension', () => {
    const item = edited(p5, (doc) => {
      firstDimension(doc).unit = 'Quantity';
    });
    expect(parsePriceListItem(item, 'item 0')).toEqual({ kind: 'skip', reason: 'no-hourly-price' });
  });

  it('names the item and the dimension when a USD price is not a number', () => {
    const item = edited(p5, (doc) => {
      firstDimension(doc).pricePerUnit.USD = 'n/a';
    });
    expect(() => parsePriceListItem(item, 'GetProducts page 1 item 0')).toThrow(
      /GetProducts page 1 item 0: terms\.OnDemand\[".*"\]\.priceDimensions\[".*"\]\.pricePerUnit\.USD "n\/a" is not a price/,
    );
  });

  it('refuses an item with two different hourly prices', () => {
    const item = edited(p5, (doc) => {
      const term = Object.values(doc.terms.OnDemand)[0] as Doc;
      term.priceDimensions.extra = { unit: 'Hrs', pricePerUnit: { USD: '60.0000000000' } };
    });
    expect(() => parsePriceListItem(item, 'item 0')).toThrow(/p5\.48xlarge in us-east-1 has 2 hourly prices/);
  });

  it('refuses text that is not a JSON document, naming where it was', () => {
    expect(() => parsePriceListItem('{"product":', 'PriceList[3]')).toThrow(PricingParseError);
    expect(() => parsePriceListItem('[]', 'PriceList[3]')).toThrow(/PriceList\[3\]: not a JSON object/);
    expect(() => parsePriceListItem('{}', 'PriceList[3]')).toThrow(
      /PriceList\[3\]: product\.attributes is missing/,
    );
  });

  it('reads any positive decimal price exactly as written, and never throws on one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000 }), (micros) => {
        const usd = (micros / 1e6).toFixed(10);
        const item = edited(p5, (doc) => {
          firstDimension(doc).pricePerUnit.USD = usd;
        });
        const result = parsePriceListItem(item, 'item');
        return result.kind === 'price' && result.price.priceUsdPerHour === Number(usd);
      }),
    );
  });
});
