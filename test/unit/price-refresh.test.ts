import { describe, expect, it } from 'vitest';
import type {
  InstanceTypeSpec,
  OnDemandPriceObservation,
  SpotPriceObservation,
} from '../../lambdas/core/cloud-ports.js';
import type { PriceBook } from '../../lambdas/core/pricing/offer.js';
import {
  type FetchedMarketData,
  LIVE_ON_DEMAND_SOURCE,
  LIVE_SPOT_SOURCE,
  type RefreshInput,
  refreshPriceBook,
} from '../../lambdas/core/pricing/price-refresh.js';
import { makeBook, makeOffer } from '../support/offer-fixtures.js';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const AS_OF = '2026-11-26T21:00:00.000Z';

const spec = (instanceType: string, over: Partial<InstanceTypeSpec> = {}): InstanceTypeSpec => ({
  instanceType,
  acceleratorKind: 'gpu',
  acceleratorName: 'H100',
  acceleratorManufacturer: 'NVIDIA',
  acceleratorCount: 8,
  acceleratorMemoryGiB: 80,
  vcpus: 192,
  memoryGiB: 2048,
  efaInterfaces: 32,
  ...over,
});

const onDemand = (instanceType: string, region: string, price: number): OnDemandPriceObservation => ({
  instanceType,
  region,
  priceUsdPerHour: price,
  effectiveDate: '2026-11-01T00:00:00Z',
  sku: `SKU${instanceType}`,
});

const spot = (instanceType: string, zone: string, price: number): SpotPriceObservation => ({
  instanceType,
  region: zone.slice(0, -1),
  availabilityZone: zone,
  priceUsdPerHour: price,
  timestamp: '2026-11-26T20:00:00.000Z',
});

/** A full read of two regions: p5 and g6 with on-demand and per-AZ spot prices. */
const fetched = (over: Partial<FetchedMarketData> = {}): FetchedMarketData => ({
  specs: [
    spec('p5.48xlarge'),
    spec('g6.xlarge', {
      acceleratorName: 'L4',
      acceleratorCount: 1,
      acceleratorMemoryGiB: 22.35,
      vcpus: 4,
      memoryGiB: 16,
      efaInterfaces: 0,
    }),
  ],
  onDemand: [
    onDemand('p5.48xlarge', EAST, 55.04),
    onDemand('g6.xlarge', EAST, 0.8048),
    onDemand('p5.48xlarge', WEST, 55.04),
    onDemand('g6.xlarge', WEST, 0.8048),
  ],
  spot: [
    spot('p5.48xlarge', 'us-east-1b', 18.734),
    spot('p5.48xlarge', 'us-east-1c', 18.1597),
    spot('g6.xlarge', 'us-east-1a', 0.4159),
    spot('p5.48xlarge', 'us-west-2a', 20.11),
    spot('g6.xlarge', 'us-west-2b', 0.3921),
  ],
  ...over,
});

/** The bundled book stand-in: one offer key per type, region and purchase option read above. */
const staticBook: PriceBook = {
  ...makeBook(
    [EAST, WEST].flatMap((region) =>
      ['p5.48xlarge', 'g6.xlarge'].flatMap((instanceType) => [
        makeOffer({ instanceType, region, purchaseOption: 'on-demand' }),
        makeOffer({
          instanceType,
          region,
          purchaseOption: 'spot',
          interruptionBucket: 2,
          spotPriceImplied: true,
        }),
      ]),
    ),
  ),
  id: 'static-0123456789abcdef',
  asOf: '2026-07-20',
};

const input = (over: Partial<RefreshInput> = {}): RefreshInput => ({
  previous: undefined,
  fallback: staticBook,
  fetched: fetched(),
  regions: [EAST, WEST],
  asOf: AS_OF,
  ...over,
});

const updated = (over: Partial<RefreshInput> = {}) => {
  const result = refreshPriceBook(input(over));
  if (result.outcome !== 'updated')
    throw new Error(`expected an updated book, got ${result.rule}: ${result.reason}`);
  return result;
};

