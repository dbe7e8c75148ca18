import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import {
  candidatesFor,
  compareCandidates,
  poolOf,
  pruneDominated,
} from '../../lambdas/core/planning/candidates.js';
import type { MilpModel, MilpRow, MilpSolution, MilpSolver } from '../../lambdas/core/planning/milp.js';
import type {
  Allocation,
  Binding,
  Candidate,
  DecisionRecord,
  FairShareLine,
  Plan,
  WaitingJob,
} from '../../lambdas/core/planning/plan.js';
import type { PlanInput, TeamTerms } from '../../lambdas/core/planning/plan-input.js';
import { candidateContextOf, modelRunner } from '../../lambdas/core/planning/solve-plan.js';
import { waterFill } from '../../lambdas/core/planning/water-fill.js';
import type { QuotaClass } from '../../lambdas/core/pricing/offer.js';

interface JobSlot {
  readonly index: number;
  readonly job: JobRequest;
  readonly all: readonly Candidate[];
  readonly model: readonly Candidate[];
  readonly emptyReason: string | null;
}

/** Jobs of a settled tier (and team, where caps decided it) of which exactly `count` are placed. */
interface JobGroup {
  readonly name: string;
  readonly count: number;
  readonly jobs: ReadonlySet<number>;
}

const DEFAULT_TEAM: TeamTerms = { weight: 1, remainingUsd: Number.POSITIVE_INFINITY };
const EPS = 1e-6;

/** Builds one MILP over `slots`: x[j,c] binary, Σc x[j,c] = 1 for fixed jobs and ≤ 1 for the others. */
const buildModel = (
  slots: readonly JobSlot[],
  fixed: ReadonlySet<number>,
  input: PlanInput,
  objective: 'admit' | 'cost',
  fairCaps: ReadonlyMap<string, ReadonlyMap<string, number>>,
  contenders: ReadonlySet<number>,
  teamRank: ReadonlyMap<string, number> = new Map(),
  groups: readonly JobGroup[] = [],
  /** Jobs whose admission earns the reward; earlier tiers' jobs only weigh their cost. */
  fresh: ReadonlySet<number> = new Set(),
): { model: MilpModel; columns: Array<{ slot: JobSlot; cand: Candidate }> } => {
  const columns: Array<{ slot: JobSlot; cand: Candidate }> = [];
  const rows: MilpRow[] = [];
  const poolRows = new Map<string, { cols: number[]; coefs: number[]; limit: number }>();
  const budgetRows = new Map<string, { cols: number[]; coefs: number[]; limit: number }>();
  const fairRows = new Map<string, { cols: number[]; coefs: number[]; limit: number }>();
  let costScale = 1;
  for (const slot of slots) costScale += slot.model.reduce((m, c) => Math.max(m, c.expectedCostUsd), 0);

  for (const slot of slots) {
    const jobCols: number[] = [];
    for (const cand of slot.model) {
      const col = columns.length;
      columns.push({ slot, cand });
      jobCols.push(col);
      const pool = poolOf(cand);
      const limit = input.quotaLimit(cand.region, cand.quotaClass);
      if (limit !== null) {
        let row = poolRows.get(pool);
        if (row === undefined) {
          row = { cols: [], coefs: [], limit };
          poolRows.set(pool, row);
        }
        row.cols.push(col);
        row.coefs.push(cand.vcpus);
      }
      const team = input.teams.get(slot.job.team) ?? DEFAULT_TEAM;
      if (Number.isFinite(team.remainingUsd)) {
        let row = budgetRows.get(slot.job.team);
        if (row === undefined) {
          row = { cols: [], coefs: [], limit: team.remainingUsd };
          budgetRows.set(slot.job.team, row);
        }
        row.cols.push(col);
        row.coefs.push(cand.expectedCostUsd);
      }
      const cap = contenders.has(slot.index) ? fairCaps.get(pool)?.get(slot.job.team) : undefined;
      if (cap !== undefined) {
        const key = `${pool}#${slot.job.team}`;
        let row = fairRows.get(key);
        if (row === undefined) {
          row = { cols: [], coefs: [], limit: cap };
          fairRows.set(key, row);
        }
        row.cols.push(col);
        row.coefs.push(cand.vcpus);
      }
    }
    const isFixed = fixed.has(slot.index);
    rows.push({
      name: `assign:${slot.job.jobId}`,
      lower: isFixed ? 1 : 0,
      upper: 1,
      cols: jobCols,
      coefs: jobCols.map(() => 1),
    });
  }
  for (const g of groups) {
    const cols: number[] = [];
    columns.forEach(({ slot }, i) => {
      if (g.jobs.has(slot.index)) cols.push(i);
    });
    rows.push({ name: `group:${g.name}`, lower: g.count, upper: g.count, cols, coefs: cols.map(() => 1) });
  }
  for (const [pool, r] of poolRows)
    rows.push({
      name: `quota:${pool}`,
      lower: Number.NEGATIVE_INFINITY,
      upper: r.limit,
      cols: r.cols,
      coefs: r.coefs,
    });
  for (const [team, r] of budgetRows)
    rows.push({
      name: `budget:${team}`,
      lower: Number.NEGATIVE_INFINITY,
      upper: r.limit,
      cols: r.cols,
      coefs: r.coefs,
    });
  for (const [key, r] of fairRows)
    rows.push({
      name: `fair:${key}`,
      lower: Number.NEGATIVE_INFINITY,
      upper: r.limit,
      cols: r.cols,
      coefs: r.coefs,
    });

  const n = columns.length;
  const colCost = new Float64Array(n);
  // Lexicographic weights: admitting a job is worth 1; then a team's rank (most under-served
  // first) in units small enough that all ranks together never outweigh one admission; then cost,
  // scaled so that all costs together never outweigh one step of rank.
  const ranks = teamRank.size;
  const unit = 1 / ((slots.length + 1) * (ranks + 1));
  columns.forEach(({ slot, cand }, i) => {
    if (objective === 'cost') colCost[i] = cand.expectedCostUsd;
    else if (fixed.has(slot.index) || !fresh.has(slot.index))
      colCost[i] = -(cand.expectedCostUsd / costScale) * unit;
    else
      colCost[i] = 1 + (teamRank.get(slot.job.team) ?? 0) * unit - (cand.expectedCostUsd / costScale) * unit;
  });
  return {
    model: {
      sense: objective === 'cost' ? 'minimize' : 'maximize',
      colCost,
      colLower: new Float64Array(n),
      colUpper: new Float64Array(n).fill(1),
      integer: new Array<boolean>(n).fill(true),
      rows,
    },
    columns,
  };
};

