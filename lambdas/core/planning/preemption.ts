import { waterFill } from './water-fill.js';

/**
 * Who may take whose place when a quota pool is full (ADR 0016): nobody, only jobs of the same
 * team (Kueue's `withinClusterQueue`), or any lower-priority job of a team above its fair share
 * (`reclaimWithinCohort`).
 */
export const PREEMPTION_MODES = ['off', 'within-team', 'across-teams'] as const;
export type PreemptionMode = (typeof PREEMPTION_MODES)[number];

/** A running interruptible job that could be stopped to free its quota. */
export interface RunningForPreemption {
  readonly jobId: string;
  readonly team: string;
  readonly priority: number;
  /** The quota pool its allocation holds (`region|class`). */
  readonly pool: string;
  readonly vcpus: number;
  /** Work it would lose if stopped now: the hours since its last checkpoint (and the restart). */
  readonly lostWorkHours: number;
  /** That work at the price of its instances, USD. */
  readonly lostUsd: number;
}

/** A pool a waiting job could run in, and the vCPUs it needs there. */
export interface PreemptorOption {
  readonly pool: string;
  readonly vcpus: number;
}

/** A job that waits for quota only: every option it has is in a full pool. Cheapest option first. */
export interface WaitingForQuota {
  readonly jobId: string;
  readonly team: string;
  readonly priority: number;
  readonly options: readonly PreemptorOption[];
}

export interface PreemptionInput {
  readonly mode: PreemptionMode;
  /** In the order the planner admits them: highest priority, then oldest, first. */
  readonly waiting: readonly WaitingForQuota[];
  readonly running: readonly RunningForPreemption[];
  /** vCPU quota per pool; a pool not named has no limit and is never full. */
  readonly limits: ReadonlyMap<string, number>;
  /** vCPUs free per pool now, after what this solve allocated. */
  readonly free: ReadonlyMap<string, number>;
  /** Fair-share weight per team (1 when absent). */
  readonly weights: ReadonlyMap<string, number>;
}

export interface Preemption {
  readonly preemptorJobId: string;
  readonly preemptorTeam: string;
  readonly preemptorPriority: number;
  readonly pool: string;
  /** vCPUs the preemptor needs in the pool. */
  readonly vcpus: number;
  /** Stopped in this order; empty when earlier victims already freed enough room. */
  readonly victims: readonly RunningForPreemption[];
}