describe('refreshPriceBook: a good read', () => {
  it('builds a live book with per-AZ spot offers and region-level on-demand offers', () => {
    const { book } = updated();
    expect(book.source).toBe('live');
    expect(book.asOf).toBe(AS_OF);
    expect(book.id).toMatch(/^live-[0-9a-f]{16}$/);
    const p5East = book.offers.filter((o) => o.instanceType === 'p5.48xlarge' && o.region === EAST);
    expect(p5East.map((o) => [o.availabilityZone, o.purchaseOption, o.priceUsdPerHour])).toEqual([
      [null, 'on-demand', 55.04],
      ['us-east-1b', 'spot', 18.734],
      ['us-east-1c', 'spot', 18.1597],
    ]);
    expect(p5East.find((o) => o.purchaseOption === 'spot')).toMatchObject({
      onDemandPriceUsdPerHour: 55.04,
      gpuModel: 'H100',
      quotaFamily: 'P',
      efa: true,
      spotPriceImplied: false,
      source: LIVE_SPOT_SOURCE,
      asOf: '2026-11-26',
    });
    expect(p5East[0]?.source).toBe(LIVE_ON_DEMAND_SOURCE);
  });

  it('normalises accelerator names through the same path as the static book', () => {
    const { book } = updated();
    expect(book.offers.find((o) => o.instanceType === 'g6.xlarge')).toMatchObject({
      gpuModel: 'L4',
      quotaFamily: 'G',
    });
  });

  it('gives the same id to the same prices and a new id to a changed price', () => {
    const first = updated().book;
    expect(updated().book.id).toBe(first.id);
    const changed = fetched({ spot: [...fetched().spot.slice(1), spot('p5.48xlarge', 'us-east-1b', 18.9)] });
    expect(updated({ fetched: changed }).book.id).not.toBe(first.id);
  });

  it('keeps the interruption bucket of the baseline, which no API provides', () => {
    const { book } = updated();
    const spotOffers = book.offers.filter((o) => o.purchaseOption === 'spot');
    expect(spotOffers.every((o) => o.interruptionBucket === 2)).toBe(true);
    expect(
      book.offers.filter((o) => o.purchaseOption === 'on-demand').every((o) => o.interruptionBucket === null),
    ).toBe(true);
  });

  it('makes no spot offer where spot costs the on-demand price, and counts it', () => {
    const extra = fetched({ spot: [...fetched().spot, spot('g6.xlarge', 'us-east-1d', 0.8048)] });
    const result = updated({ fetched: extra });
    expect(result.noSpotMarket).toBe(1);
    expect(result.book.offers.some((o) => o.availabilityZone === 'us-east-1d')).toBe(false);
  });

  it('leaves out types without a spec and reports them', () => {
    const extra = fetched({ onDemand: [...fetched().onDemand, onDemand('m7i.large', EAST, 0.1008)] });
    const result = updated({ fetched: extra });
    expect(result.book.offers.some((o) => o.instanceType === 'm7i.large')).toBe(false);
    expect(result.report.typesWithoutSpec).toEqual(['m7i.large']);
  });

  it('replaces a previous live book when the read is newer and different', () => {
    const previous = updated().book;
    const later = fetched({ spot: [...fetched().spot.slice(1), spot('p5.48xlarge', 'us-east-1b', 17.5)] });
    const next = updated({ previous, fetched: later, asOf: '2026-11-26T21:15:00.000Z' });
    expect(next.book.id).not.toBe(previous.id);
  });
});

