import { describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/in-memory-ledger.js';
import type { Market } from '../../../lambdas/core/cloud-ports.js';
import { refreshPrices } from '../../../lambdas/core/use-cases/refresh-prices.js';
import { FakeClock } from '../../support/fake-clock.js';
import { BOOK, P4DE_SPEC, REGION } from './world.js';

const market = (over: Partial<Market> = {}): Market => ({
  describeGpuInstanceTypes: async () => [P4DE_SPEC],
  onDemandPrices: async () => [
    {
      instanceType: 'p4de.24xlarge',
      region: REGION,
      priceUsdPerHour: 40.96,
      effectiveDate: '2026-03-01T00:00:00Z',
      sku: 'SKU1',
    },
  ],
  spotPrices: async () => [
    {
      instanceType: 'p4de.24xlarge',
      region: REGION,
      availabilityZone: 'us-east-1a',
      priceUsdPerHour: 13.1,
      timestamp: '2026-03-01T11:00:00Z',
    },
  ],
  quotas: async () => [],
  ...over,
});

const setup = () => {
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const ledger = new InMemoryLedger({ clock });
  return { clock, ledger, fallbackPriceBook: () => BOOK, regions: [REGION] };
};

describe('refreshPrices', () => {
  it('stores a live book built from the market read', async () => {
    const deps = setup();
    const outcome = await refreshPrices({ ...deps, market: market() });
    expect(outcome.kind).toBe('stored');
    const latest = await deps.ledger.getLatestPriceBook();
    expect(latest?.source).toBe('live');
    expect(latest?.offers.find((o) => o.purchaseOption === 'spot')?.priceUsdPerHour).toBe(13.1);
  });

  it('keeps the last good book when a region cannot be read, and says why', async () => {
    const deps = setup();
    const outcome = await refreshPrices({
      ...deps,
      market: market({
        onDemandPrices: async () => {
          throw new Error('ThrottlingException');
        },
      }),
    });
    expect(outcome).toMatchObject({
      kind: 'kept',
      bookId: 'test-book',
      fetchErrors: ['us-east-1: ThrottlingException'],
    });
    expect(await deps.ledger.getLatestPriceBook()).toBeUndefined();
  });
});
