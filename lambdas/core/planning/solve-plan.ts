import type { JobRequest } from '../jobs/job-request.js';
import type { PriceBook, QuotaClass } from '../pricing/offer.js';
import {
  type CandidateContext,
  type PricedOptions,
  poolOf,
  poolTeamKey,
  priceOptions,
} from './candidates.js';
import {
  buildClassModel,
  type ClassPlacement,
  type ClassSlot,
  countsOf,
  type ModelEntry,
  type ModelGroup,
  type ModelLimits,
  placedCount,
} from './class-model.js';
import { bookWithCommitments } from './commitment-offers.js';
import type { FairTier } from './fair-share-note.js';
import { effectiveWeights } from './fair-weight.js';
import { groupJobClasses } from './job-classes.js';
import type { MilpModel, MilpSolution, MilpSolver } from './milp.js';
import type { Candidate, FairShareLine, Plan } from './plan.js';
import { addPlaced, cheapen, fillClass, Room, roundLpPlacement } from './plan-heuristic.js';
import type { PlanInput, TeamTerms } from './plan-input.js';
import { buildPlanRecord } from './plan-record.js';
import { waterFill } from './water-fill.js';

const DEFAULT_TEAM: TeamTerms = { weight: 1, remainingUsd: Number.POSITIVE_INFINITY };
const EPS = 1e-6;
/**
 * Past about this many integer columns the exact path (two MILPs per tier and one for placement)
 * takes over a second on the planner's models; see ADR 0003 for the measurements.
 */
const DEFAULT_EXACT_COLUMN_LIMIT = 1000;
/** Relative gap to the LP bound below which the heuristic's placement is accepted without a search. */
const HEURISTIC_TARGET_GAP = 0.001;

const costOf = (placement: ClassPlacement): number => {
  let total = 0;
  for (const list of placement.values()) for (const p of list) total += p.cand.expectedCostUsd * p.count;
  return total;
};

const usageByPool = (...placements: ClassPlacement[]): Map<string, number> => {
  const usage = new Map<string, number>();
  for (const placement of placements)
    for (const list of placement.values())
      for (const { cand, count } of list)
        usage.set(poolOf(cand), (usage.get(poolOf(cand)) ?? 0) + cand.vcpus * count);
  return usage;
};

const relaxedOf = (model: MilpModel): MilpModel => ({
  ...model,
  integer: new Array<boolean>(model.colCost.length).fill(false),
});

/** The candidate-search context a plan input implies. */
export const candidateContextOf = (
  input: PlanInput,
  priceBook: PriceBook = input.priceBook,
): CandidateContext => ({
  priceBook,
  nowMs: input.nowMs,
  ...(input.config !== undefined ? { config: input.config } : {}),
  ...(input.regions !== undefined ? { regions: input.regions } : {}),
  ...(input.unavailableOfferIds !== undefined ? { unavailableOfferIds: input.unavailableOfferIds } : {}),
});

/**
 * Solves models under the input's time limit, collecting every status for the plan's record. A
 * planner model always has the empty admission as a solution, so infeasible means a bug.
 */
export const modelRunner = (input: PlanInput, solver: MilpSolver) => {
  const solveOptions = { timeLimitSeconds: input.timeLimitSeconds ?? 20 };
  const statuses = new Set<string>();
  const run = (model: MilpModel): MilpSolution => {
    const sol = solver.solve(model, solveOptions);
    statuses.add(sol.status);
    if (sol.status === 'infeasible' || sol.status === 'other')
      throw new Error(`planner model could not be solved (${sol.detail}); this is a bug, please report it`);
    return sol;
  };
  return { run, statuses, solveOptions };
};

/**
 * Plans one batch: admits jobs by priority tier (higher first), shares contended quota pools
 * between teams by weighted max-min fairness within a tier, then places the admitted set at the
 * least expected cost. Every plan states a lower bound (the LP relaxation of the final placement
 * model, or the engine's MIP bound if tighter) and its gap.
 *
 * Jobs with the same requirement signature form a class and the models count jobs per class and
 * candidate (ADR 0003). Up to `exactColumnLimit` columns the models are solved exactly; past it a
 * greedy pass admits by priority then cost and the placement is the rounded LP optimum.
 */
