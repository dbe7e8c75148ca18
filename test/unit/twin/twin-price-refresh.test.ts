import { describe, expect, it } from 'vitest';
import { refreshPrices } from '../../../lambdas/core/use-cases/refresh-prices.js';
import { createTwinPipeline } from '../../../lambdas/twin/twin-pipeline.js';
import { bundledTraces, realSolver } from './twin-fixtures.js';

/** The twin's price refresh: the deployed use-case against the simulated market. */
describe('twin price refresh', () => {
  it('stores a live book of zone spot prices that carries each zone placement score', async () => {
    const twin = createTwinPipeline({
      jobs: [],
      startMs: Date.parse('2026-11-26T12:00:00Z'),
      traces: await bundledTraces(),
      solver: await realSolver(),
    });
    const outcome = await refreshPrices(twin.refreshDeps, 'all');
    expect(outcome).toMatchObject({ kind: 'stored', fetchErrors: [] });
    expect(outcome.reads.placementScoreSets).toBeGreaterThan(0);
    const book = await twin.ledger.getLatestPriceBook();
    const spot = (book?.offers ?? []).filter((o) => o.purchaseOption === 'spot');
    expect(spot.length).toBeGreaterThan(0);
    // EC2 reports spot prices per zone: no region-wide spot offer survives a live refresh.
    expect(spot.every((o) => o.availabilityZone !== null && !o.spotPriceImplied)).toBe(true);
    const scored = spot.filter((o) => o.placementScore !== undefined);
    expect(scored.length).toBeGreaterThan(0);
    for (const o of scored) {
      expect(o.placementScore).toBeGreaterThanOrEqual(1);
      expect(o.placementScore).toBeLessThanOrEqual(10);
      // The twin scores what the simulated EC2 would launch on now.
      const has = twin.ec2.hasCapacity(o);
      if (o.placementScore === 10) expect(has).toBe(true);
      if (o.placementScore === 1) expect(has).toBe(false);
    }
  });
});
