import { compareCandidates, poolOf, poolTeamKey } from './candidates.js';
import type { ClassPlacement, ClassSlot } from './class-model.js';
import { type FairTier, fairShareNote, type HeldJob } from './fair-share-note.js';
import type {
  Allocation,
  Binding,
  Candidate,
  DecisionRecord,
  FairShareLine,
  Plan,
  WaitingJob,
} from './plan.js';
import type { PlanInput } from './plan-input.js';
import { summarisePlan } from './plan-summary.js';

const EPS = 1e-6;
const round2 = (v: number): number => Math.round(v * 100) / 100;

/** What the solver decided, per class, and the context needed to explain it per job. */
export interface PlanOutcome {
  readonly input: PlanInput;
  readonly slots: readonly ClassSlot[];
  /** Every placed job, free classes included. */
  readonly placement: ClassPlacement;
  readonly fairLines: ReadonlyMap<string, FairShareLine>;
  /** Per `pool#team`: the tiers that shared the pool out, in order. */
  readonly fairTiers?: ReadonlyMap<string, readonly FairTier[]>;
  /** Per `pool#team`: demand left out of the fair share because the budget cannot pay for it. */
  readonly unaffordable?: ReadonlyMap<string, { readonly vcpus: number; readonly jobIds: readonly string[] }>;
  readonly contendedPools: ReadonlySet<string>;
  readonly capsHit: ReadonlyMap<string, ReadonlySet<string>>;
  readonly weightOf: (team: string) => number;
  readonly poolLimit: (pool: string) => number | null;
  readonly planCost: number;
  readonly lowerBound: number;
  readonly solver: Plan['solver'];
}

/**
 * Turns class counts into the per-job plan: within a class the jobs take the class's places in
 * jobId order, cheapest candidate first (they are interchangeable, so any order is optimal; this
 * one is reproducible). Output lists follow the input order of the jobs.
 */
