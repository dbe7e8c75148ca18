import { poolOf, poolTeamKey } from './candidates.js';
import type { ClassColumn, ClassPlacement, ClassSlot, ModelLimits } from './class-model.js';
import type { Candidate } from './plan.js';

const EPS = 1e-6;

/** Quota and money already taken by a placement, updated as jobs are added. */
export class Room {
  readonly poolUse = new Map<string, number>();
  readonly spend = new Map<string, number>();
  /** Units taken from each commitment. */
  readonly commitmentUse = new Map<string, number>();
  /** Fair-share caps left per `pool#team`, when a phase applies them. */
  capLeft: Map<string, number> | null = null;

  constructor(readonly limits: ModelLimits) {}

  /** Records `count` jobs of `team` on `cand`. */
  take(team: string, cand: Candidate, count: number): void {
    const pool = poolOf(cand);
    this.poolUse.set(pool, (this.poolUse.get(pool) ?? 0) + cand.vcpus * count);
    this.spend.set(team, (this.spend.get(team) ?? 0) + cand.expectedCostUsd * count);
    const drawn = cand.commitment;
    if (drawn !== undefined)
      this.commitmentUse.set(drawn.id, (this.commitmentUse.get(drawn.id) ?? 0) + drawn.units * count);
    if (this.capLeft !== null) {
      const key = poolTeamKey(pool, team);
      const cap = this.capLeft.get(key);
      if (cap !== undefined) this.capLeft.set(key, cap - cand.vcpus * count);
    }
  }

  /** How many more jobs of `team` fit on `cand` (at most `want`). */
  fits(team: string, cand: Candidate, want: number): number {
    let n = want;
    const pool = poolOf(cand);
    const limit = this.limits.quota(cand);
    if (limit !== null)
      n = Math.min(n, Math.floor((limit - (this.poolUse.get(pool) ?? 0) + EPS) / cand.vcpus));
    n = this.fitsCommitment(cand, n);
    const budget = this.limits.budget(team);
    if (budget !== null && cand.expectedCostUsd > 0)
      n = Math.min(n, Math.floor((budget - (this.spend.get(team) ?? 0) + EPS) / cand.expectedCostUsd));
    const cap = this.capLeft === null ? undefined : this.capLeft.get(poolTeamKey(pool, team));
    if (cap !== undefined) n = Math.min(n, Math.floor((cap + EPS) / cand.vcpus));
    return Math.max(0, n);
  }

  /** How many more jobs fit on `cand` by its pool and commitment alone (at most `want`). */
  fitsPool(cand: Candidate, want: number): number {
    const n = this.fitsCommitment(cand, want);
    const limit = this.limits.quota(cand);
    if (limit === null) return Math.max(0, n);
    const left = Math.floor((limit - (this.poolUse.get(poolOf(cand)) ?? 0) + EPS) / cand.vcpus);
    return Math.max(0, Math.min(n, left));
  }

  /** How many more jobs the commitment `cand` draws on still covers (at most `want`). */
  private fitsCommitment(cand: Candidate, want: number): number {
    const drawn = cand.commitment;
    if (drawn === undefined || drawn.units <= 0) return want;
    const left = this.limits.commitment?.(drawn.id) ?? 0;
    return Math.min(want, Math.floor((left - (this.commitmentUse.get(drawn.id) ?? 0) + EPS) / drawn.units));
  }

  /** Whether every team's spend is within its budget. */
  withinBudgets(): boolean {
    for (const [team, spent] of this.spend) {
      const budget = this.limits.budget(team);
      if (budget !== null && spent > budget + EPS) return false;
    }
    return true;
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
 * and the jobs the fractions leave over go to the cheapest candidate with room, largest jobs first
 * (they are the hardest to fit). A basic LP solution has few fractional columns, so little is lost.
 * Where a team's budget is spent to the cent (the LP uses a binding budget exactly), a left-over
 * job may overdraw it for a moment; moving the team's jobs to cheaper candidates with room then
 * often brings it back. Returns `null` when some class cannot place its remainder or a budget
 * stays overdrawn (the caller keeps its feasible placement instead).
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
    let d = deficit.get(entry.slot.id);
    if (d === undefined) {
      d = { slot: entry.slot, left: entry.lower };
      deficit.set(entry.slot.id, d);
    }
    const whole = Math.min(d.left, Math.floor((x[i] ?? 0) + EPS));
    if (whole <= 0) return;
    room.take(entry.slot.cls.team, cand, whole);
    addPlaced(placement, entry.slot.id, cand, whole);
    d.left -= whole;
  });
  const rest = [...deficit.values()]
    .filter((d) => d.left > 0)
    .sort((a, b) => largest(b.slot) - largest(a.slot) || a.slot.id - b.slot.id);
  const byId: ClassSlot[] = [];
  let overdrawn = false;
  for (const { slot, left } of rest) {
    byId[slot.id] = slot;
    let short = left - fillClass(slot, left, room, placement, slot.model);
    for (const cand of slot.model) {
      if (short <= 0) break;
      const n = room.fitsPool(cand, short);
      if (n <= 0) continue;
      room.take(slot.cls.team, cand, n);
      addPlaced(placement, slot.id, cand, n);
      short -= n;
      overdrawn = true;
    }
    if (short > 0) return null;
  }
  if (overdrawn) {
    for (const { entry } of columns) byId[entry.slot.id] = entry.slot;
    cheapen(placement, byId, limits);
    const check = new Room(limits);
    for (const [id, list] of placement)
      for (const p of list) check.take(byId[id]?.cls.team ?? '', p.cand, p.count);
    if (!check.withinBudgets()) return null;
  }
  return placement;
};

const largest = (slot: ClassSlot): number => slot.cols.reduce((m, c) => Math.max(m, c.vcpus), 0);

/**
 * One improvement pass over a placement: jobs on a dearer candidate move to the cheapest candidate
 * of their class that has room in its pool, dearest placements first. A move only lowers its
 * team's spend, so it keeps every budget that held (and brings an overdrawn one closer); never
 * raises the cost.
 */
export const cheapen = (
  placement: ClassPlacement,
  slots: readonly ClassSlot[],
  limits: ModelLimits,
): void => {
  const room = new Room(limits);
  const items: Array<{ slot: ClassSlot; entry: { cand: Candidate; count: number } }> = [];
  for (const [id, list] of placement) {
    const slot = slots[id];
    if (slot === undefined) continue;
    for (const entry of list) {
      room.take(slot.cls.team, entry.cand, entry.count);
      items.push({ slot, entry });
    }
  }
  items.sort((a, b) => b.entry.cand.expectedCostUsd - a.entry.cand.expectedCostUsd || a.slot.id - b.slot.id);
  for (const { slot, entry } of items) {
    for (const cand of slot.model) {
      if (entry.count <= 0 || cand.expectedCostUsd >= entry.cand.expectedCostUsd - EPS) break;
      const n = room.fitsPool(cand, entry.count);
      if (n <= 0) continue;
      room.take(slot.cls.team, entry.cand, -n);
      room.take(slot.cls.team, cand, n);
      entry.count -= n;
      addPlaced(placement, slot.id, cand, n);
    }
  }
  for (const [id, list] of placement) {
    const kept = list.filter((p) => p.count > 0);
    if (kept.length === 0) placement.delete(id);
    else placement.set(id, kept);
  }
};