export interface PreemptionChoice {
  readonly preemptions: readonly Preemption[];
  /**
   * Per pool, each team's floor: what it held before, capped at its weighted max-min share of the
   * pool (demand = held + the cheapest-option needs of its waiting jobs). No preemption takes a
   * team below it.
   */
  readonly floors: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

const EPS = 1e-9;

const sumBy = <T>(items: readonly T[], f: (t: T) => number): number => items.reduce((s, t) => s + f(t), 0);

/** Least lost money first, then least lost work, then the bigger job (fewer victims), then by id. */
const byLeastLoss = (a: RunningForPreemption, b: RunningForPreemption): number =>
  a.lostUsd - b.lostUsd ||
  a.lostWorkHours - b.lostWorkHours ||
  b.vcpus - a.vcpus ||
  (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0);

const teamFloors = (input: PreemptionInput): Map<string, Map<string, number>> => {
  const held = new Map<string, Map<string, number>>();
  const demand = new Map<string, Map<string, number>>();
  const add = (m: Map<string, Map<string, number>>, pool: string, team: string, v: number) => {
    const perTeam = m.get(pool) ?? new Map<string, number>();
    perTeam.set(team, (perTeam.get(team) ?? 0) + v);
    m.set(pool, perTeam);
  };
  for (const r of input.running) {
    add(held, r.pool, r.team, r.vcpus);
    add(demand, r.pool, r.team, r.vcpus);
  }
  // A waiting job's demand counts once, in the pool of its cheapest option (as in ADR 0006).
  for (const w of input.waiting) {
    const first = w.options[0];
    if (first !== undefined) add(demand, first.pool, w.team, first.vcpus);
  }
  const floors = new Map<string, Map<string, number>>();
  for (const [pool, perTeam] of demand) {
    const limit = input.limits.get(pool);
    if (limit === undefined) continue;
    const shares = waterFill(
      limit,
      [...perTeam].map(([team, d]) => ({ id: team, weight: input.weights.get(team) ?? 1, demand: d })),
    );
    const poolFloors = new Map<string, number>();
    for (const [team, share] of shares) poolFloors.set(team, Math.min(held.get(pool)?.get(team) ?? 0, share));
    floors.set(pool, poolFloors);
  }
  return floors;
};

interface Candidate {
  readonly option: PreemptorOption;
  readonly victims: readonly RunningForPreemption[];
  readonly lostUsd: number;
  readonly lostWorkHours: number;
}

/**
 * Chooses which running jobs to stop so that waiting higher-priority jobs can run (ADR 0016).
 * Pure and deterministic. For each waiting job in admission order, and each pool it could run in,
 * it takes the eligible victims of least loss until the pool has room, then drops any it did not
 * need; the pool of least total loss wins. A victim has strictly lower priority than its
 * preemptor, is of the same team under `within-team`, and is never taken when that would leave
 * its team below its floor in the pool (the preemptor's own vCPUs count for its team). A job
 * whose pools cannot be freed within those rules takes nobody's place.
 */
export const choosePreemptions = (input: PreemptionInput): PreemptionChoice => {
  const floors = teamFloors(input);
  if (input.mode === 'off') return { preemptions: [], floors };
  const free = new Map(input.free);
  const holds = new Map<string, number>();
  const holdKey = (pool: string, team: string) => `${pool}#${team}`;
  for (const r of input.running)
    holds.set(holdKey(r.pool, r.team), (holds.get(holdKey(r.pool, r.team)) ?? 0) + r.vcpus);
  const taken = new Set<string>();
  const preemptions: Preemption[] = [];

  const candidateFor = (w: WaitingForQuota, option: PreemptorOption): Candidate | null => {
    const deficit = option.vcpus - (free.get(option.pool) ?? 0);
    if (deficit <= EPS) return { option, victims: [], lostUsd: 0, lostWorkHours: 0 };
    const eligible = input.running
      .filter(
        (r) =>
          !taken.has(r.jobId) &&
          r.pool === option.pool &&
          r.priority < w.priority &&
          (input.mode === 'across-teams' || r.team === w.team),
      )
      .sort(byLeastLoss);
    const removed = new Map<string, number>();
    const chosen: RunningForPreemption[] = [];
    let freed = 0;
    const keepsFloor = (team: string, extra: number): boolean => {
      const floor = floors.get(option.pool)?.get(team) ?? 0;
      const gain = team === w.team ? option.vcpus : 0;
      const after = (holds.get(holdKey(option.pool, team)) ?? 0) - (removed.get(team) ?? 0) - extra + gain;
      return after >= floor - EPS;
    };
    for (const r of eligible) {
      if (freed >= deficit - EPS) break;
      if (!keepsFloor(r.team, r.vcpus)) continue;
      chosen.push(r);
      removed.set(r.team, (removed.get(r.team) ?? 0) + r.vcpus);
      freed += r.vcpus;
    }
    if (freed < deficit - EPS) return null;
    // Greedy may have taken a small job before a big one made it unnecessary: drop, dearest first,
    // every victim the room does not need. Dropping one only raises its team's hold.
    for (const r of [...chosen].sort((a, b) => byLeastLoss(b, a))) {
      if (freed - r.vcpus >= deficit - EPS) {
        chosen.splice(chosen.indexOf(r), 1);
        freed -= r.vcpus;
      }
    }
    return {
      option,
      victims: chosen,
      lostUsd: sumBy(chosen, (r) => r.lostUsd),
      lostWorkHours: sumBy(chosen, (r) => r.lostWorkHours),
    };
  };

  for (const w of input.waiting) {
    let best: Candidate | null = null;
    for (const option of w.options) {
      if (!input.limits.has(option.pool)) continue;
      const c = candidateFor(w, option);
      if (c === null) continue;
      if (
        best === null ||
        c.lostUsd < best.lostUsd - EPS ||
        (Math.abs(c.lostUsd - best.lostUsd) <= EPS && c.lostWorkHours < best.lostWorkHours - EPS)
      )
        best = c;
    }
    if (best === null) continue;
    const { pool, vcpus } = best.option;
    for (const r of best.victims) {
      taken.add(r.jobId);
      holds.set(holdKey(pool, r.team), (holds.get(holdKey(pool, r.team)) ?? 0) - r.vcpus);
    }
    holds.set(holdKey(pool, w.team), (holds.get(holdKey(pool, w.team)) ?? 0) + vcpus);
    free.set(pool, (free.get(pool) ?? 0) + sumBy(best.victims, (r) => r.vcpus) - vcpus);
    preemptions.push({
      preemptorJobId: w.jobId,
      preemptorTeam: w.team,
      preemptorPriority: w.priority,
      pool,
      vcpus,
      victims: best.victims,
    });
  }
  return { preemptions, floors };
};