export const buildPlanRecord = (o: PlanOutcome): Plan => {
  const { input, slots, placement } = o;
  const terms = (team: string) => input.teams.get(team);
  const chosenByInput = new Array<Candidate | null>(input.jobs.length).fill(null);
  const classOfInput = new Array<ClassSlot>(input.jobs.length);
  const poolUse = new Map<string, number>();
  const poolTeamUse = new Map<string, number>();
  const teamUse = new Map<string, number>();
  const teamSpend = new Map<string, number>();
  for (const slot of slots) {
    slot.cls.inputIndex.forEach((i) => {
      classOfInput[i] = slot;
    });
    const list = [...(placement.get(slot.id) ?? [])].sort((a, b) => compareCandidates(a.cand, b.cand));
    let next = 0;
    const team = slot.cls.team;
    for (const { cand, count } of list) {
      for (let k = 0; k < count; k++) {
        const idx = slot.cls.inputIndex[next++];
        if (idx !== undefined) chosenByInput[idx] = cand;
      }
      const pool = poolOf(cand);
      poolUse.set(pool, (poolUse.get(pool) ?? 0) + cand.vcpus * count);
      const share = poolTeamKey(pool, team);
      poolTeamUse.set(share, (poolTeamUse.get(share) ?? 0) + cand.vcpus * count);
      teamUse.set(team, (teamUse.get(team) ?? 0) + cand.vcpus * count);
      teamSpend.set(team, (teamSpend.get(team) ?? 0) + cand.expectedCostUsd * count);
    }
  }

  // Remaining room after the plan names what keeps each waiting job out. Room per pool is final
  // here, so it is worked out once per pool rather than per option of every waiting class.
  const freeByPool = new Map<string, number>();
  const freeIn = (pool: string): number => {
    let free = freeByPool.get(pool);
    if (free === undefined) {
      const limit = o.poolLimit(pool);
      free = limit === null ? Number.POSITIVE_INFINITY : limit - (poolUse.get(pool) ?? 0);
      freeByPool.set(pool, free);
    }
    return free;
  };
  const bindingFor = (slot: ClassSlot): Binding => {
    const options = slot.options;
    if (options.size === 0)
      return {
        kind: 'no-feasible-offer',
        constraint: 'offers',
        detail: options.emptyReason ?? 'no feasible offer',
      };
    const team = slot.cls.team;
    const budgetLeft = (terms(team)?.remainingUsd ?? Number.POSITIVE_INFINITY) - (teamSpend.get(team) ?? 0);
    // Options are cheapest first: the first one the quota blocks, and the first it does not.
    let firstBlocked = -1;
    let firstFitting = -1;
    for (let i = 0; i < options.size && (firstBlocked < 0 || firstFitting < 0); i++) {
      if (freeIn(options.pool(i)) + EPS < options.vcpus(i)) {
        if (firstBlocked < 0) firstBlocked = i;
      } else if (firstFitting < 0) firstFitting = i;
    }
    const blocked = Math.max(firstBlocked, 0);
    const pool = options.pool(blocked);
    const need = options.vcpus(blocked);
    const constraint = `quota:${pool.replace('|', ':')}`;
    const poolLimit = o.poolLimit(pool);
    const free = Math.max(
      0,
      poolLimit === null ? Number.POSITIVE_INFINITY : poolLimit - (poolUse.get(pool) ?? 0),
    );
    // Money binds before room: a job its team cannot pay for on any option waits on the budget
    // even where the quota is full too, since freeing the quota would not let it run.
    if (budgetLeft + EPS < options.cost(0)) {
      const period = terms(team)?.remainingUsd ?? Number.POSITIVE_INFINITY;
      const left =
        period - budgetLeft > EPS
          ? `${round2(Math.max(0, budgetLeft))} USD left after this plan's other jobs (${round2(period)} this period)`
          : `${round2(Math.max(0, budgetLeft))} USD left`;
      return {
        kind: 'budget',
        constraint: `budget:${team}`,
        detail:
          firstFitting >= 0
            ? `team ${team} has ${left}; the cheapest fitting option costs ${round2(options.cost(firstFitting))} USD`
            : `team ${team} has ${left}; the cheapest option costs ${round2(options.cost(0))} USD, and ${pool.replace('|', ' ')} is full too (${free} vCPU free, it needs ${need})`,
      };
    }
    if (o.capsHit.get(pool)?.has(team)) {
      return {
        kind: 'fair-share',
        constraint,
        detail: `${pool.replace('|', ' ')} is contended: team ${team}'s fair share is ${round2(
          o.fairLines.get(`${pool}#${team}`)?.entitlement ?? 0,
        )} vCPU and it holds ${poolTeamUse.get(`${pool}#${team}`) ?? 0}; ${free} vCPU free, the job needs ${need}`,
      };
    }
    if (firstFitting < 0) {
      return {
        kind: 'quota',
        constraint,
        detail: `${pool.replace('|', ' ')} quota has ${free} vCPU free; the cheapest option needs ${need}`,
      };
    }
    return {
      kind: 'priority',
      constraint: 'priority',
      detail: 'quota and budget left after higher-priority jobs fit no combination that admits it',
    };
  };

  const keep = input.decisionCandidates ?? 5;
  // Jobs of a class share their candidate lists and binding: one object per class (and chosen
  // candidate), not per job, keeps a 100,000-job record cheap.
  const shownByClass = new Map<number, readonly Candidate[]>();
  const shownWithChosen = new Map<Candidate, readonly Candidate[]>();
  const bindingByClass = new Map<number, Binding>();
  const allocations: Allocation[] = [];
  const waiting: WaitingJob[] = [];
  const decisions: DecisionRecord[] = [];
  const priceBookId = input.priceBook.id;
  const priceBookAsOf = input.priceBook.asOf;
  const allocationInterruptible: boolean[] = [];
  const waitingInterruptible: boolean[] = [];
  const waitingCheapestUsd: number[] = [];
  const facts = new PoolFacts(o.contendedPools);
  for (let i = 0; i < input.jobs.length; i++) {
    const job = input.jobs[i] as PlanInput['jobs'][number];
    const slot = classOfInput[i] as ClassSlot;
    const chosen = chosenByInput[i] ?? null;
    let binding: Binding | null = null;
    if (chosen !== null) {
      allocations.push(allocationOf(chosen, job));
      allocationInterruptible.push(job.runtime.interruptible);
    } else {
      binding = bindingByClass.get(slot.id) ?? bindingFor(slot);
      bindingByClass.set(slot.id, binding);
      waiting.push({ jobId: job.jobId, team: job.team, reason: binding.detail, binding });
      waitingInterruptible.push(job.runtime.interruptible);
      waitingCheapestUsd.push(slot.options.size > 0 ? slot.options.cost(0) : Number.POSITIVE_INFINITY);
    }
    facts.note(job, slot, chosen, binding);
    let shown = shownByClass.get(slot.id);
    if (shown === undefined) {
      shown = slot.options.top(keep);
      shownByClass.set(slot.id, shown);
    }
    if (chosen !== null && !shown.includes(chosen)) {
      let withChosen = shownWithChosen.get(chosen);
      if (withChosen === undefined) {
        withChosen = [...shown, chosen].sort(compareCandidates);
        shownWithChosen.set(chosen, withChosen);
      }
      shown = withChosen;
    }
    decisions.push({
      jobId: job.jobId,
      team: job.team,
      candidatesConsidered: slot.options.size,
      candidates: shown,
      chosen,
      binding,
      priceBookId,
      priceBookAsOf,
    });
  }

  const onDemandEquivalentUsd = allocations.reduce((s, a) => s + a.onDemandEquivalentUsd, 0);
  const expectedCostUsd = o.planCost;
  // Hours drawn on commitments cost the plan nothing, but they were bought: savings count them at
  // their effective rate, so a plan never looks cheaper than what the account pays (ADR 0015).
  const committedUsd = allocations.reduce((s, a) => s + (a.commitment?.effectiveCostUsd ?? 0), 0);
  const paidUsd = expectedCostUsd + committedUsd;
  const summary = summarisePlan({
    allocations,
    waiting,
    allocationInterruptible,
    waitingInterruptible,
    waitingCheapestUsd,
    periodLeftUsd: (team) => terms(team)?.remainingUsd ?? Number.POSITIVE_INFINITY,
    plannedUsd: (team) => teamSpend.get(team) ?? 0,
  });
  return {
    priceBook: { id: input.priceBook.id, source: input.priceBook.source, asOf: input.priceBook.asOf },
    allocations,
    waiting,
    fairShare: fairShareLines(o, poolTeamUse, teamUse, facts),
    totals: {
      expectedCostUsd,
      onDemandEquivalentUsd,
      savingsPct: onDemandEquivalentUsd > 0 ? (1 - paidUsd / onDemandEquivalentUsd) * 100 : 0,
      ...(committedUsd > 0 ? { committedUsd } : {}),
      lowerBoundUsd: o.lowerBound,
      gapPct: expectedCostUsd > 0 ? ((expectedCostUsd - o.lowerBound) / expectedCostUsd) * 100 : 0,
    },
    decisions,
    solver: o.solver,
    summary,
  };
};

const poolLabel = (pool: string): string => pool.replace('|', ' ');

/**
 * Per team and contended pool, the jobs a fair-share note speaks of: those placed there, and
 * those whose demand counted there (the pool of their cheapest option) that run elsewhere or wait.
 */
class PoolFacts {
  readonly held = new Map<string, HeldJob[]>();
  readonly elsewhere = new Map<string, { jobId: string; pool: string }[]>();
  readonly waiting = new Map<string, { jobId: string; vcpus: number }[]>();

  constructor(private readonly contended: ReadonlySet<string>) {}

  note(job: PlanInput['jobs'][number], slot: ClassSlot, chosen: Candidate | null, binding: Binding | null) {
    if (this.contended.size === 0) return;
    const team = job.team;
    if (chosen !== null && this.contended.has(poolOf(chosen)))
      push(this.held, poolTeamKey(poolOf(chosen), team), {
        jobId: job.jobId,
        vcpus: chosen.vcpus,
        nodes: chosen.nodes,
        priority: job.priority,
      });
    const first = slot.model[0];
    if (first === undefined || !this.contended.has(poolOf(first))) return;
    const key = poolTeamKey(poolOf(first), team);
    if (chosen !== null && poolOf(chosen) !== poolOf(first))
      push(this.elsewhere, key, { jobId: job.jobId, pool: poolLabel(poolOf(chosen)) });
    // A job waiting on its budget is explained by the budget, not by the share.
    else if (chosen === null && binding?.kind !== 'budget')
      push(this.waiting, key, { jobId: job.jobId, vcpus: first.vcpus });
  }
}

const push = <T>(map: Map<string, T[]>, key: string, value: T): void => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};

/** An allocation record; fields copied one by one, which is much cheaper than a spread. */
const allocationOf = (c: Candidate, job: PlanInput['jobs'][number]): Allocation => ({
  offerId: c.offerId,
  instanceType: c.instanceType,
  region: c.region,
  availabilityZone: c.availabilityZone,
  purchaseOption: c.purchaseOption,
  quotaClass: c.quotaClass,
  nodes: c.nodes,
  unitPriceUsdPerHour: c.unitPriceUsdPerHour,
  expectedHours: c.expectedHours,
  expectedCostUsd: c.expectedCostUsd,
  onDemandEquivalentUsd: c.onDemandEquivalentUsd,
  vcpus: c.vcpus,
  spotPriceImplied: c.spotPriceImplied,
  jobId: job.jobId,
  team: job.team,
  project: job.project,
  priority: job.priority,
  ...(c.commitment !== undefined ? { commitment: c.commitment } : {}),
});

/** Per team: the contended pools with their entitlements, or one all-pools line when nothing was contended. */
const fairShareLines = (
  o: PlanOutcome,
  poolTeamUse: ReadonlyMap<string, number>,
  teamUse: ReadonlyMap<string, number>,
  facts: PoolFacts,
): FairShareLine[] => {
  const out: FairShareLine[] = [];
  for (const [key, line] of [...o.fairLines].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const pool = key.slice(0, key.indexOf('#'));
    if (!o.contendedPools.has(pool)) continue;
    const held = { ...line, allocated: poolTeamUse.get(key) ?? 0 };
    const unaffordable = o.unaffordable?.get(key);
    const note = fairShareNote({
      line: held,
      tiers: o.fairTiers?.get(key) ?? [],
      held: facts.held.get(key) ?? [],
      elsewhere: facts.elsewhere.get(key) ?? [],
      waiting: facts.waiting.get(key) ?? [],
      ...(unaffordable !== undefined ? { unaffordable } : {}),
    });
    out.push(note !== undefined ? { ...held, note } : held);
  }
  if (out.length > 0) return out;
  const demand = new Map<string, number>();
  for (const s of o.slots) {
    const d = s.model.length > 0 ? Math.min(...s.model.map((c) => c.vcpus)) * s.size : 0;
    demand.set(s.cls.team, (demand.get(s.cls.team) ?? 0) + d);
  }
  for (const team of [...demand.keys()].sort()) {
    const d = demand.get(team) ?? 0;
    out.push({
      team,
      weight: o.weightOf(team),
      resource: 'vcpu:all',
      demand: d,
      entitlement: d,
      allocated: teamUse.get(team) ?? 0,
    });
  }
  return out;
};
