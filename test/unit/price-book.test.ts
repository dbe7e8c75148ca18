import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Offer } from '../../lambdas/core/pricing/offer.js';
import { buildPriceBookWithReport, type PriceBookBuild } from '../../lambdas/core/pricing/price-book.js';
import { parseAsOf } from '../../lambdas/core/pricing/price-book-parse.js';
import {
  buildFromDirectory,
  DEFAULT_OUTPUT,
  DEFAULT_SOURCE_DIR,
  readSourceData,
  type SourceData,
} from '../../scripts/build-data.js';

/**
 * Invariants of the price book built from the real source data in data/source. These tests
 * never skip: without the source directory they fail and say where it was expected.
 */
let sources: SourceData;
let build: PriceBookBuild;
let byId: Map<string, Offer>;

beforeAll(() => {
  if (!existsSync(DEFAULT_SOURCE_DIR)) {
    throw new Error(
      `price book source data not found at ${DEFAULT_SOURCE_DIR}: these tests need the shared data directory`,
    );
  }
  sources = readSourceData(DEFAULT_SOURCE_DIR);
  build = buildPriceBookWithReport(sources.input);
  byId = new Map(build.book.offers.map((o) => [o.id, o]));
});

const offer = (id: string): Offer | undefined => byId.get(id);

