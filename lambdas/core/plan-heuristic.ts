import { poolOf } from './candidates.js';
import type { ClassColumn, ClassPlacement, ClassSlot, ModelLimits } from './class-model.js';
import type { Candidate } from './plan.js';

const EPS = 1e-6;

/** Quota and money already taken by a placement, updated as jobs are added. */
export class Room {
  readonly poolUse = new Map<string, number>();
  readonly spend = new Map<string, number>();
  /** Fair-share caps left per `pool#team`, when a phase applies them. */
  capLeft: Map<string, number> | null = null;

  constructor(private readonly limits: ModelLimits) {}

  /** Records `count` jobs of `team` on `cand`. */
  take(team: string, cand: Candidate, count: number): void {
    const pool = poolOf(cand);
    this.poolUse.set(pool, (this.poolUse.get(pool) ?? 0) + cand.vcpus * count);
    this.spend.set(team, (this.spend.get(team) ?? 0) + cand.expectedCostUsd * count);
    const key = `${pool}#${team}`;
    const cap = this.capLeft?.get(key);
    if (cap !== undefined) this.capLeft?.set(key, cap - cand.vcpus * count);
  }

  /** How many more jobs of `team` fit on `cand` (at most `want`). */
  fits(team: string, cand: Candidate, want: number): number {
    let n = want;
    const pool = poolOf(cand);
    const limit = this.limits.quota(cand);
    if (limit !== null)
      n = Math.min(n, Math.floor((limit - (this.poolUse.get(pool) ?? 0) + EPS) / cand.vcpus));
    const budget = this.limits.budget(team);
    if (budget !== null && cand.expectedCostUsd > 0)
      n = Math.min(n, Math.floor((budget - (this.spend.get(team) ?? 0) + EPS) / cand.expectedCostUsd));
    const cap = this.capLeft?.get(`${pool}#${team}`);
    if (cap !== undefined) n = Math.min(n, Math.floor((cap + EPS) / cand.vcpus));
    return Math.max(0, n);
  }
}

/** Adds `count` jobs on `cand` to a class's placement. */
export const addPlaced = (placement: ClassPlacement, id: number, cand: Candidate, count: number): void => {
  if (count <= 0) return;
  const list = placement.get(id);
  if (list === undefined) {
    placement.set(id, [{ cand, count }]);
    return;
  }
  const same = list.find((p) => p.cand === cand);
  if (same !== undefined) same.count += count;
  else list.push({ cand, count });
};

/**
 * Places up to `want` jobs of a class on its columns, cheapest first, within the room left; returns
 * how many it placed. Greedy: the fallback past the exact solver's size limit.
 */
export const fillClass = (
  slot: ClassSlot,
  want: number,
  room: Room,
  placement: ClassPlacement,
  candidates: readonly Candidate[] = slot.cols,
): number => {
  let left = want;
  for (const cand of candidates) {
    if (left <= 0) break;
    const n = room.fits(slot.cls.team, cand, left);
    if (n <= 0) continue;
    room.take(slot.cls.team, cand, n);
    addPlaced(placement, slot.id, cand, n);
    left -= n;
  }
  return want - left;
};

/**
 * Rounds an LP placement to integers: each class keeps the whole jobs the LP gave each candidate,
 * and the jobs the fractions leave over go greedily to the cheapest candidate with room. A basic
 * LP solution has at most one fractional column per tight row, so little is lost. Returns `null`
 * when some class cannot place its remainder (the caller keeps its feasible placement instead).
 */
export const roundLpPlacement = (
  columns: readonly ClassColumn[],
  x: Float64Array,
  limits: ModelLimits,
): ClassPlacement | null => {
  const placement: ClassPlacement = new Map();
  const room = new Room(limits);
  const deficit = new Map<number, { slot: ClassSlot; left: number }>();
  columns.forEach(({ entry, cand }, i) => {
    const whole = Math.floor((x[i] ?? 0) + EPS);
    if (!deficit.has(entry.slot.id)) deficit.set(entry.slot.id, { slot: entry.slot, left: entry.lower });
    const d = deficit.get(entry.slot.id) as { left: number };
    if (whole <= 0) return;
    room.take(entry.slot.cls.team, cand, whole);
    addPlaced(placement, entry.slot.id, cand, whole);
    d.left -= whole;
  });
  for (const { slot, left } of deficit.values()) {
    if (left > 0 && fillClass(slot, left, room, placement) < left) return null;
  }
  return placement;
};
