import { describe, expect, it } from 'vitest';
import { buildPriceBook, buildPriceBookWithReport } from '../../lambdas/core/pricing/price-book.js';
import {
  type AdvisorRow,
  type CatalogRow,
  type OnDemandRow,
  type PriceBookInput,
  PriceBookInputError,
  type SpecRow,
} from '../../lambdas/core/pricing/price-book-parse.js';

const SPEC: SpecRow = {
  instance_type: 'p4d.24xlarge',
  accelerator_kind: 'gpu',
  accelerator_name: 'A100',
  accelerator_count: '8',
  accel_memory_per_device_gib: '40.0',
  vcpus: '96',
  memory_gib: '1152.0',
  efa_interfaces: '4',
};

const catalog = (over: Partial<CatalogRow>): CatalogRow => ({
  instance_type: 'p4d.24xlarge',
  region: 'us-east-1',
  zone: '',
  on_demand_usd_per_hour: '',
  spot_usd_per_hour: '',
  source: 'catalog',
  as_of: '2026-01-21',
  ...over,
});

const advisor = (over: Partial<AdvisorRow>): AdvisorRow => ({
  region: 'us-east-1',
  instance_type: 'p4d.24xlarge',
  interruption_r: '2',
  savings_pct_s: '60',
  on_demand_usd_per_hour: '20',
  implied_spot_usd_per_hour: '8',
  source: 'advisor',
  as_of: '<=2025-06-28',
  ...over,
});

const onDemand = (over: Partial<OnDemandRow>): OnDemandRow => ({
  instance_type: 'p4d.24xlarge',
  region: 'us-east-1',
  on_demand_usd_per_hour: '21',
  source: 'karpenter',
  as_of: '2026-07-20',
  ...over,
});

const input = (over: Partial<PriceBookInput>): PriceBookInput => ({
  catalog: [],
  specs: [SPEC],
  advisor: [],
  onDemand: [],
  ...over,
});

const ids = (book: ReturnType<typeof buildPriceBook>): string[] => book.offers.map((o) => o.id);

