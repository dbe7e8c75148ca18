import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { waterFill } from '../../lambdas/core/planning/water-fill.js';

const claimsArb = fc.uniqueArray(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    weight: fc.double({ min: 0.1, max: 10, noNaN: true }),
    demand: fc.double({ min: 0, max: 1000, noNaN: true }),
  }),
  { minLength: 1, maxLength: 8, selector: (c) => c.id },
);

describe('waterFill', () => {
  it('gives equal shares capped at demand with equal weights (not shares proportional to demand)', () => {
    const shares = waterFill(10, [
      { id: 'a', weight: 1, demand: 2 },
      { id: 'b', weight: 1, demand: 20 },
    ]);
    expect(shares.get('a')).toBe(2);
    expect(shares.get('b')).toBe(8);
  });

  it('splits by weight when every team wants more than the capacity', () => {
    const shares = waterFill(90, [
      { id: 'a', weight: 2, demand: 100 },
      { id: 'b', weight: 1, demand: 100 },
    ]);
    expect(shares.get('a')).toBeCloseTo(60);
    expect(shares.get('b')).toBeCloseTo(30);
  });

  it('meets every demand when there is room', () => {
    const shares = waterFill(100, [
      { id: 'a', weight: 1, demand: 30 },
      { id: 'b', weight: 3, demand: 40 },
    ]);
    expect([...shares.values()]).toEqual([30, 40]);
  });

  it('rejects a non-positive weight, naming the claimant', () => {
    expect(() => waterFill(1, [{ id: 'x', weight: 0, demand: 1 }])).toThrow(/claim x: weight/);
  });

  it('matches the weighted max-min definition for random claims', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2000, noNaN: true }), claimsArb, (capacity, claims) => {
        const shares = waterFill(capacity, claims);
        const total = [...shares.values()].reduce((a, b) => a + b, 0);
        const demand = claims.reduce((a, c) => a + c.demand, 0);
        const tol = 1e-6 * (1 + capacity + demand);
        // Nobody gets more than asked, nothing is over-allocated, and the capacity is used up to demand.
        expect(total).toBeLessThanOrEqual(capacity + tol);
        expect(total).toBeGreaterThanOrEqual(Math.min(capacity, demand) - tol);
        for (const c of claims) {
          const s = shares.get(c.id) ?? -1;
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(c.demand + tol);
        }
        // Max-min: a claimant left short has the highest share per weight of all.
        const level = Math.max(...claims.map((c) => (shares.get(c.id) ?? 0) / c.weight));
        for (const c of claims) {
          const s = shares.get(c.id) ?? 0;
          if (s < c.demand - tol) expect(s / c.weight).toBeGreaterThanOrEqual(level - tol);
        }
      }),
    );
  });
});