export const solvePlan = (input: PlanInput, solver: MilpSolver): Plan => {
  // Offers drawn on commitments join the search; each commitment's units left bound its column.
  const committed = bookWithCommitments(input.priceBook, input.commitments, input.nowMs);
  const ctx = candidateContextOf(input, committed.book);
  const commitmentLeft = (id: string): number | null => committed.left.get(id) ?? null;
  const { run, statuses, solveOptions } = modelRunner(input, solver);

  const terms = (team: string): TeamTerms => input.teams.get(team) ?? DEFAULT_TEAM;
  const classes = groupJobClasses(input.jobs);
  const teamNames = [...new Set(classes.map((c) => c.team))].sort();
  const weights = effectiveWeights(
    new Map(teamNames.map((t) => [t, terms(t).weight])),
    input.history,
    input.nowMs,
    {
      ...(input.halfLifeHours !== undefined ? { halfLifeHours: input.halfLifeHours } : {}),
      ...(input.usageScaleVcpuHours !== undefined ? { usageScaleVcpuHours: input.usageScaleVcpuHours } : {}),
    },
  );
  const weightOf = (team: string): number => weights.get(team) ?? terms(team).weight;
  const limitByPool = new Map<string, number | null>();
  const poolLimit = (pool: string): number | null => {
    let limit = limitByPool.get(pool);
    if (limit === undefined) {
      const [region, cls] = pool.split('|') as [string, QuotaClass];
      limit = input.quotaLimit(region, cls);
      limitByPool.set(pool, limit);
    }
    return limit;
  };
  const quota = (c: Candidate): number | null => poolLimit(poolOf(c));

  // Candidates once per pricing signature: classes that differ only in team or priority share
  // them, and jobs with the same hardware and region needs share the offer filtering. A candidate
  // larger than its whole pool can never be chosen.
  const pricedCtx: CandidateContext = { ...ctx, filterCache: new Map() };
  const byPricing = new Map<
    string,
    { options: PricedOptions; model: readonly Candidate[]; usable: readonly Candidate[] }
  >();
  const priced = classes.map((cls) => {
    let found = byPricing.get(cls.pricingSignature);
    if (found === undefined) {
      const options = priceOptions(cls.jobs[0] as JobRequest, pricedCtx);
      const model = options.model();
      const usable = model.filter((c) => {
        const limit = quota(c);
        if (limit !== null && c.vcpus > limit + EPS) return false;
        return (
          c.commitment === undefined || c.commitment.units <= (commitmentLeft(c.commitment.id) ?? 0) + EPS
        );
      });
      found = { options, model, usable };
      byPricing.set(cls.pricingSignature, found);
    }
    return { cls, ...found };
  });
  // A budget binds only if the dearest usable choice for every job of the team could exceed it.
  const worstSpend = new Map<string, number>();
  for (const { cls, usable } of priced) {
    const dearest = usable.reduce((m, c) => Math.max(m, c.expectedCostUsd), 0);
    worstSpend.set(cls.team, (worstSpend.get(cls.team) ?? 0) + dearest * cls.jobs.length);
  }
  const bindingBudget = (team: string): number | null => {
    const left = terms(team).remainingUsd;
    return Number.isFinite(left) && (worstSpend.get(team) ?? 0) > left + EPS ? left : null;
  };
  const limits: ModelLimits = { quota, budget: bindingBudget, commitment: commitmentLeft };
  const slots: ClassSlot[] = priced.map(({ cls, options, model, usable }, id) => {
    // The cheapest candidate in an unlimited pool is always available and uses nothing anyone
    // else needs, and no more of a budget than any dearer one: dearer candidates never help.
    // A candidate drawn on a commitment is limited by the commitment, so it is never that one.
    const open = usable.findIndex((c) => quota(c) === null && c.commitment === undefined);
    const cols = open >= 0 ? usable.slice(0, open + 1) : usable;
    return { id, cls, size: cls.jobs.length, options, model, cols };
  });
  // A class whose only column sits in an unlimited pool, with no budget that binds, competes with
  // nobody: all its jobs run there and it never enters a model.
  const isFree = (s: ClassSlot): boolean =>
    s.cols.length === 1 &&
    quota(s.cols[0] as Candidate) === null &&
    (s.cols[0] as Candidate).commitment === undefined &&
    bindingBudget(s.cls.team) === null;
  const feasible = slots.filter((s) => s.model.length > 0);
  const modelColumns = feasible.reduce((n, s) => (isFree(s) ? n : n + s.cols.length), 0);
  const columnLimit = input.exactColumnLimit ?? DEFAULT_EXACT_COLUMN_LIMIT;
  // A limit of 0 means never exact, even for a batch with nothing to decide.
  const exact = columnLimit > 0 && modelColumns <= columnLimit;
  const tiers = [...new Set(feasible.map((s) => s.cls.priority))].sort((a, b) => b - a);

  const freePlacement: ClassPlacement = new Map();
  let placement: ClassPlacement = new Map();
  const fairLines = new Map<string, FairShareLine>();
  const fairTiers = new Map<string, FairTier[]>();
  const unaffordable = new Map<string, { vcpus: number; jobIds: string[] }>();
  const capsHit = new Map<string, Set<string>>();
  const contendedPools = new Set<string>();
  const admittedEntries = (): ModelEntry[] =>
    feasible.flatMap((s) => {
      const n = placedCount(placement, s.id);
      return n > 0 ? [{ slot: s, lower: n, upper: n, fresh: false, contender: false }] : [];
    });
  // Exact path: a settled tier keeps each team's count of admitted jobs, not the choice of which
  // ones, so a lower tier may swap them (a cheaper job of the same team leaves budget, a smaller
  // one leaves quota). Fixing the choice let an arbitrary tie between equally many jobs starve
  // lower tiers (ADR 0003).
  // A tier whose teams were given fair-share caps keeps each team's count; an uncontended tier
  // keeps only its total, since which team's jobs make it up was not a fairness decision.
  const settled = new Map<number, { perTeam: boolean }>();
  const settledModel = (): { entries: ModelEntry[]; groups: ModelGroup[] } => {
    const bySlots = new Map<string, { count: number; slots: ClassSlot[] }>();
    for (const s of feasible) {
      const tierTerms = settled.get(s.cls.priority);
      if (tierTerms === undefined || isFree(s) || s.cols.length === 0) continue;
      const key = tierTerms.perTeam ? `${s.cls.priority}#${s.cls.team}` : `${s.cls.priority}`;
      const group = bySlots.get(key) ?? { count: 0, slots: [] };
      group.count += placedCount(placement, s.id);
      group.slots.push(s);
      bySlots.set(key, group);
    }
    const entries: ModelEntry[] = [];
    const groups: ModelGroup[] = [];
    for (const [name, { count, slots: members }] of bySlots) {
      if (count === 0) continue;
      for (const slot of members)
        entries.push({ slot, lower: 0, upper: slot.size, fresh: false, contender: false });
      groups.push({ name, lower: count, upper: count, slotIds: new Set(members.map((m) => m.id)) });
    }
    return { entries, groups };
  };

  for (const tier of tiers) {
    const tierSlots = feasible.filter((s) => s.cls.priority === tier);

    // Fair share: in each pool the tier would overfill, split what is left by water-filling.
    const used = usageByPool(placement);
    const demand = new Map<string, Map<string, number>>();
    // A job's demand counts once, in the pool of its cheapest option: a job that could also run
    // elsewhere would otherwise inflate its team's claim on every pool it might use.
    for (const s of tierSlots) {
      const first = s.model[0] as Candidate;
      const pool = poolOf(first);
      // A job its team cannot pay for even on its cheapest option is never admitted: counting it
      // would shrink the other teams' shares for capacity nobody will use. The budget binds first.
      if (s.options.cost(0) > terms(s.cls.team).remainingUsd + EPS) {
        const key = poolTeamKey(pool, s.cls.team);
        const left = unaffordable.get(key) ?? { vcpus: 0, jobIds: [] };
        left.vcpus += first.vcpus * s.size;
        left.jobIds.push(...s.cls.jobs.map((j) => j.jobId));
        unaffordable.set(key, left);
        continue;
      }
      const byTeam = demand.get(pool) ?? new Map<string, number>();
      byTeam.set(s.cls.team, (byTeam.get(s.cls.team) ?? 0) + first.vcpus * s.size);
      demand.set(pool, byTeam);
    }
    const caps = new Map<string, Map<string, number>>();
    for (const [pool, byTeam] of demand) {
      const limit = poolLimit(pool);
      const free = limit === null ? Number.POSITIVE_INFINITY : Math.max(0, limit - (used.get(pool) ?? 0));
      const total = [...byTeam.values()].reduce((a, b) => a + b, 0);
      const overfull = total > free;
      const shares = overfull
        ? waterFill(
            free,
            [...byTeam].map(([team, d]) => ({ id: team, weight: weightOf(team), demand: d })),
          )
        : byTeam;
      // A closed pool (no quota at all) is not contended: nobody can have any of it.
      if (overfull && free > 0) contendedPools.add(pool);
      // Caps matter only between teams; a lone team simply gets what fits.
      if (overfull && free > 0 && byTeam.size >= 2) caps.set(pool, shares);
      // Entitlements add up over tiers: an uncontended tier is entitled to its whole demand.
      for (const [team, share] of shares) {
        const key = `${pool}#${team}`;
        const steps = fairTiers.get(key) ?? [];
        steps.push({ priority: tier, freeVcpus: free, demand: byTeam.get(team) ?? 0, share });
        fairTiers.set(key, steps);
        const prev = fairLines.get(key);
        fairLines.set(key, {
          team,
          weight: weightOf(team),
          resource: `vcpu:${pool.replace('|', ':')}`,
          demand: (prev?.demand ?? 0) + (byTeam.get(team) ?? 0),
          entitlement: (prev?.entitlement ?? 0) + share,
          allocated: 0,
        });
      }
    }

    const contenders: ClassSlot[] = [];
    for (const s of tierSlots) {
      if (isFree(s)) addPlaced(freePlacement, s.id, s.cols[0] as Candidate, s.size);
      else if (s.cols.length > 0) contenders.push(s);
    }
    let chosen: ClassPlacement;
    if (exact) {
      const earlier = settledModel();
      const phaseA = buildClassModel(
        [
          ...earlier.entries,
          ...contenders.map((s) => ({ slot: s, lower: 0, upper: s.size, fresh: true, contender: true })),
        ],
        limits,
        'admit',
        caps,
        new Map(),
        earlier.groups,
      );
      chosen = countsOf(phaseA.columns, run(phaseA.model));
    } else {
      chosen = new Map([...placement].map(([id, list]) => [id, list.map((p) => ({ ...p }))]));
      const room = new Room(limits);
      for (const [id, list] of chosen)
        for (const p of list) room.take(slots[id]?.cls.team ?? '', p.cand, p.count);
      room.capLeft = new Map();
      for (const [pool, byTeam] of caps)
        for (const [team, cap] of byTeam) room.capLeft.set(`${pool}#${team}`, cap);
      if (contenders.length > 0) {
        // The LP relaxation of this tier's admission model (earlier tiers fixed where they are)
        // says which class should take which pool; its whole jobs go first, so a class that could
        // go elsewhere does not take the only pool another class can use.
        const guide = buildClassModel(
          contenders.map((s) => ({ slot: s, lower: 0, upper: s.size, fresh: true, contender: true })),
          fixedLimits(limits, room),
          'admit',
          capsLeft(room),
        );
        const lp = run(relaxedOf(guide.model));
        guide.columns.forEach(({ entry, cand }, i) => {
          const n = room.fits(entry.slot.cls.team, cand, Math.floor((lp.x[i] ?? 0) + EPS));
          if (n <= 0) return;
          room.take(entry.slot.cls.team, cand, n);
          addPlaced(chosen, entry.slot.id, cand, n);
        });
      }
      // Small, cheap jobs first: within a tier the count of admitted jobs comes before their cost.
      const order = [...contenders].sort(
        (a, b) =>
          (a.cols[0]?.vcpus ?? 0) - (b.cols[0]?.vcpus ?? 0) ||
          (a.cols[0]?.expectedCostUsd ?? 0) - (b.cols[0]?.expectedCostUsd ?? 0) ||
          a.cls.firstSeen - b.cls.firstSeen,
      );
      for (const s of order) fillClass(s, s.size - placedCount(chosen, s.id), room, chosen);
      room.capLeft = null;
      if (caps.size > 0) {
        const rank = leftoverRank(tierSlots, chosen, slots, caps, weightOf);
        const byRank = [...order].sort((a, b) => (rank.get(b.cls.team) ?? 0) - (rank.get(a.cls.team) ?? 0));
        const afterA = new Map(contenders.map((s) => [s.id, placedCount(chosen, s.id)]));
        for (const s of byRank) fillClass(s, s.size - placedCount(chosen, s.id), room, chosen);
        noteCapsHit(contenders, afterA, caps, capsHit);
      }
    }
    if (exact && caps.size > 0) {
      // Work-conserving: capacity a capped team could not use goes to whoever can use it.
      // Leftover goes first to the team with the least weighted allocation in the contended
      // pools (higher weight first on ties), then to the cheapest jobs.
      const rank = leftoverRank(tierSlots, chosen, slots, caps, weightOf);
      const afterA = new Map(contenders.map((s) => [s.id, placedCount(chosen, s.id)]));
      // Earlier tiers' counts per team come from `placement`; phase A's swaps among them are
      // open again here, the same freedom under the same counts.
      const earlier = settledModel();
      const keep = [
        ...earlier.entries,
        ...contenders.map((s) => ({
          slot: s,
          lower: placedCount(chosen, s.id),
          upper: s.size,
          fresh: true,
          contender: false,
        })),
      ];
      const phaseB = buildClassModel(keep, limits, 'admit', new Map(), rank, earlier.groups);
      chosen = countsOf(phaseB.columns, run(phaseB.model));
      noteCapsHit(contenders, afterA, caps, capsHit);
    }
    placement = chosen;
    settled.set(tier, { perTeam: caps.size > 0 });
  }

  // Final placement at least cost for the admitted set, and its LP relaxation as the lower bound.
  // Re-placing can free room in a pool; waiting jobs that now fit are admitted (by priority) and
  // the placement is solved again (on the heuristic path: improved greedily), so no capacity is
  // left idle that a waiting job could use.
  let relaxedObjective = 0;
  let mipBound = Number.NEGATIVE_INFINITY;
  if (exact) {
    for (let round = 0; ; round++) {
      const all = settledModel();
      const final = buildClassModel(all.entries, limits, 'cost', new Map(), new Map(), all.groups);
      relaxedObjective = run(relaxedOf(final.model)).objective;
      const sol = run(final.model);
      mipBound = sol.bound ?? Number.NEGATIVE_INFINITY;
      placement = countsOf(final.columns, sol);
      const added = topUp(slots, feasible, placement, freePlacement, limits, isFree);
      if (added.jobs === 0 || round >= 3) break;
    }
  } else {
    // The greedy placement is feasible; the rounded LP optimum is usually within a hair of the
    // bound. Only when neither is close does the engine search, stopping at the target gap.
    const entries = admittedEntries();
    const final = buildClassModel(entries, limits, 'cost');
    const relaxed = run(relaxedOf(final.model));
    relaxedObjective = relaxed.objective;
    cheapen(placement, slots, limits);
    const rounded = roundLpPlacement(final.columns, relaxed.x, limits);
    if (rounded !== null) {
      cheapen(rounded, slots, limits);
      if (costOf(rounded) < costOf(placement)) placement = rounded;
    }
    const gapOf = (cost: number) => (cost > 0 ? (cost - relaxed.objective) / cost : 0);
    if (gapOf(costOf(placement)) > HEURISTIC_TARGET_GAP) {
      const sol = solver.solve(final.model, { ...solveOptions, relativeGap: HEURISTIC_TARGET_GAP });
      statuses.add(sol.status);
      const searched = countsOf(final.columns, sol);
      const complete = entries.every((e) => placedCount(searched, e.slot.id) === e.lower);
      if ((sol.status === 'optimal' || sol.status === 'time-limit') && complete) {
        if (costOf(searched) < costOf(placement)) placement = searched;
        mipBound = sol.bound ?? mipBound;
      }
    }
    // Jobs the top-up admits need no new LP for the bound: every constraint is a packing row, so
    // any placement of the larger set costs at least the bound for the old set plus each added
    // job at its cheapest usable candidate.
    let addedFloor = 0;
    for (let round = 0; round < 4; round++) {
      const added = topUp(slots, feasible, placement, freePlacement, limits, isFree);
      if (added.jobs === 0) break;
      addedFloor += added.floorUsd;
      cheapen(placement, slots, limits);
    }
    relaxedObjective += addedFloor;
    mipBound += addedFloor;
  }
  const freeCost = costOf(freePlacement);
  const planCost = costOf(placement) + freeCost;
  const lowerBound = Math.min(planCost, freeCost + Math.max(relaxedObjective, mipBound));

  for (const [id, list] of freePlacement) for (const p of list) addPlaced(placement, id, p.cand, p.count);
  const jobCount = input.jobs.length;
  return buildPlanRecord({
    input,
    slots,
    placement,
    fairLines,
    fairTiers,
    unaffordable,
    contendedPools,
    capsHit,
    weightOf,
    poolLimit,
    planCost,
    lowerBound,
    solver: exact
      ? {
          method: `${solver.name}: exact MILP over ${slots.length} job classes (${jobCount} jobs): priority tiers, fair-share caps, least-cost placement`,
          status: [...statuses].sort().join(',') || 'optimal',
        }
      : {
          method: `heuristic over ${slots.length} job classes (${jobCount} jobs; ${modelColumns} columns, exact limit ${columnLimit}): greedy by priority then cost, fair-share caps, LP-rounded placement; bound from the ${solver.name} LP relaxation`,
          status: ['heuristic', ...[...statuses].sort()].join(','),
        },
  });
};

