import { describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../lambdas/adapters/in-memory-ledger.js';
import {
  type Market,
  PlacementScoresUnavailableError,
  type SpotPriceObservation,
} from '../../lambdas/core/cloud-ports.js';
import { fallbackOffersFor } from '../../lambdas/core/planning/fallback-offers.js';
import type { Candidate } from '../../lambdas/core/planning/plan.js';
import {
  DEFAULT_COST_MODEL,
  HOURS_PER_MONTH,
  hourlyHazardOf,
} from '../../lambdas/core/pricing/cost-model.js';
import { placementScoreSets, refreshPrices } from '../../lambdas/core/use-cases/refresh-prices.js';
import { SimulatedMarket } from '../../lambdas/twin/simulated-market.js';
import { FakeClock } from '../support/fake-clock.js';
import { makeBook, makeOffer } from '../support/offer-fixtures.js';
import { BOOK, P4DE_SPEC, REGION } from './use-cases/world.js';

/** Spot placement scores from the Market to the book, the cost model and the fallback order. */

const spotOffer = (az: string, price: number, placementScore?: number) =>
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: REGION,
    availabilityZone: az,
    purchaseOption: 'spot',
    priceUsdPerHour: price,
    onDemandPriceUsdPerHour: 40,
    interruptionBucket: 2,
    ...(placementScore === undefined ? {} : { placementScore }),
  });

describe('hourlyHazardOf', () => {
  const advisor = DEFAULT_COST_MODEL.monthlyInterruptionRate[2] / HOURS_PER_MONTH;

  it('is the advisor bucket alone without a score, and at the neutral score', () => {
    expect(hourlyHazardOf(spotOffer('us-east-1a', 12))).toBeCloseTo(advisor, 12);
    expect(hourlyHazardOf(spotOffer('us-east-1a', 12, 5.5))).toBeCloseTo(advisor, 12);
  });

  it('halves at a 10 and doubles at a 1 with the default range, monotone in between', () => {
    expect(hourlyHazardOf(spotOffer('us-east-1a', 12, 10))).toBeCloseTo(advisor / 2, 12);
    expect(hourlyHazardOf(spotOffer('us-east-1a', 12, 1))).toBeCloseTo(advisor * 2, 12);
    const hazards = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => hourlyHazardOf(spotOffer('a', 12, s)));
    for (let i = 1; i < hazards.length; i++) expect(hazards[i]).toBeLessThan(hazards[i - 1] as number);
  });

  it('ignores scores with a range of 1', () => {
    const config = { ...DEFAULT_COST_MODEL, placementScoreHazardRange: 1 };
    expect(hourlyHazardOf(spotOffer('us-east-1a', 12, 10), config)).toBeCloseTo(advisor, 12);
  });
});

describe('fallbackOffersFor with placement scores', () => {
  const chosen: Candidate = {
    offerId: 'p4de.24xlarge|us-east-1|us-east-1a|spot',
    instanceType: 'p4de.24xlarge',
    region: REGION,
    availabilityZone: 'us-east-1a',
    purchaseOption: 'spot',
    quotaClass: 'spot/P',
    nodes: 1,
    unitPriceUsdPerHour: 12,
    expectedHours: 10,
    expectedCostUsd: 120,
    onDemandEquivalentUsd: 400,
    vcpus: 96,
    spotPriceImplied: false,
  };

  it('puts the zones likelier to have capacity first, then the cheaper, unscored in the middle', () => {
    const offers = [
      spotOffer('us-east-1a', 12, 2),
      spotOffer('us-east-1b', 12.1, 3),
      spotOffer('us-east-1c', 12.9, 9),
      spotOffer('us-east-1d', 12.5),
      spotOffer('us-east-1e', 12.2, 9),
    ];
    const zones = fallbackOffersFor(chosen, offers, new Set(), { maxFallbacks: 4 }).map(
      (f) => f.availabilityZone,
    );
    expect(zones).toEqual(['us-east-1e', 'us-east-1c', 'us-east-1d', 'us-east-1b']);
  });
});

const SPECS = ['p4de.24xlarge', 'p4d.24xlarge', 'p5.48xlarge'].map((instanceType) => ({
  ...P4DE_SPEC,
  instanceType,
}));
const spotAt = (instanceType: string, zone: string, price: number): SpotPriceObservation => ({
  instanceType,
  region: REGION,
  availabilityZone: zone,
  priceUsdPerHour: price,
  timestamp: '2026-03-01T11:00:00Z',
});
const SPOT = [
  spotAt('p4de.24xlarge', 'use1-az1', 13.1),
  spotAt('p4de.24xlarge', 'use1-az2', 13.4),
  spotAt('p4d.24xlarge', 'use1-az1', 11.2),
  spotAt('p5.48xlarge', 'use1-az2', 18.7),
];

