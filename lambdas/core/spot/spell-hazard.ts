/**
 * Spell-length statistics of a spot availability trace: for spot available and for spot away,
 * the chance that the current spell ends after a tick, given how many ticks it has lasted. This is
 * everything a policy could learn about a trace short of knowing when its spells come: a
 * semi-Markov model of availability.
 */

/** Per availability state (index 0 = away, 1 = available), the chance the spell ends after a tick. */
export interface SpellHazard {
  /** Ages from `maxAge` on share one figure. */
  readonly maxAge: number;
  /**
   * `endsAfter[a][g]` for age `g` in 1..maxAge (index 0 unused): of the spells in state `a` that
   * lasted at least `g` ticks, the share that lasted exactly `g`. Strictly between 0 and 1.
   */
  readonly endsAfter: readonly [Float64Array, Float64Array];
}

/** Keeps every figure away from 0 and 1, so no model claims a spell surely ends or surely goes on. */
const FLOOR = 1e-6;

/**
 * Estimates the spell hazard of a trace (or of several traces laid end to end by the caller).
 *
 * Spells cut off by the end of the trace count as having reached their age but not as ending
 * (right-censoring). Each age's figure is smoothed with one pseudo-spell at the state's overall
 * ending rate, so rare ages do not get a hard 0 or 1 from a single observation.
 *
 * @throws {RangeError} for an empty trace or a `maxAge` below 1
 */
export const estimateSpellHazard = (available: Uint8Array, maxAge: number): SpellHazard => {
  if (available.length === 0) throw new RangeError('cannot estimate spell lengths from an empty trace');
  if (!Number.isInteger(maxAge) || maxAge < 1) {
    throw new RangeError(`maxAge must be an integer >= 1, got ${maxAge}`);
  }
  const reached = [new Float64Array(maxAge + 1), new Float64Array(maxAge + 1)] as const;
  const ended = [new Float64Array(maxAge + 1), new Float64Array(maxAge + 1)] as const;
  let start = 0;
  while (start < available.length) {
    const state = available[start] === 1 ? 1 : 0;
    let end = start;
    while (end < available.length && (available[end] === 1 ? 1 : 0) === state) end++;
    const length = end - start;
    const reachedHere = reached[state];
    for (let age = 1; age < Math.min(length + 1, maxAge); age++)
      reachedHere[age] = (reachedHere[age] ?? 0) + 1;
    // Every age from maxAge on lands in the last slot.
    if (length >= maxAge) reachedHere[maxAge] = (reachedHere[maxAge] ?? 0) + length - maxAge + 1;
    if (end < available.length) {
      const endedHere = ended[state];
      const slot = Math.min(length, maxAge);
      endedHere[slot] = (endedHere[slot] ?? 0) + 1;
    }
    start = end;
  }
  const endsAfter = [new Float64Array(maxAge + 1), new Float64Array(maxAge + 1)] as const;
  for (const state of [0, 1] as const) {
    let totalReached = 0;
    let totalEnded = 0;
    for (let age = 1; age <= maxAge; age++) {
      totalReached += reached[state][age] ?? 0;
      totalEnded += ended[state][age] ?? 0;
    }
    const overall = totalReached > 0 ? totalEnded / totalReached : 0.5;
    for (let age = 1; age <= maxAge; age++) {
      const rate = ((ended[state][age] ?? 0) + overall) / ((reached[state][age] ?? 0) + 1);
      endsAfter[state][age] = Math.min(1 - FLOOR, Math.max(FLOOR, rate));
    }
  }
  return { maxAge, endsAfter };
};