/** Limits with what a placement already holds taken off: room left per pool and per budget. */
const fixedLimits = (limits: ModelLimits, room: Room): ModelLimits => ({
  quota: (c) => {
    const limit = limits.quota(c);
    return limit === null ? null : Math.max(0, limit - (room.poolUse.get(poolOf(c)) ?? 0));
  },
  budget: (team) => {
    const budget = limits.budget(team);
    return budget === null ? null : Math.max(0, budget - (room.spend.get(team) ?? 0));
  },
  commitment: (id) => {
    const left = limits.commitment?.(id) ?? null;
    return left === null ? null : Math.max(0, left - (room.commitmentUse.get(id) ?? 0));
  },
});

/** Fair-share caps still open, per pool and team. */
const capsLeft = (room: Room): Map<string, Map<string, number>> => {
  const out = new Map<string, Map<string, number>>();
  for (const [key, left] of room.capLeft ?? []) {
    const at = key.indexOf('#');
    const pool = key.slice(0, at);
    const byTeam = out.get(pool) ?? new Map<string, number>();
    byTeam.set(key.slice(at + 1), Math.max(0, left));
    out.set(pool, byTeam);
  }
  return out;
};

/**
 * Order in which leftover capacity goes to the tier's teams: the team with the least weighted
 * allocation in the contended pools gets the highest rank (higher weight first on ties).
 */
