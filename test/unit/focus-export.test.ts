import { describe, expect, it } from 'vitest';
import type { LedgerRecord, LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';
import { focusCsvLines, focusDecimal, focusRows } from '../../lambdas/core/reports/focus-export.js';

const usage = (over: Partial<LedgerUsage> = {}): LedgerUsage => ({
  kind: 'usage',
  instanceId: 'i-0abc',
  jobId: 'job-1',
  allocationId: 'alloc-1',
  team: 'vision',
  project: 'detector',
  region: 'us-east-1',
  availabilityZone: null,
  instanceType: 'p5.48xlarge',
  purchaseOption: 'on-demand',
  unitPriceUsdPerHour: 55.04,
  onDemandPriceUsdPerHour: 55.04,
  priceBookId: 'static-abc',
  startedAt: '2026-11-30T22:00:00Z',
  stoppedAt: '2026-12-01T01:30:00Z',
  interrupted: false,
  ...over,
});
const OPTIONS = {
  from: '2026-11-01',
  to: '2026-12-31',
  billingAccountId: '111122223333',
  billingAccountName: 'Payer',
};
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('FOCUS export', () => {
  it('splits an interval at the month boundary into one row per billing period', async () => {
    const rows = await collect(focusRows([usage()], OPTIONS));
    expect(
      rows.map((r) => [
        r.BillingPeriodStart,
        r.ChargePeriodStart,
        r.ChargePeriodEnd,
        r.ConsumedQuantity,
        r.BilledCost,
      ]),
    ).toEqual([
      ['2026-11-01T00:00:00Z', '2026-11-30T22:00:00Z', '2026-12-01T00:00:00Z', '2', '110.08'],
      ['2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', '2026-12-01T01:30:00Z', '1.5', '82.56'],
    ]);
    expect(rows[0]).toMatchObject({
      PricingCategory: 'Standard',
      AvailabilityZone: null,
      x_AvailabilityZoneId: null,
      ChargeClass: null,
      RegionName: 'US East (N. Virginia)',
      x_PriceBookId: 'static-abc',
      SubAccountId: null,
      SubAccountName: null,
      Tags: null,
    });
  });

  it('prices spot as Dynamic, bills the stored spot price and lists the on-demand price', async () => {
    const [row] = await collect(
      focusRows(
        [
          usage({
            purchaseOption: 'spot',
            unitPriceUsdPerHour: 21.5,
            startedAt: '2026-11-02T00:00:00Z',
            stoppedAt: '2026-11-02T02:00:00Z',
          }),
        ],
        OPTIONS,
      ),
    );
    expect(row).toMatchObject({
      PricingCategory: 'Dynamic',
      BilledCost: '43',
      ContractedUnitPrice: '21.5',
      ListUnitPrice: '55.04',
      ListCost: '110.08',
    });
  });

  it('escapes text a spreadsheet would run as a formula and quotes JSON cells', async () => {
    const hostile: LedgerRecord = usage({
      team: '=cmd|calc',
      project: '+x',
      jobId: '@job',
      tags: { '-k': 'v,"q"' },
    });
    const [header, line] = await collect(focusCsvLines([hostile], OPTIONS));
    expect(header?.startsWith('AvailabilityZone,BilledCost,')).toBe(true);
    expect(
      header?.endsWith(',x_Team,x_Project,x_JobId,x_AllocationId,x_PriceBookId,x_AvailabilityZoneId'),
    ).toBe(true);
    expect(line).toContain(`"'=cmd|calc","'+x","'@job",alloc-1`);
    expect(line).toContain('"{""-k"":""v,\\""q\\""""}"');
  });

  it('names the zone in AvailabilityZone when the name is known and keeps the AZ id in x_AvailabilityZoneId', async () => {
    const zoneOf = async (zone: string, region: string, zoneNames?: ReadonlyMap<string, string>) => {
      const [row] = await collect(
        focusRows(
          [
            usage({
              region,
              availabilityZone: zone,
              startedAt: '2026-11-02T00:00:00Z',
              stoppedAt: '2026-11-02T01:00:00Z',
            }),
          ],
          zoneNames === undefined ? OPTIONS : { ...OPTIONS, zoneNames },
        ),
      );
      return [row?.AvailabilityZone, row?.x_AvailabilityZoneId];
    };
    // Local Zone names are the same in every account: they follow from the id.
    expect(await zoneOf('usw2-lax1-az1', 'us-west-2')).toEqual(['us-west-2-lax-1a', 'usw2-lax1-az1']);
    expect(await zoneOf('usw2-lax1-az2', 'us-west-2')).toEqual(['us-west-2-lax-1b', 'usw2-lax1-az2']);
    expect(await zoneOf('use1-atl2-az1', 'us-east-1')).toEqual(['us-east-1-atl-2a', 'use1-atl2-az1']);
    // A regular AZ's name depends on the account: known only from its map, else the id stands in.
    expect(await zoneOf('use1-az2', 'us-east-1')).toEqual(['use1-az2', 'use1-az2']);
    const names = new Map([['use1-az2', 'us-east-1c']]);
    expect(await zoneOf('use1-az2', 'us-east-1', names)).toEqual(['us-east-1c', 'use1-az2']);
    // An older ledger's AZ name stays the name; its id is known only from the same map.
    expect(await zoneOf('us-east-1c', 'us-east-1', names)).toEqual(['us-east-1c', 'use1-az2']);
    expect(await zoneOf('us-east-1a', 'us-east-1')).toEqual(['us-east-1a', null]);
  });

  it('writes plain decimals: no exponent, no trailing zeros, no negative zero', () => {
    expect(focusDecimal(1e-7, 9)).toBe('0.0000001');
    expect(focusDecimal(2.5e21, 2)).toMatch(/^\d+$/);
    expect(focusDecimal(3.1, 6)).toBe('3.1');
    expect(focusDecimal(-0.0000001, 6)).toBe('0');
    expect(() => focusDecimal(Number.NaN, 2)).toThrow(/finite/);
  });

  it('skips other record kinds and usage outside the window', async () => {
    const rows = await collect(
      focusRows(
        [
          { kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 1 },
          usage({ startedAt: '2026-10-01T00:00:00Z', stoppedAt: '2026-10-01T01:00:00Z' }),
        ],
        OPTIONS,
      ),
    );
    expect(rows).toEqual([]);
  });
});
