import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_MONTHLY_INTERRUPTED_SHARE,
  calibratedAvailability,
  outageKeepShare,
} from '../../lambdas/core/simulation/spot-outage-calibration.js';

/** Maximal runs of samples without capacity, as [start, end) pairs. */
const outages = (flags: Uint8Array): [number, number][] => {
  const out: [number, number][] = [];
  for (let i = 0; i < flags.length; ) {
    if (flags[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < flags.length && flags[end] === 0) end++;
    out.push([i, end]);
    i = end;
  }
  return out;
};

const flagsArb = fc
  .array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 400 })
  .map((a) => Uint8Array.from(a));

describe('outageKeepShare', () => {
  it("keeps every outage for the traces' own bucket and for an unrated pool", () => {
    expect(outageKeepShare(4)).toBe(1);
    expect(outageKeepShare(null)).toBe(1);
  });

  it('keeps fewer outages the calmer the bucket, in the ratio of Poisson outage rates', () => {
    const shares = ([0, 1, 2, 3, 4] as const).map(outageKeepShare);
    for (let b = 1; b < shares.length; b++) expect(shares[b]).toBeGreaterThan(shares[b - 1] ?? 1);
    // <5 %: -ln(1 - 0.025) / -ln(1 - 0.25)
    expect(outageKeepShare(0)).toBeCloseTo(Math.log(1 - 0.025) / Math.log(1 - 0.25), 12);
    expect(BUCKET_MONTHLY_INTERRUPTED_SHARE[0]).toBe(0.025);
  });
});

describe('calibratedAvailability', () => {
  it('returns the trace as recorded (a copy) when every outage is kept', () => {
    const flags = Uint8Array.of(1, 0, 0, 1, 0, 1);
    const out = calibratedAvailability(flags, 1, 'pool');
    expect([...out]).toEqual([...flags]);
    expect(out).not.toBe(flags);
  });

  it('removes every outage when none is kept', () => {
    expect([...calibratedAvailability(Uint8Array.of(0, 1, 0, 0, 1, 0), 0, 'pool')]).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
  });

  it('only ever adds capacity, and each outage is kept whole or removed whole', () => {
    fc.assert(
      fc.property(flagsArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.string(), (flags, keep, seed) => {
        const out = calibratedAvailability(flags, keep, seed);
        expect(out.length).toBe(flags.length);
        for (const [start, end] of outages(flags)) {
          const slice = [...out.subarray(start, end)];
          expect(slice.every((f) => f === 0) || slice.every((f) => f === 1)).toBe(true);
        }
        flags.forEach((f, i) => {
          if (f === 1) expect(out[i]).toBe(1);
        });
        expect([...calibratedAvailability(flags, keep, seed)]).toEqual([...out]);
      }),
    );
  });

  it('treats an outage that wraps around the trace end as one outage', () => {
    for (const seed of Array.from({ length: 50 }, (_, i) => `pool-${i}`)) {
      const out = calibratedAvailability(Uint8Array.of(0, 0, 1, 1, 1, 0), 0.5, seed);
      expect(out[0]).toBe(out[5]);
    }
  });

  it('keeps close to the asked share of many outages', () => {
    const flags = Uint8Array.from({ length: 20_000 }, (_, i) => (i % 4 === 3 ? 0 : 1));
    const before = outages(flags).length;
    for (const keep of [outageKeepShare(0), outageKeepShare(2), 0.5]) {
      const after = outages(calibratedAvailability(flags, keep, 'g5.xlarge|use1-az1')).length;
      expect(after / before).toBeGreaterThan(keep - 0.03);
      expect(after / before).toBeLessThan(keep + 0.03);
    }
  });

  it('refuses a share outside [0, 1]', () => {
    expect(() => calibratedAvailability(Uint8Array.of(0), 1.5, 'p')).toThrow(/keepShare must be in \[0, 1\]/);
    expect(() => calibratedAvailability(Uint8Array.of(0), Number.NaN, 'p')).toThrow(/keepShare/);
  });
});