const leftoverRank = (
  tierSlots: readonly ClassSlot[],
  chosen: ClassPlacement,
  slots: readonly ClassSlot[],
  caps: ReadonlyMap<string, unknown>,
  weightOf: (team: string) => number,
): Map<string, number> => {
  const weighted = new Map<string, number>();
  for (const s of tierSlots) weighted.set(s.cls.team, 0);
  for (const [id, list] of chosen) {
    const team = slots[id]?.cls.team;
    if (team === undefined || !weighted.has(team)) continue;
    for (const { cand, count } of list)
      if (caps.has(poolOf(cand))) weighted.set(team, (weighted.get(team) ?? 0) + cand.vcpus * count);
  }
  const order = [...weighted.keys()].sort((a, b) => {
    const wa = weightOf(a);
    const wb = weightOf(b);
    return (weighted.get(b) ?? 0) / wb - (weighted.get(a) ?? 0) / wa || wa - wb || (a < b ? 1 : -1);
  });
  return new Map(order.map((team, i) => [team, i] as const));
};

/** Remembers the teams whose jobs the fair-share caps kept out of a contended pool. */
const noteCapsHit = (
  contenders: readonly ClassSlot[],
  placedUnderCaps: ReadonlyMap<number, number>,
  caps: ReadonlyMap<string, unknown>,
  capsHit: Map<string, Set<string>>,
): void => {
  for (const s of contenders) {
    if ((placedUnderCaps.get(s.id) ?? 0) >= s.size) continue;
    const pools = new Set(s.model.map(poolOf));
    for (const pool of caps.keys()) {
      if (pools.has(pool)) {
        const hit = capsHit.get(pool) ?? new Set<string>();
        hit.add(s.cls.team);
        capsHit.set(pool, hit);
      }
    }
  }
};

/**
 * Admits waiting jobs, highest priority first, that fit the room the placement left; returns how
 * many, and what they would cost at least (each on its class's cheapest usable candidate).
 */
const topUp = (
  slots: readonly ClassSlot[],
  feasible: readonly ClassSlot[],
  placement: ClassPlacement,
  freePlacement: ClassPlacement,
  limits: ModelLimits,
  isFree: (s: ClassSlot) => boolean,
): { jobs: number; floorUsd: number } => {
  const room = new Room(limits);
  for (const p of [placement, freePlacement])
    for (const [id, list] of p) {
      const team = slots[id]?.cls.team ?? '';
      for (const { cand, count } of list) room.take(team, cand, count);
    }
  const waiting = feasible
    .filter((s) => !isFree(s) && placedCount(placement, s.id) < s.size)
    .sort((a, b) => b.cls.priority - a.cls.priority || a.cls.firstSeen - b.cls.firstSeen);
  let jobs = 0;
  let floorUsd = 0;
  for (const s of waiting) {
    const n = fillClass(s, s.size - placedCount(placement, s.id), room, placement, s.model);
    jobs += n;
    floorUsd += n * (s.cols[0]?.expectedCostUsd ?? 0);
  }
  return { jobs, floorUsd };
};
