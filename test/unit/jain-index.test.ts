import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jainIndex } from '../../lambdas/core/simulation/jain-index.js';

const quantity = fc.double({ min: 0, max: 1e6, noNaN: true });

describe("Jain's index", () => {
  it('is 1 when every party gets the same, whatever the weights', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.array(fc.double({ min: 0.1, max: 100, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (value, weights) => {
          expect(jainIndex(weights.map((weight) => ({ value, weight })))).toBeCloseTo(1, 12);
        },
      ),
    );
  });

  it('is 1/n when one of n equally weighted parties gets everything', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (n, v) => {
          const parties = Array.from({ length: n }, (_, i) => ({ value: i === 0 ? v : 0 }));
          expect(jainIndex(parties)).toBeCloseTo(1 / n, 12);
        },
      ),
    );
  });

  it('stays within [1/n, 1] for any unweighted quantities', () => {
    fc.assert(
      fc.property(fc.array(quantity, { minLength: 1, maxLength: 30 }), (values) => {
        const j = jainIndex(values.map((value) => ({ value })));
        expect(j).toBeGreaterThanOrEqual(1 / values.length - 1e-12);
        expect(j).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it('counts a party of weight 2 like two parties of weight 1 with the same quantity', () => {
    fc.assert(
      fc.property(quantity, quantity, (a, b) => {
        const weighted = jainIndex([
          { value: a, weight: 2 },
          { value: b, weight: 1 },
        ]);
        const repeated = jainIndex([{ value: a }, { value: a }, { value: b }]);
        expect(weighted).toBeCloseTo(repeated, 12);
      }),
    );
  });

  it('gives the textbook value for shares 1 and 0.5 (9/10)', () => {
    expect(jainIndex([{ value: 1 }, { value: 0.5 }])).toBeCloseTo(0.9, 12);
  });

  it('calls equal nothing fair: all zeros give 1', () => {
    expect(jainIndex([{ value: 0 }, { value: 0 }])).toBe(1);
  });

  it('rejects an empty list, a negative quantity and a non-positive weight, naming the party', () => {
    expect(() => jainIndex([])).toThrow(/at least one party/);
    expect(() => jainIndex([{ value: 1 }, { value: -1 }])).toThrow(/party 1: value/);
    expect(() => jainIndex([{ value: 1, weight: 0 }])).toThrow(/party 0: weight/);
    expect(() => jainIndex([{ value: Number.NaN }])).toThrow(/party 0: value/);
  });
});
