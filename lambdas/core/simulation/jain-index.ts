/**
 * Jain's fairness index over non-negative per-party quantities:
 * `J = (Σ wᵢxᵢ)² / (Σ wᵢ · Σ wᵢxᵢ²)`. With equal weights this is the classic
 * `(Σ xᵢ)² / (n · Σ xᵢ²)`: 1 when every party gets the same, `1/n` when one party gets everything.
 * Weights say how much each party counts (a team with weight 2 counts as two parties of weight 1).
 *
 * @returns the index in `[1/n, 1]` (weighted: `[min wᵢ / Σ wᵢ, 1]`); 1 when nobody got anything,
 * since equal nothing is still equal
 * @throws {RangeError} for an empty list, a negative or non-finite quantity, or a weight that is not
 * a positive finite number
 * @example
 * jainIndex([{ value: 1 }, { value: 1 }]); // 1
 * jainIndex([{ value: 1 }, { value: 0 }]); // 0.5
 */
export const jainIndex = (
  parties: ReadonlyArray<{ readonly value: number; readonly weight?: number }>,
): number => {
  if (parties.length === 0) throw new RangeError("Jain's index needs at least one party");
  let max = 0;
  parties.forEach(({ value, weight = 1 }, i) => {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`party ${i}: value must be a finite number >= 0, got ${value}`);
    }
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`party ${i}: weight must be a finite number > 0, got ${weight}`);
    }
    max = Math.max(max, value);
  });
  if (max === 0) return 1;
  // Scaled by the largest quantity so that tiny quantities do not underflow when squared.
  let weightSum = 0;
  let sum = 0;
  let squares = 0;
  for (const { value, weight = 1 } of parties) {
    const x = value / max;
    weightSum += weight;
    sum += weight * x;
    squares += weight * x * x;
  }
  return (sum * sum) / (weightSum * squares);
};