describe('refreshPriceBook: what keeps the last good book', () => {
  it.each([
    ['on-demand prices', { onDemand: [] }, /no on-demand prices/],
    ['spot prices', { spot: [] }, /no spot prices/],
    ['specs', { specs: [] }, /no instance type specs/],
  ] as const)('an empty read of %s', (_what, over, reason) => {
    const result = refreshPriceBook(input({ fetched: fetched(over) }));
    expect(result).toMatchObject({ outcome: 'kept', rule: 'empty-fetch', book: staticBook });
    expect(result.outcome === 'kept' && result.reason).toMatch(reason);
  });

  it('a refreshed region that came back without spot prices', () => {
    const eastOnly = fetched({ spot: fetched().spot.filter((p) => p.region === EAST) });
    const result = refreshPriceBook(input({ fetched: eastOnly }));
    expect(result).toMatchObject({
      outcome: 'kept',
      rule: 'region-missing',
      reason: 'region us-west-2 came back with no spot offers',
    });
  });

  it('a refreshed region that came back with nothing at all', () => {
    const result = refreshPriceBook(input({ regions: [EAST, WEST, 'eu-west-1'] }));
    expect(result).toMatchObject({
      rule: 'region-missing',
      reason: expect.stringMatching(/eu-west-1.*no on-demand and no spot/),
    });
  });

  it('a read that covers less than minCoverage of the previous book', () => {
    const previous = updated().book;
    const partial = fetched({
      onDemand: fetched().onDemand.filter((p) => p.instanceType === 'p5.48xlarge'),
      spot: fetched().spot.filter((p) => p.instanceType === 'p5.48xlarge'),
    });
    const result = refreshPriceBook(input({ previous, fetched: partial, asOf: '2026-11-26T22:00:00.000Z' }));
    expect(result).toMatchObject({ outcome: 'kept', rule: 'coverage', book: previous });
    expect(result.outcome === 'kept' && result.reason).toMatch(
      /covers 4 of 8 offer keys .* \(50 %\), below the 80 % required/,
    );
  });

  it('accepts the same partial read when minCoverage allows it', () => {
    const previous = updated().book;
    const partial = fetched({
      onDemand: fetched().onDemand.filter((p) => p.instanceType === 'p5.48xlarge'),
      spot: fetched().spot.filter((p) => p.instanceType === 'p5.48xlarge'),
    });
    const result = refreshPriceBook(
      input({ previous, fetched: partial, asOf: '2026-11-26T22:00:00.000Z', minCoverage: 0.5 }),
    );
    expect(result.outcome).toBe('updated');
  });

  it('measures coverage against the static book when nothing is stored', () => {
    const withMore: PriceBook = {
      ...staticBook,
      offers: [
        ...staticBook.offers,
        ...['a', 'b', 'c', 'd', 'e'].map((s) =>
          makeOffer({ instanceType: `p4${s}.24xlarge`, region: EAST, purchaseOption: 'on-demand' }),
        ),
      ],
    };
    const result = refreshPriceBook(input({ fallback: withMore }));
    expect(result).toMatchObject({ outcome: 'kept', rule: 'coverage', book: withMore });
  });

  it('ignores baseline offers outside the refreshed regions', () => {
    const withOther: PriceBook = {
      ...staticBook,
      offers: [
        ...staticBook.offers,
        makeOffer({ instanceType: 'p4d.24xlarge', region: 'eu-west-1', purchaseOption: 'on-demand' }),
      ],
    };
    expect(refreshPriceBook(input({ fallback: withOther })).outcome).toBe('updated');
  });

  it('a read no newer than the stored book (an out-of-order run)', () => {
    const previous = updated().book;
    const result = refreshPriceBook(input({ previous, asOf: '2026-11-26T20:59:59.000Z' }));
    expect(result).toMatchObject({ outcome: 'kept', rule: 'stale', book: previous });
  });

  it('a read whose prices are exactly the stored book', () => {
    const previous = updated().book;
    const result = refreshPriceBook(input({ previous, asOf: '2026-11-26T21:15:00.000Z' }));
    expect(result).toMatchObject({ outcome: 'kept', rule: 'unchanged', book: previous });
  });

  it('rows that build no offer at all', () => {
    const unknown = fetched({
      specs: [
        spec('p5.48xlarge', { acceleratorName: 'Mystery9000' }),
        spec('g6.xlarge', { acceleratorName: 'Mystery9000' }),
      ],
    });
    const result = refreshPriceBook(input({ fetched: unknown }));
    expect(result).toMatchObject({ outcome: 'kept', rule: 'build-failed', book: staticBook });
    expect(result.outcome === 'kept' && result.reason).toMatch(/no offers/);
  });
});

describe('refreshPriceBook: bad arguments', () => {
  it('refuses a minCoverage outside (0, 1]', () => {
    expect(() => refreshPriceBook(input({ minCoverage: 0 }))).toThrow(
      /minCoverage must be in \(0, 1\], got 0/,
    );
    expect(() => refreshPriceBook(input({ minCoverage: 80 }))).toThrow(RangeError);
  });

  it('refuses an asOf that is not an ISO instant', () => {
    expect(() => refreshPriceBook(input({ asOf: 'yesterday' }))).toThrow(
      /asOf "yesterday" is not an ISO instant/,
    );
    expect(() => refreshPriceBook(input({ asOf: '2026-11-26' }))).toThrow(TypeError);
  });
});