describe('buildPriceBook rules on hand-made rows', () => {
  it('turns a per-AZ spot price into an observed spot offer and the region price into on-demand', () => {
    const book = buildPriceBook(
      input({
        catalog: [catalog({ zone: 'use1-az1', on_demand_usd_per_hour: '20', spot_usd_per_hour: '7.5' })],
      }),
    );
    expect(ids(book)).toEqual(['p4d.24xlarge|us-east-1|*|on-demand', 'p4d.24xlarge|us-east-1|use1-az1|spot']);
    expect(book.offers[1]).toMatchObject({
      priceUsdPerHour: 7.5,
      onDemandPriceUsdPerHour: 20,
      spotPriceImplied: false,
      availabilityZone: 'use1-az1',
      gpuModel: 'A100-40GB',
      efa: true,
      quotaFamily: 'P',
    });
  });

  it('implies a region-level spot price from the advisor where no per-AZ spot price exists', () => {
    const book = buildPriceBook(
      input({ catalog: [catalog({ on_demand_usd_per_hour: '20' })], advisor: [advisor({})] }),
    );
    const spot = book.offers.find((o) => o.purchaseOption === 'spot');
    expect(spot).toMatchObject({
      id: 'p4d.24xlarge|us-east-1|*|spot',
      availabilityZone: null,
      priceUsdPerHour: 8,
      onDemandPriceUsdPerHour: 20,
      spotPriceImplied: true,
      interruptionBucket: 2,
      source: 'advisor',
      asOf: '2025-06-28',
    });
  });

  it('computes the implied price from savings when the advisor row has no implied column value', () => {
    const book = buildPriceBook(
      input({
        advisor: [
          advisor({ implied_spot_usd_per_hour: '', on_demand_usd_per_hour: '3.06', savings_pct_s: '71' }),
        ],
      }),
    );
    expect(book.offers[0]?.priceUsdPerHour).toBeCloseTo(3.06 * 0.29, 4);
  });

  it('does not imply a spot price when observed per-AZ spot data exists for the type and region', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [catalog({ zone: 'use1-az1', on_demand_usd_per_hour: '20', spot_usd_per_hour: '7.5' })],
        advisor: [advisor({})],
      }),
    );
    expect(ids(build.book)).not.toContain('p4d.24xlarge|us-east-1|*|spot');
    expect(build.book.offers.find((o) => o.availabilityZone === 'use1-az1')?.interruptionBucket).toBe(2);
    expect(build.report.advisorObservedSpotPreferred).toBe(1);
  });

  it('creates no spot offer where spot equals on-demand (no spot market), nor an implied one', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [
          catalog({ zone: 'use1-az1', on_demand_usd_per_hour: '27.43298', spot_usd_per_hour: '27.433000' }),
        ],
        advisor: [advisor({})],
      }),
    );
    expect(ids(build.book)).toEqual(['p4d.24xlarge|us-east-1|*|on-demand']);
    expect(build.report.noSpotMarketRows).toBe(1);
  });

  it('creates no implied spot offer when the advisor shows no discount', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [catalog({ on_demand_usd_per_hour: '20' })],
        advisor: [advisor({ savings_pct_s: '-62' })],
      }),
    );
    expect(ids(build.book)).toEqual(['p4d.24xlarge|us-east-1|*|on-demand']);
    expect(build.report.advisorNoDiscountSkipped).toBe(1);
  });

  it('makes no offer without a price: empty, zero, negative and non-numeric prices are skipped', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [
          catalog({ zone: 'use1-az1', spot_usd_per_hour: '7' }),
          catalog({
            region: 'us-west-2',
            zone: 'usw2-az1',
            on_demand_usd_per_hour: '0',
            spot_usd_per_hour: '',
          }),
          catalog({ region: 'eu-west-1', on_demand_usd_per_hour: '-1' }),
          catalog({ region: 'eu-west-2', on_demand_usd_per_hour: 'NaN' }),
          catalog({ region: 'eu-west-3', on_demand_usd_per_hour: 'Infinity' }),
        ],
      }),
    );
    expect(ids(build.book)).toEqual(['p4d.24xlarge|us-east-1|use1-az1|spot']);
    expect(build.book.offers[0]?.onDemandPriceUsdPerHour).toBeNull();
    expect(build.report.rowsWithoutPrice).toBe(4);
    expect(build.report.invalidPriceCells).toBe(4);
  });

  it('keeps the latest as_of when several rows give the same offer, and notes it', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [
          catalog({ on_demand_usd_per_hour: '22', as_of: '2026-01-21' }),
          catalog({
            zone: 'use1-az1',
            on_demand_usd_per_hour: '21.5',
            spot_usd_per_hour: '9',
            as_of: '2026-03-24/2026-07-20',
          }),
          catalog({ zone: 'use1-az1', spot_usd_per_hour: '8', as_of: '2026-01-21' }),
        ],
        onDemand: [onDemand({ on_demand_usd_per_hour: '21', as_of: '2026-07-20' })],
      }),
    );
    const od = build.book.offers.find((o) => o.purchaseOption === 'on-demand');
    expect(od).toMatchObject({ priceUsdPerHour: 21, source: 'karpenter', asOf: '2026-07-20' });
    const spot = build.book.offers.find((o) => o.purchaseOption === 'spot');
    expect(spot).toMatchObject({ priceUsdPerHour: 9, asOf: '2026-03-24', onDemandPriceUsdPerHour: 21 });
    expect(build.report.duplicates.map((d) => d.key).sort()).toEqual([
      'p4d.24xlarge|us-east-1|*|on-demand',
      'p4d.24xlarge|us-east-1|use1-az1|spot',
    ]);
  });

  it('does not call a repeated identical price a duplicate', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [
          catalog({ zone: 'use1-az1', on_demand_usd_per_hour: '20', spot_usd_per_hour: '9' }),
          catalog({ zone: 'use1-az2', on_demand_usd_per_hour: '20', spot_usd_per_hour: '8' }),
        ],
      }),
    );
    expect(build.report.duplicates).toEqual([]);
    expect(build.book.offers).toHaveLength(3);
  });

  it('drops Local and Wavelength Zone "regions" and counts them', () => {
    const build = buildPriceBookWithReport(
      input({
        catalog: [
          catalog({ on_demand_usd_per_hour: '20' }),
          catalog({ region: 'us-east-1-atl-1', on_demand_usd_per_hour: '25' }),
          catalog({ region: 'eu-west-3-wl1-cmn1', on_demand_usd_per_hour: '25' }),
        ],
      }),
    );
    expect(ids(build.book)).toEqual(['p4d.24xlarge|us-east-1|*|on-demand']);
    expect(build.report.nonRegionRowsDropped).toBe(2);
    expect(build.report.nonRegionNames).toEqual(['eu-west-3-wl1-cmn1', 'us-east-1-atl-1']);
  });

  it('skips and reports types whose accelerator is unknown or that have no spec', () => {
    const build = buildPriceBookWithReport(
      input({
        specs: [SPEC, { ...SPEC, instance_type: 'dl1.24xlarge', accelerator_name: 'Gaudi' }],
        catalog: [
          catalog({ on_demand_usd_per_hour: '20' }),
          catalog({ instance_type: 'dl1.24xlarge', on_demand_usd_per_hour: '13' }),
          catalog({ instance_type: 'x9.large', on_demand_usd_per_hour: '1' }),
        ],
      }),
    );
    expect(ids(build.book)).toEqual(['p4d.24xlarge|us-east-1|*|on-demand']);
    expect(build.report.unknownAccelerators).toEqual([{ instanceType: 'dl1.24xlarge', name: 'gpu/Gaudi' }]);
    expect(build.report.typesWithoutSpec).toEqual(['x9.large']);
  });

  it('gives the same id for the same input in any row order, and a new id when a price changes', () => {
    const rows = [
      catalog({ on_demand_usd_per_hour: '20' }),
      catalog({ region: 'us-west-2', on_demand_usd_per_hour: '19' }),
    ];
    const a = buildPriceBook(input({ catalog: rows }));
    const b = buildPriceBook(input({ catalog: [...rows].reverse() }));
    const c = buildPriceBook(
      input({
        catalog: [rows[0] ?? catalog({}), catalog({ region: 'us-west-2', on_demand_usd_per_hour: '18' })],
      }),
    );
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
  });

  it('refuses to build an empty book', () => {
    expect(() => buildPriceBook(input({}))).toThrow(PriceBookInputError);
    expect(() => buildPriceBook(input({}))).toThrow(/no offers/);
  });

  it('rejects malformed rows with the file position and column', () => {
    expect(() =>
      buildPriceBook(
        input({ catalog: [catalog({ on_demand_usd_per_hour: '1', as_of: 'soon', at: 'cat.csv:7' })] }),
      ),
    ).toThrow(/cat\.csv:7: as_of "soon"/);
    expect(() => buildPriceBook(input({ specs: [{ ...SPEC, vcpus: 'many', at: 'spec.csv:2' }] }))).toThrow(
      /spec\.csv:2: vcpus "many"/,
    );
    expect(() =>
      buildPriceBook(input({ advisor: [advisor({ interruption_r: '7', at: 'adv.csv:9' })] })),
    ).toThrow(/adv\.csv:9: interruption_r "7"/);
    expect(() => buildPriceBook(input({ specs: [SPEC, { ...SPEC, at: 'spec.csv:3' }] }))).toThrow(
      /spec\.csv:3: instance type "p4d\.24xlarge" has more than one spec row/,
    );
  });
});
