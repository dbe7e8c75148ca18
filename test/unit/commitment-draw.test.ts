import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitmentHours, hourlyCommitmentMicros } from '../../lambdas/core/accounting/commitment-draw.js';
import type { Commitment } from '../../lambdas/core/commitments/commitment.js';

const odcr: Commitment = {
  kind: 'capacity-reservation',
  id: 'cr-1',
  instanceType: 'p5.48xlarge',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  count: 2,
  unitPriceUsdPerHour: 55.04,
  start: '2026-11-01T00:00:00Z',
  end: null,
};
const sp: Commitment = {
  kind: 'savings-plan',
  id: 'sp-1',
  planType: 'compute',
  region: null,
  hourlyCommitmentUsd: 10,
  discounts: { g6: 0.28 },
  start: '2026-01-01T00:00:00Z',
  end: '2027-01-01T00:00:00Z',
};
const sum = (hours: { usedMicros: number }[]) => hours.reduce((s, h) => s + h.usedMicros, 0);

describe('commitmentHours', () => {
  it('splits a reservation-hour between one running instance of two and the idle one', () => {
    const hours = commitmentHours(
      odcr,
      [{ startedAt: '2026-11-02T10:00:00Z', stoppedAt: '2026-11-02T12:30:00Z', units: 1 }],
      '2026-11-02T10:00:00Z',
      '2026-11-02T13:00:00Z',
    );
    expect(hours.map((h) => h.hour)).toEqual([
      '2026-11-02T10:00:00.000Z',
      '2026-11-02T11:00:00.000Z',
      '2026-11-02T12:00:00.000Z',
    ]);
    expect(hours.map((h) => h.committedMicros)).toEqual([110_080_000, 110_080_000, 110_080_000]);
    // One of two instances for the whole hour, then for half of the last.
    expect(hours.map((h) => h.usedMicros)).toEqual([55_040_000, 55_040_000, 27_520_000]);
    expect(hours[2]?.unusedMicros).toBe(82_560_000);
  });

  it('never draws more than the commitment: usage beyond a Savings Plan is billed outside it', () => {
    const hours = commitmentHours(
      sp,
      [{ startedAt: '2026-11-02T10:00:00Z', stoppedAt: '2026-11-02T11:00:00Z', units: 25 }],
      '2026-11-02T10:00:00Z',
      '2026-11-02T11:00:00Z',
    );
    expect(hours).toEqual([
      {
        hour: '2026-11-02T10:00:00.000Z',
        committedMicros: 10_000_000,
        usedMicros: 10_000_000,
        unusedMicros: 0,
      },
    ]);
  });

  it('spreads a Capacity Block over its hours and counts nothing outside it', () => {
    const block: Commitment = {
      kind: 'capacity-block',
      id: 'cr-b',
      instanceType: 'p5.48xlarge',
      region: 'us-east-2',
      availabilityZone: 'us-east-2a',
      count: 1,
      priceUsd: 755.04,
      start: '2026-11-02T11:30:00Z',
      end: '2026-11-03T11:30:00Z',
    };
    expect(hourlyCommitmentMicros(block)).toBe(31_460_000);
    const hours = commitmentHours(block, [], '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    expect(hours).toHaveLength(25);
    expect(hours[0]).toEqual({
      hour: '2026-11-02T11:00:00.000Z',
      committedMicros: 15_730_000,
      usedMicros: 0,
      unusedMicros: 15_730_000,
    });
    expect(hours.reduce((s, h) => s + h.committedMicros, 0)).toBe(755_040_000);
  });

  it('needs a rate: a reservation read without a price is named', () => {
    expect(() =>
      commitmentHours(
        { ...odcr, unitPriceUsdPerHour: null },
        [],
        '2026-11-02T00:00:00Z',
        '2026-11-03T00:00:00Z',
      ),
    ).toThrow(/commitment cr-1: its hourly rate is unknown/);
  });

  it('conserves every hour to the micro-dollar and draws exactly the usage that fits (property)', () => {
    const t0 = Date.parse('2026-11-02T00:00:00Z');
    const interval = fc.record({
      startMin: fc.integer({ min: 0, max: 24 * 60 }),
      lenMin: fc.integer({ min: 1, max: 12 * 60 }),
      units: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 6 }), fc.integer({ min: 1, max: 4 }), (raw, count) => {
        const c: Commitment = { ...odcr, count } as Commitment;
        const intervals = raw.map((r) => ({
          startedAt: new Date(t0 + r.startMin * 60_000).toISOString(),
          stoppedAt: new Date(t0 + (r.startMin + r.lenMin) * 60_000).toISOString(),
          units: r.units,
        }));
        const hours = commitmentHours(c, intervals, '2026-11-02T00:00:00Z', '2026-11-03T12:00:00Z');
        expect(hours).toHaveLength(36);
        for (const h of hours) {
          expect(h.usedMicros + h.unusedMicros).toBe(h.committedMicros);
          expect(h.usedMicros).toBeGreaterThanOrEqual(0);
          expect(h.unusedMicros).toBeGreaterThanOrEqual(0);
        }
        // Usage never above the reservation in any minute: every unit-minute is drawn, to within
        // a micro-dollar of rounding per hour.
        const perMinute = new Map<number, number>();
        for (const r of raw)
          for (let m = r.startMin; m < r.startMin + r.lenMin && m < 36 * 60; m++)
            perMinute.set(m, (perMinute.get(m) ?? 0) + r.units);
        if ([...perMinute.values()].every((n) => n <= count)) {
          const unitMinutes = [...perMinute.values()].reduce((s, n) => s + n, 0);
          const expected = (unitMinutes / 60) * 55_040_000;
          expect(Math.abs(sum(hours) - expected)).toBeLessThanOrEqual(hours.length);
        }
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});
