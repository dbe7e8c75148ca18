import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstantMs } from '../../lambdas/core/planning/iso-instant-ms.js';

/** The fast path must give `Date.parse`'s answer for every string, in the ledger's form or not. */
describe('isoInstantMs', () => {
  it('reads every toISOString instant from year 0 to 9999 as Date.parse does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        const text = new Date(ms).toISOString();
        expect(isoInstantMs(text)).toBe(ms);
        expect(isoInstantMs(text)).toBe(Date.parse(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with Date.parse on strings of the same shape that are not dates, and on other forms', () => {
    const cases = [
      '2026-02-29T00:00:00.000Z', // no such day
      '2024-02-29T23:59:59.999Z', // leap day
      '2100-02-29T00:00:00.000Z', // not a leap year
      '2000-02-29T00:00:00.000Z', // is one
      '2026-13-01T00:00:00.000Z',
      '2026-11-31T00:00:00.000Z',
      '2026-11-30T24:00:00.000Z',
      '2026-11-30T23:60:00.000Z',
      '2026-11-30T23:59:60.000Z',
      '2026-11-3xT00:00:00.000Z',
      '2026-11-26T12:00:00Z',
      '2026-11-26T12:00:00.000+01:00',
      '2026-11-26',
      '',
      'not a date',
    ];
    for (const text of cases) expect(isoInstantMs(text), text).toBe(Date.parse(text));
  });

  it('agrees with Date.parse on any digits in the instant form, real dates or not', () => {
    // Every digit position random: months past 12, days past the month's end, hours past 23 …
    const digit = fc.constantFrom(...'0123456789'.split(''));
    fc.assert(
      fc.property(fc.array(digit, { minLength: 17, maxLength: 17 }), (ds) => {
        let next = 0;
        const text = 'dddd-dd-ddTdd:dd:dd.dddZ'.replace(/d/g, () => ds[next++] ?? '0');
        expect(Object.is(isoInstantMs(text), Date.parse(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