const market = (scores: Market['spotPlacementScores']): Market => ({
  describeGpuInstanceTypes: async () => SPECS,
  onDemandPrices: async () =>
    SPECS.map((s, i) => ({
      instanceType: s.instanceType,
      region: REGION,
      priceUsdPerHour: 40 + i,
      effectiveDate: '2026-03-01T00:00:00Z',
      sku: `SKU${i}`,
    })),
  spotPrices: async () => SPOT,
  quotas: async () => [],
  ...(scores === undefined ? {} : { spotPlacementScores: scores }),
});

const refresh = (m: Market) => {
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const ledger = new InMemoryLedger({ clock });
  return {
    ledger,
    run: refreshPrices({ ledger, clock, fallbackPriceBook: () => BOOK, regions: [REGION], market: m }),
  };
};

describe('refreshPrices with placement scores', () => {
  it('scores each quota family with three or more spot types once', () => {
    expect(placementScoreSets([...SPOT, spotAt('g5.xlarge', 'use1-az1', 0.4)])).toEqual([
      ['p4d.24xlarge', 'p4de.24xlarge', 'p5.48xlarge'],
    ]);
  });

  it('stores each zone score on the spot offers of the scored types in that zone', async () => {
    const asked: string[][] = [];
    const { ledger, run } = refresh(
      market(async (region, types) => {
        asked.push([...types]);
        return [
          { region, availabilityZone: 'use1-az1', instanceTypes: types, score: 8 },
          { region, availabilityZone: 'use1-az2', instanceTypes: types, score: 2 },
        ];
      }),
    );
    const outcome = await run;
    expect(outcome).toMatchObject({ kind: 'stored', fetchErrors: [], reads: { placementScoreSets: 1 } });
    expect(asked).toEqual([['p4d.24xlarge', 'p4de.24xlarge', 'p5.48xlarge']]);
    const book = await ledger.getLatestPriceBook();
    const scores = Object.fromEntries(
      (book?.offers ?? []).filter((o) => o.purchaseOption === 'spot').map((o) => [o.id, o.placementScore]),
    );
    expect(scores).toEqual({
      'p4d.24xlarge|us-east-1|use1-az1|spot': 8,
      'p4de.24xlarge|us-east-1|use1-az1|spot': 8,
      'p4de.24xlarge|us-east-1|use1-az2|spot': 2,
      'p5.48xlarge|us-east-1|use1-az2|spot': 2,
    });
    expect(
      book?.offers
        .filter((o) => o.purchaseOption === 'on-demand')
        .every((o) => o.placementScore === undefined),
    ).toBe(true);
  });

  it('stores the book without scores, and says why, when the account may not read them', async () => {
    const { ledger, run } = refresh(
      market(async (region) => {
        throw new PlacementScoresUnavailableError(region, 'UnauthorizedOperation', '3 types');
      }),
    );
    const outcome = await run;
    expect(outcome.kind).toBe('stored');
    expect(outcome.fetchErrors).toEqual([
      'us-east-1 placement scores (p4d.24xlarge, p4de.24xlarge, p5.48xlarge): spot placement scores unavailable in us-east-1 (UnauthorizedOperation): 3 types',
    ]);
    expect(outcome.reads.placementScoreSets).toBe(0);
    const book = await ledger.getLatestPriceBook();
    expect(book?.offers.some((o) => o.placementScore !== undefined)).toBe(false);
  });

  it('prices without scores on a market that has none', async () => {
    const { run } = refresh(market(undefined));
    expect(await run).toMatchObject({ kind: 'stored', fetchErrors: [], reads: { placementScoreSets: 0 } });
  });
});

describe('SimulatedMarket.spotPlacementScores', () => {
  const book = makeBook([
    spotOffer('us-east-1a', 12),
    spotOffer('us-east-1b', 12),
    makeOffer({
      instanceType: 'p5.48xlarge',
      region: REGION,
      availabilityZone: 'us-east-1a',
      purchaseOption: 'spot',
      priceUsdPerHour: 18,
    }),
  ]);

  it('rates each zone by the share of the set with spot capacity now', async () => {
    const m = new SimulatedMarket(
      book,
      undefined,
      new FakeClock('2026-03-01T00:00:00Z'),
      (type, zone) => !(type === 'p5.48xlarge' && zone === 'us-east-1a'),
    );
    const scores = await m.spotPlacementScores(REGION, ['p4de.24xlarge', 'p5.48xlarge', 'p4d.24xlarge']);
    expect(scores.map((s) => [s.availabilityZone, s.score])).toEqual([
      ['us-east-1a', 6],
      ['us-east-1b', 10],
    ]);
  });

  it('has no scores without a capacity view', async () => {
    const m = new SimulatedMarket(book, undefined, new FakeClock('2026-03-01T00:00:00Z'));
    expect(await m.spotPlacementScores(REGION, ['p4de.24xlarge', 'p5.48xlarge', 'p4d.24xlarge'])).toEqual([]);
  });
});
