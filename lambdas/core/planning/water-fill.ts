/** One claimant on a shared resource. */
export interface Claim {
  readonly id: string;
  readonly weight: number;
  readonly demand: number;
}

/**
 * Weighted max-min fair division of `capacity` (water-filling): raise a common level L and give
 * each claimant min(demand, weight × L) until the capacity is used or every demand is met. No
 * claimant can get more without taking from one whose share per unit of weight is no larger.
 *
 * With equal weights this gives equal shares capped at demand — not shares proportional to
 * demand (capacity 10, demands 2 and 20 gives 2 and 8, not 0.9 and 9.1).
 *
 * @example waterFill(10, [{ id: 'a', weight: 1, demand: 2 }, { id: 'b', weight: 1, demand: 20 }])
 * // → Map { 'a' => 2, 'b' => 8 }
 */
export const waterFill = (capacity: number, claims: readonly Claim[]): Map<string, number> => {
  const shares = new Map<string, number>();
  for (const c of claims) {
    if (!(c.weight > 0)) throw new RangeError(`claim ${c.id}: weight must be > 0, got ${c.weight}`);
    if (!(c.demand >= 0)) throw new RangeError(`claim ${c.id}: demand must be >= 0, got ${c.demand}`);
    shares.set(c.id, 0);
  }
  const total = claims.reduce((s, c) => s + c.demand, 0);
  if (total <= capacity) {
    for (const c of claims) shares.set(c.id, c.demand);
    return shares;
  }
  // Visit claimants in order of the level at which they saturate (demand / weight).
  const order = [...claims].sort(
    (a, b) => a.demand / a.weight - b.demand / b.weight || (a.id < b.id ? -1 : 1),
  );
  let remaining = Math.max(0, capacity);
  let weightLeft = order.reduce((s, c) => s + c.weight, 0);
  for (const c of order) {
    const level = remaining / weightLeft;
    const share = Math.max(0, Math.min(c.demand, c.weight * level));
    shares.set(c.id, share);
    remaining -= share;
    weightLeft -= c.weight;
  }
  return shares;
};