const chosenOf = (columns: ReadonlyArray<{ slot: JobSlot; cand: Candidate }>, sol: MilpSolution) => {
  const chosen = new Map<number, Candidate>();
  columns.forEach(({ slot, cand }, i) => {
    if ((sol.x[i] ?? 0) > 0.5) chosen.set(slot.index, cand);
  });
  return chosen;
};

const usageByPool = (chosen: ReadonlyMap<number, Candidate>): Map<string, number> => {
  const usage = new Map<string, number>();
  for (const c of chosen.values()) usage.set(poolOf(c), (usage.get(poolOf(c)) ?? 0) + c.vcpus);
  return usage;
};

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * The per-job reference planner, kept as it was before classes were aggregated: one binary
 * variable per job × candidate. Tests check the aggregated planner against it and the solver
 * benchmark measures the speed-up over it. Not for production use: it grows with the job count.
 *
 * Plans one batch: admits jobs by priority tier (higher first), shares contended quota pools
 * between teams by weighted max-min fairness within a tier, then places the admitted set at the
 * least expected cost. Every plan states a lower bound (the LP relaxation of the final placement
 * model, or the engine's MIP bound if tighter) and its gap.
 */
export const solvePlanPerJob = (
  input: PlanInput,
  solver: MilpSolver,
  options: {
    /**
     * Whether a lower tier may swap which jobs of a settled tier run (the exact class path's
     * rule). Without swaps each admitted job stays admitted: the rule of the class planner's
     * heuristic path, and of both paths before swaps. @default true
     */
    readonly tierSwaps?: boolean;
    /**
     * Whether dominated candidates are dropped before modelling (one of the class planner's
     * reductions). Without it every job gets a column for every feasible offer: the plain per-job
     * assignment model. @default true
     */
    readonly prune?: boolean;
  } = {},
): Plan => {
  const tierSwaps = options.tierSwaps ?? true;
  const prune = options.prune ?? true;
  const ctx = candidateContextOf(input);
  const { run, statuses } = modelRunner(input, solver);

  const slots: JobSlot[] = input.jobs.map((job, index) => {
    const jc = candidatesFor(job, ctx);
    return {
      index,
      job,
      all: jc.candidates,
      model: prune ? pruneDominated(jc.candidates) : jc.candidates,
      emptyReason: jc.emptyReason,
    };
  });
  const feasible = slots.filter((s) => s.model.length > 0);
  const tiers = [...new Set(feasible.map((s) => s.job.priority))].sort((a, b) => b - a);

  let admitted = new Set<number>();
  let placement = new Map<number, Candidate>();
  const fairLines = new Map<string, FairShareLine>();
  const capsHit = new Map<string, Set<string>>();
  const contendedPools = new Set<string>();
  // As in the class planner: a settled tier keeps its count of admitted jobs (per team where
  // fair-share caps decided it), not the choice of which ones.
  const settled = new Map<number, boolean>();
  const settledGroups = (): { slots: JobSlot[]; groups: JobGroup[] } => {
    const byKey = new Map<string, { count: number; members: JobSlot[] }>();
    for (const s of feasible) {
      const perTeam = settled.get(s.job.priority);
      if (perTeam === undefined) continue;
      if (!tierSwaps && !admitted.has(s.index)) continue;
      const key = !tierSwaps
        ? `job:${s.index}`
        : perTeam
          ? `${s.job.priority}#${s.job.team}`
          : `${s.job.priority}`;
      const g = byKey.get(key) ?? { count: 0, members: [] };
      if (admitted.has(s.index)) g.count++;
      g.members.push(s);
      byKey.set(key, g);
    }
    const slotsOut: JobSlot[] = [];
    const groups: JobGroup[] = [];
    for (const [name, g] of byKey) {
      if (g.count === 0) continue;
      slotsOut.push(...g.members);
      groups.push({ name, count: g.count, jobs: new Set(g.members.map((m) => m.index)) });
    }
    return { slots: slotsOut, groups };
  };

  for (const tier of tiers) {
    const tierSlots = feasible.filter((s) => s.job.priority === tier);
    const earlier = settledGroups();
    const active = [...earlier.slots, ...tierSlots];
    const tierIds = new Set(tierSlots.map((s) => s.index));

    // Fair share: in each pool the tier would overfill, split what is left by water-filling.
    const used = usageByPool(placement);
    const demand = new Map<string, Map<string, number>>();
    // A job's demand counts once, in the pool of its cheapest option: a job that could also run
    // elsewhere would otherwise inflate its team's claim on every pool it might use.
    for (const s of tierSlots) {
      const first = s.model[0];
      if (first === undefined) continue;
      // As in solvePlan: a job its team cannot pay for on any option claims no share.
      const cheapest = Math.min(...s.model.map((c) => c.expectedCostUsd));
      if (cheapest > (input.teams.get(s.job.team) ?? DEFAULT_TEAM).remainingUsd + 1e-6) continue;
      const pool = poolOf(first);
      const byTeam = demand.get(pool) ?? new Map<string, number>();
      byTeam.set(s.job.team, (byTeam.get(s.job.team) ?? 0) + first.vcpus);
      demand.set(pool, byTeam);
    }
    const caps = new Map<string, Map<string, number>>();
    for (const [pool, byTeam] of demand) {
      const [region, cls] = pool.split('|') as [string, QuotaClass];
      const limit = input.quotaLimit(region, cls);
      const free = limit === null ? Number.POSITIVE_INFINITY : Math.max(0, limit - (used.get(pool) ?? 0));
      const total = [...byTeam.values()].reduce((a, b) => a + b, 0);
      const overfull = total > free;
      const shares = overfull
        ? waterFill(
            free,
            [...byTeam].map(([team, d]) => ({
              id: team,
              weight: (input.teams.get(team) ?? DEFAULT_TEAM).weight,
              demand: d,
            })),
          )
        : byTeam;
      // A closed pool (no quota at all) is not contended: nobody can have any of it.
      if (overfull && free > 0) contendedPools.add(pool);
      // Caps matter only between teams; a lone team simply gets what fits.
      if (overfull && free > 0 && byTeam.size >= 2) caps.set(pool, shares);
      // Entitlements add up over tiers: an uncontended tier is entitled to its whole demand.
      for (const [team, share] of shares) {
        const key = `${pool}#${team}`;
        const prev = fairLines.get(key);
        fairLines.set(key, {
          team,
          weight: (input.teams.get(team) ?? DEFAULT_TEAM).weight,
          resource: `vcpu:${pool.replace('|', ':')}`,
          demand: (prev?.demand ?? 0) + (byTeam.get(team) ?? 0),
          entitlement: (prev?.entitlement ?? 0) + share,
          allocated: 0,
        });
      }
    }

    const phaseA = buildModel(
      active,
      new Set(),
      input,
      'admit',
      caps,
      tierIds,
      new Map(),
      earlier.groups,
      tierIds,
    );
    let chosen = chosenOf(phaseA.columns, run(phaseA.model));
    if (caps.size > 0) {
      // Work-conserving: capacity a capped team could not use goes to whoever can use it.
      // Leftover goes first to the team with the least weighted allocation in the contended
      // pools (higher weight first on ties), then to the cheapest jobs.
      const keep = new Set([...chosen.keys()].filter((idx) => tierIds.has(idx)));
      const weighted = new Map<string, number>();
      for (const t of new Set(tierSlots.map((s) => s.job.team))) weighted.set(t, 0);
      for (const [idx, c] of chosen) {
        const team = slots[idx]?.job.team;
        if (team !== undefined && caps.has(poolOf(c)) && weighted.has(team))
          weighted.set(team, (weighted.get(team) ?? 0) + c.vcpus);
      }
      const order = [...weighted.keys()].sort((a, b) => {
        const wa = (input.teams.get(a) ?? DEFAULT_TEAM).weight;
        const wb = (input.teams.get(b) ?? DEFAULT_TEAM).weight;
        return (weighted.get(b) ?? 0) / wb - (weighted.get(a) ?? 0) / wa || wa - wb || (a < b ? 1 : -1);
      });
      const rank = new Map(order.map((team, i) => [team, i] as const));
      const phaseB = buildModel(
        active,
        keep,
        input,
        'admit',
        new Map(),
        new Set(),
        rank,
        earlier.groups,
        tierIds,
      );
      const afterB = chosenOf(phaseB.columns, run(phaseB.model));
      for (const s of tierSlots) {
        if (!chosen.has(s.index)) {
          for (const pool of caps.keys()) {
            if (s.model.some((c) => poolOf(c) === pool)) {
              const hit = capsHit.get(pool) ?? new Set<string>();
              hit.add(s.job.team);
              capsHit.set(pool, hit);
            }
          }
        }
      }
      chosen = afterB;
    }
    admitted = new Set(chosen.keys());
    settled.set(tier, caps.size > 0);
    placement = chosen;
  }

  // Final placement at least cost for the admitted set, and its LP relaxation as the lower bound.
  // Re-placing can free room in a pool; waiting jobs that now fit are admitted (by priority) and
  // the placement is solved again, so no capacity is left idle that a waiting job could use.
  let final: ReturnType<typeof buildModel>;
  let finalSol: MilpSolution;
  for (let round = 0; ; round++) {
    const all = settledGroups();
    final = buildModel(all.slots, new Set(), input, 'cost', new Map(), new Set(), new Map(), all.groups);
    finalSol = run(final.model);
    placement = chosenOf(final.columns, finalSol);
    admitted = new Set(placement.keys());
    const added = topUp(feasible, admitted, placement, input);
    if (added === 0 || round >= 3) break;
  }
  const relaxed = run({
    ...final.model,
    integer: new Array<boolean>(final.model.colCost.length).fill(false),
  });
  const planCost = [...placement.values()].reduce((s, c) => s + c.expectedCostUsd, 0);
  const lowerBound = Math.min(
    planCost,
    Math.max(relaxed.objective, finalSol.bound ?? Number.NEGATIVE_INFINITY),
  );

  // Remaining room after the plan, to name what keeps each waiting job out.
  const poolUse = usageByPool(placement);
  const teamSpend = new Map<string, number>();
  for (const [idx, c] of placement) {
    const team = slots[idx]?.job.team ?? '';
    teamSpend.set(team, (teamSpend.get(team) ?? 0) + c.expectedCostUsd);
  }
  const poolFree = (c: Candidate): number => {
    const limit = input.quotaLimit(c.region, c.quotaClass);
    return limit === null ? Number.POSITIVE_INFINITY : limit - (poolUse.get(poolOf(c)) ?? 0);
  };
  const poolUseByTeam = (pool: string, team: string): number =>
    [...placement].reduce(
      (sum, [idx, c]) => (slots[idx]?.job.team === team && poolOf(c) === pool ? sum + c.vcpus : sum),
      0,
    );
  const bindingFor = (slot: JobSlot): Binding => {
    if (slot.all.length === 0)
      return {
        kind: 'no-feasible-offer',
        constraint: 'offers',
        detail: slot.emptyReason ?? 'no feasible offer',
      };
    const team = slot.job.team;
    const terms = input.teams.get(team) ?? DEFAULT_TEAM;
    const budgetLeft = terms.remainingUsd - (teamSpend.get(team) ?? 0);
    const cheapest = slot.all[0] as Candidate;
    const quotaBlocked = slot.all.filter((c) => poolFree(c) + EPS < c.vcpus);
    const budgetBlocked = slot.all.filter((c) => budgetLeft + EPS < c.expectedCostUsd);
    if (budgetBlocked.length === slot.all.length && quotaBlocked.length < slot.all.length) {
      return {
        kind: 'budget',
        constraint: `budget:${team}`,
        detail: `team ${team} has ${round2(Math.max(0, budgetLeft))} USD left; the cheapest fitting option costs ${round2(
          Math.min(...slot.all.filter((c) => poolFree(c) + EPS >= c.vcpus).map((c) => c.expectedCostUsd)),
        )} USD`,
      };
    }
    const blockedPool = quotaBlocked.length > 0 ? (quotaBlocked[0] as Candidate) : cheapest;
    const pool = poolOf(blockedPool);
    const constraint = `quota:${pool.replace('|', ':')}`;
    const free = Math.max(0, poolFree(blockedPool));
    if (capsHit.get(pool)?.has(team)) {
      return {
        kind: 'fair-share',
        constraint,
        detail: `${pool.replace('|', ' ')} is contended: team ${team}'s fair share is ${round2(
          fairLines.get(`${pool}#${team}`)?.entitlement ?? 0,
        )} vCPU and it holds ${poolUseByTeam(pool, team)}; ${free} vCPU free, the job needs ${blockedPool.vcpus}`,
      };
    }
    if (quotaBlocked.length === slot.all.length) {
      return {
        kind: 'quota',
        constraint,
        detail: `${pool.replace('|', ' ')} quota has ${free} vCPU free; the cheapest option needs ${blockedPool.vcpus}`,
      };
    }
    return {
      kind: 'priority',
      constraint: 'priority',
      detail: 'quota and budget left after higher-priority jobs fit no combination that admits it',
    };
  };

  const keep = input.decisionCandidates ?? 5;
  const allocations: Allocation[] = [];
  const waiting: WaitingJob[] = [];
  const decisions: DecisionRecord[] = [];
  for (const slot of slots) {
    const chosen = placement.get(slot.index) ?? null;
    const binding = chosen === null ? bindingFor(slot) : null;
    if (chosen !== null) {
      allocations.push({
        ...chosen,
        jobId: slot.job.jobId,
        team: slot.job.team,
        project: slot.job.project,
        priority: slot.job.priority,
      });
    } else if (binding !== null) {
      waiting.push({ jobId: slot.job.jobId, team: slot.job.team, reason: binding.detail, binding });
    }
    const shown = slot.all.slice(0, keep);
    decisions.push({
      jobId: slot.job.jobId,
      team: slot.job.team,
      candidatesConsidered: slot.all.length,
      candidates:
        chosen !== null && !shown.includes(chosen) ? [...shown, chosen].sort(compareCandidates) : shown,
      chosen,
      binding,
      priceBookId: input.priceBook.id,
    });
  }

  const fairShare = fairShareLines(slots, placement, fairLines, contendedPools, input);
  const onDemandEquivalentUsd = allocations.reduce((s, a) => s + a.onDemandEquivalentUsd, 0);
  const expectedCostUsd = planCost;
  return {
    priceBook: { id: input.priceBook.id, source: input.priceBook.source, asOf: input.priceBook.asOf },
    allocations,
    waiting,
    fairShare,
    totals: {
      expectedCostUsd,
      onDemandEquivalentUsd,
      savingsPct: onDemandEquivalentUsd > 0 ? (1 - expectedCostUsd / onDemandEquivalentUsd) * 100 : 0,
      lowerBoundUsd: lowerBound,
      gapPct: expectedCostUsd > 0 ? ((expectedCostUsd - lowerBound) / expectedCostUsd) * 100 : 0,
    },
    decisions,
    solver: {
      method: `${solver.name}: priority tiers, fair-share caps, least-cost placement`,
      status: [...statuses].sort().join(',') || 'optimal',
    },
  };
};

/** Admits waiting jobs, highest priority first, that fit the room the placement left; returns how many. */
const topUp = (
  feasible: readonly JobSlot[],
  admitted: Set<number>,
  placement: Map<number, Candidate>,
  input: PlanInput,
): number => {
  const poolUse = usageByPool(placement);
  const spend = new Map<string, number>();
  for (const [idx, c] of placement) {
    const team = feasible.find((s) => s.index === idx)?.job.team ?? '';
    spend.set(team, (spend.get(team) ?? 0) + c.expectedCostUsd);
  }
  let added = 0;
  const waiting = feasible
    .filter((s) => !admitted.has(s.index))
    .sort((a, b) => b.job.priority - a.job.priority);
  for (const slot of waiting) {
    const terms = input.teams.get(slot.job.team) ?? DEFAULT_TEAM;
    const left = terms.remainingUsd - (spend.get(slot.job.team) ?? 0);
    const fit = slot.all.find((c) => {
      const limit = input.quotaLimit(c.region, c.quotaClass);
      const free = limit === null ? Number.POSITIVE_INFINITY : limit - (poolUse.get(poolOf(c)) ?? 0);
      return free + EPS >= c.vcpus && left + EPS >= c.expectedCostUsd;
    });
    if (fit === undefined) continue;
    admitted.add(slot.index);
    placement.set(slot.index, fit);
    poolUse.set(poolOf(fit), (poolUse.get(poolOf(fit)) ?? 0) + fit.vcpus);
    spend.set(slot.job.team, (spend.get(slot.job.team) ?? 0) + fit.expectedCostUsd);
    added++;
  }
  return added;
};

/** Per team: the contended pools with their entitlements, or one all-pools line when nothing was contended. */
const fairShareLines = (
  slots: readonly JobSlot[],
  placement: ReadonlyMap<number, Candidate>,
  lines: ReadonlyMap<string, FairShareLine>,
  contendedPools: ReadonlySet<string>,
  input: PlanInput,
): FairShareLine[] => {
  const out: FairShareLine[] = [];
  const allocatedIn = (team: string, pool: string | null) =>
    [...placement].reduce(
      (s, [idx, c]) =>
        slots[idx]?.job.team === team && (pool === null || poolOf(c) === pool) ? s + c.vcpus : s,
      0,
    );
  for (const [key, line] of [...lines].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const pool = key.slice(0, key.indexOf('#'));
    if (contendedPools.has(pool)) out.push({ ...line, allocated: allocatedIn(line.team, pool) });
  }
  if (out.length > 0) return out;
  const teams = [...new Set(slots.map((s) => s.job.team))].sort();
  for (const team of teams) {
    const demand = slots
      .filter((s) => s.job.team === team && s.model.length > 0)
      .reduce((sum, s) => sum + Math.min(...s.model.map((c) => c.vcpus)), 0);
    out.push({
      team,
      weight: (input.teams.get(team) ?? DEFAULT_TEAM).weight,
      resource: 'vcpu:all',
      demand,
      entitlement: demand,
      allocated: allocatedIn(team, null),
    });
  }
  return out;
};