describe('the bundled price book built from the real source data', () => {
  it('prices every offer above zero with a finite number', () => {
    for (const o of build.book.offers) {
      expect(Number.isFinite(o.priceUsdPerHour) && o.priceUsdPerHour > 0, o.id).toBe(true);
      if (o.onDemandPriceUsdPerHour !== null) expect(o.onDemandPriceUsdPerHour, o.id).toBeGreaterThan(0);
    }
  });

  it('has no two offers with the same id, and each id is type|region|az|option', () => {
    expect(byId.size).toBe(build.book.offers.length);
    for (const o of build.book.offers) {
      expect(o.id).toBe(`${o.instanceType}|${o.region}|${o.availabilityZone ?? '*'}|${o.purchaseOption}`);
    }
  });

  it('keeps only standard region codes', () => {
    for (const o of build.book.offers) expect(o.region).toMatch(/^[a-z]{2}(-gov)?-[a-z]+-\d$/);
    expect(build.report.nonRegionRowsDropped).toBe(88);
    expect(build.report.nonRegionNames).toContain('us-east-1-atl-1');
  });

  it('has no on-demand offer for p5e, which AWS sells only as capacity blocks', () => {
    const p5e = build.book.offers.filter((o) => o.instanceType === 'p5e.48xlarge');
    expect(p5e.length).toBeGreaterThan(0);
    expect(p5e.filter((o) => o.purchaseOption === 'on-demand')).toEqual([]);
    for (const o of p5e) expect(o.onDemandPriceUsdPerHour).toBeNull();
  });

  it('carries a per-AZ spot price from the catalog exactly, as observed', () => {
    // aws_gpu_catalog.csv: p4d.24xlarge,us-east-1,use1-az2,…,21.957642,6.532300,skypilot…,2026-03-24/2026-07-20
    expect(offer('p4d.24xlarge|us-east-1|use1-az2|spot')).toMatchObject({
      priceUsdPerHour: 6.5323,
      onDemandPriceUsdPerHour: 21.957642,
      spotPriceImplied: false,
      asOf: '2026-03-24',
      gpuModel: 'A100-40GB',
    });
  });

  it('prices every implied spot offer at on-demand × (1 − advisor savings)', () => {
    const advisor = new Map(sources.input.advisor.map((r) => [`${r.instance_type}|${r.region}`, r]));
    const implied = build.book.offers.filter((o) => o.spotPriceImplied);
    expect(implied.length).toBeGreaterThan(600);
    for (const o of implied) {
      const row = advisor.get(`${o.instanceType}|${o.region}`);
      expect(row, o.id).toBeDefined();
      const savings = Number(row?.savings_pct_s) / 100;
      expect(o.availabilityZone).toBeNull();
      expect(o.purchaseOption).toBe('spot');
      expect(o.priceUsdPerHour).toBeCloseTo(Number(row?.on_demand_usd_per_hour) * (1 - savings), 3);
      expect(o.priceUsdPerHour).toBeCloseTo((o.onDemandPriceUsdPerHour ?? Number.NaN) * (1 - savings), 3);
      expect(o.asOf).toBe('2025-06-28');
    }
  });

  it('has no spot offer where the catalog spot price equals on-demand (no spot market)', () => {
    // aws_gpu_catalog.csv: p5.48xlarge,us-east-1,use1-az1,…,55.04,55.040000
    expect(offer('p5.48xlarge|us-east-1|use1-az1|spot')).toBeUndefined();
    expect(offer('p5.48xlarge|us-east-1|use1-az2|spot')?.priceUsdPerHour).toBe(18.734);
    expect(build.report.noSpotMarketRows).toBe(41);
    for (const o of build.book.offers) {
      if (o.purchaseOption === 'spot' && !o.spotPriceImplied && o.onDemandPriceUsdPerHour !== null) {
        expect(Math.abs(o.priceUsdPerHour - o.onDemandPriceUsdPerHour), o.id).toBeGreaterThanOrEqual(1e-4);
      }
    }
  });

  it('splits A100 by memory: p4d is A100-40GB and p4de is A100-80GB', () => {
    const models = (type: string) =>
      new Set(build.book.offers.filter((o) => o.instanceType === type).map((o) => o.gpuModel));
    expect(models('p4d.24xlarge')).toEqual(new Set(['A100-40GB']));
    expect(models('p4de.24xlarge')).toEqual(new Set(['A100-80GB']));
  });

  it('describes p5.48xlarge as 8 × H100 with EFA in the P quota family', () => {
    expect(offer('p5.48xlarge|us-east-1|*|on-demand')).toMatchObject({
      gpuModel: 'H100',
      gpuCount: 8,
      gpuMemoryGiB: 80,
      acceleratorKind: 'gpu',
      efa: true,
      vcpus: 192,
      quotaFamily: 'P',
    });
  });

  it('prefers the newest on-demand source: Karpenter 2026-07-20 in us-east-1', () => {
    const o = offer('p5.48xlarge|us-east-1|*|on-demand');
    expect(o?.asOf).toBe('2026-07-20');
    expect(o?.source).toMatch(/^aws\/karpenter-provider-aws@/);
    expect(o?.priceUsdPerHour).toBe(55.04);
  });

  it('gives spot offers the advisor interruption bucket for their region, null when unknown', () => {
    const advisor = new Map(sources.input.advisor.map((r) => [`${r.instance_type}|${r.region}`, r]));
    for (const o of build.book.offers) {
      const row = advisor.get(`${o.instanceType}|${o.region}`);
      const expected = o.purchaseOption === 'spot' && row !== undefined ? Number(row.interruption_r) : null;
      expect(o.interruptionBucket, o.id).toBe(expected);
    }
  });

  it('keeps fractional L4 counts for g6f and labels Neuron devices as their own kind', () => {
    expect(offer('g6f.large|us-east-1|*|on-demand')).toMatchObject({ gpuModel: 'L4', gpuCount: 0.125 });
    expect(offer('trn1.32xlarge|us-east-1|*|on-demand')).toMatchObject({
      gpuModel: 'Trainium',
      acceleratorKind: 'neuron',
      quotaFamily: 'Trn',
    });
  });

  it('maps every accelerator in the spec file and finds a spec for every priced type', () => {
    expect(build.report.unknownAccelerators).toEqual([]);
    expect(build.report.typesWithoutSpec).toEqual([]);
  });

  it('dates the book by its newest price and states the oldest one', () => {
    const dates = build.book.offers.map((o) => o.asOf).sort();
    expect(build.book.asOf).toBe(dates[dates.length - 1]);
    expect(build.book.oldestPriceAsOf).toBe(dates[0]);
    expect(build.book.asOf).toBe('2026-07-20');
    expect(build.book.oldestPriceAsOf).toBe('2025-06-28');
  });

  it('gives the same id when built twice from the same input', () => {
    const again = buildPriceBookWithReport(readSourceData(DEFAULT_SOURCE_DIR).input);
    expect(again.book.id).toBe(build.book.id);
    expect(build.book.id).toMatch(/^static-[0-9a-f]{16}$/);
  });

  it('matches the committed data/price-book.json (run `npm run data:build` if this fails)', () => {
    const committed = JSON.parse(readFileSync(DEFAULT_OUTPUT, 'utf8')) as { id: string; asOf: string };
    expect(committed.id).toBe(build.book.id);
    expect(committed.asOf).toBe(build.book.asOf);
    expect(readFileSync(DEFAULT_OUTPUT, 'utf8')).toBe(buildFromDirectory(DEFAULT_SOURCE_DIR).text);
  });
});

describe('parseAsOf', () => {
  it('reads a plain date, the first date of a range, and the date of an upper bound', () => {
    expect(parseAsOf('2026-07-20')).toBe('2026-07-20');
    expect(parseAsOf('2026-03-24/2026-07-20')).toBe('2026-03-24');
    expect(parseAsOf('<=2025-06-28')).toBe('2025-06-28');
  });

  it('rejects anything that is not a date, naming where it was', () => {
    expect(() => parseAsOf('yesterday', 'x.csv:3')).toThrow(/x\.csv:3: as_of "yesterday" is not an ISO date/);
    expect(() => parseAsOf('2026-13-45', 'x.csv:4')).toThrow(/x\.csv:4/);
  });
});
