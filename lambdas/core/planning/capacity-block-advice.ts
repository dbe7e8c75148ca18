import type { CapacityBlockOffering } from '../commitments/capacity-block-offering.js';
import type { JobRequest } from '../jobs/job-request.js';
import type { CostModelConfig } from '../pricing/cost-model.js';
import type { PriceBook } from '../pricing/offer.js';
import { type CapacityBlockRejection, capacityBlockFit, instanceSpecs } from './capacity-block-fit.js';
import type { Binding, Plan } from './plan.js';

/**
 * Whether buying a Capacity Block for ML would serve a plan's deadline jobs better than what the
 * plan did with them (ADR 0017). Advice only: nothing here or downstream buys a block.
 *
 * A job is advised when it has a deadline and the plan either left it waiting or placed it on
 * on-demand capacity at list price (spot is already the cheap way, and a job on a commitment costs
 * nothing more). For a placed job the block must cost less than its planned run; for a waiting job
 * the block is the only way this plan sees to meet the deadline, so its fee is the price of meeting it.
 */

export interface CapacityBlockAdviceInput {
  readonly plan: Pick<Plan, 'allocations' | 'waiting'>;
  /** The plan's job requests (deadline, hardware, run length, nodes). */
  readonly jobs: readonly JobRequest[];
  readonly offerings: readonly CapacityBlockOffering[];
  /** Says what hardware each offered type holds. */
  readonly priceBook: PriceBook;
  /** The planning instant, ms since the epoch: a block must not start before it. */
  readonly nowMs: number;
  /** The plan's region limit, if it had one. */
  readonly regions?: readonly string[];
  readonly config?: CostModelConfig;
}

export type CapacityBlockDecision = 'buy' | 'do-not-buy';

export interface CapacityBlockAdviceJob {
  readonly jobId: string;
  readonly team: string;
  readonly nodes: number;
  readonly deadline: string;
  /** What the plan did with it. */
  readonly planned: 'on-demand' | 'waiting';
  /** Its planned expected cost, USD to the cent; `null` while it waits. */
  readonly plannedCostUsd: number | null;
  /** Hours it would hold the advised block (one start-up and its run); `null` without one. */
  readonly blockHours: number | null;
}

/** Why one offering cannot take the job, for a line that found none. */
export interface CapacityBlockMiss {
  readonly offeringId: string;
  readonly rejection: CapacityBlockRejection;
  readonly detail: string;
}

/** The advice for one job, or for jobs that would share one block side by side. */
export interface CapacityBlockAdviceLine {
  readonly decision: CapacityBlockDecision;
  /** Placed jobs and waiting jobs are never mixed in one line, so its figures mean one thing. */
  readonly planned: 'on-demand' | 'waiting';
  readonly jobs: readonly CapacityBlockAdviceJob[];
  /** The block advised, or the cheapest that fits when it is not worth buying; `null` when none fits. */
  readonly offering: CapacityBlockOffering | null;
  readonly feeUsd: number | null;
  /** The jobs' planned cost together, USD to the cent; `null` for waiting jobs. */
  readonly plannedCostUsd: number | null;
  /** Planned cost less the fee, USD to the cent (below 0: the block is dearer); `null` without both. */
  readonly savingUsd: number | null;
  readonly reason: string;
  /** Offerings of a type the job can use that do not fit it, and why; empty when one fits. */
  readonly misses: readonly CapacityBlockMiss[];
}

export interface CapacityBlockAdvice {
  readonly offeringsConsidered: number;
  /** Buy lines first (waiting jobs first, then the largest saving), then the rest by job id. */
  readonly lines: readonly CapacityBlockAdviceLine[];
  /** Advised jobs no offering has a type for, by job id: no line, as there is nothing to price. */
  readonly noMatchingType: readonly string[];
  /** Fees of the buy lines together, USD. */
  readonly buyFeeUsd: number;
  /** Savings of the buy lines for placed jobs together, USD. */
  readonly buySavingUsd: number;
}

interface Subject {
  readonly job: JobRequest;
  readonly team: string;
  readonly planned: 'on-demand' | 'waiting';
  readonly plannedCostUsd: number | null;
  readonly binding: Binding | null;
  /** Offering id → hours the job would hold it, for every offering that fits. */
  readonly fits: ReadonlyMap<string, number>;
  readonly misses: readonly CapacityBlockMiss[];
  readonly typeMatches: boolean;
}

interface Group {
  readonly offering: CapacityBlockOffering;
  readonly planned: 'on-demand' | 'waiting';
  readonly members: readonly Subject[];
  readonly plannedCostUsd: number | null;
  readonly savingUsd: number | null;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const money = (usd: number): string => usd.toFixed(2);

/** The advice for a plan: see the module comment, and ADR 0017 for the grouping rule. */
export const capacityBlockAdvice = (input: CapacityBlockAdviceInput): CapacityBlockAdvice => {
  const subjects = subjectsOf(input);
  const offerings = [...input.offerings].sort((a, b) => byText(a.id, b.id));
  const used = new Set<string>();
  const assigned = new Set<string>();
  const lines: CapacityBlockAdviceLine[] = [];

  // Greedy: take the best group any unused offering can hold, fix it, repeat. Waiting jobs come
  // first (a missed deadline is not weighed in money), then the largest saving.
  for (;;) {
    let best: Group | null = null;
    for (const o of offerings) {
      if (used.has(o.id)) continue;
      for (const planned of ['waiting', 'on-demand'] as const) {
        const g = pack(o, planned, subjects, assigned);
        if (g !== null && (best === null || better(g, best))) best = g;
      }
    }
    if (best === null) break;
    used.add(best.offering.id);
    for (const s of best.members) assigned.add(s.job.jobId);
    lines.push(buyLine(best));
  }

  const noMatchingType: string[] = [];
  for (const s of subjects) {
    if (assigned.has(s.job.jobId)) continue;
    if (!s.typeMatches) noMatchingType.push(s.job.jobId);
    else lines.push(notBuyLine(s, offerings, used));
  }
  lines.sort(lineOrder);
  const buys = lines.filter((l) => l.decision === 'buy');
  return {
    offeringsConsidered: input.offerings.length,
    lines,
    noMatchingType: noMatchingType.sort(byText),
    buyFeeUsd: cents(buys.reduce((s, l) => s + (l.feeUsd ?? 0), 0)),
    buySavingUsd: cents(buys.reduce((s, l) => s + (l.savingUsd ?? 0), 0)),
  };
};

/** The deadline jobs the plan left waiting or placed on list-price on-demand, with every offering tried. */
const subjectsOf = (input: CapacityBlockAdviceInput): Subject[] => {
  const specs = instanceSpecs(input.priceBook);
  const byId = new Map(input.jobs.map((j) => [j.jobId, j]));
  const found: Array<Omit<Subject, 'fits' | 'misses' | 'typeMatches'>> = [];
  for (const a of input.plan.allocations) {
    const job = byId.get(a.jobId);
    if (job?.runtime.deadline === undefined || a.purchaseOption !== 'on-demand' || a.commitment !== undefined)
      continue;
    found.push({
      job,
      team: a.team,
      planned: 'on-demand',
      plannedCostUsd: cents(a.expectedCostUsd),
      binding: null,
    });
  }
  for (const w of input.plan.waiting) {
    const job = byId.get(w.jobId);
    if (job?.runtime.deadline === undefined) continue;
    found.push({ job, team: w.team, planned: 'waiting', plannedCostUsd: null, binding: w.binding });
  }
  return found
    .sort((a, b) => byText(a.job.jobId, b.job.jobId))
    .map((s) => {
      const fits = new Map<string, number>();
      const misses: CapacityBlockMiss[] = [];
      let typeMatches = false;
      for (const o of input.offerings) {
        const fit = capacityBlockFit(s.job, o, specs.get(o.instanceType), input.nowMs, {
          ...(input.regions !== undefined ? { regions: input.regions } : {}),
          ...(input.config !== undefined ? { config: input.config } : {}),
        });
        if (fit.ok) fits.set(o.id, fit.hours);
        else if (fit.rejection !== 'unknown-type' && fit.rejection !== 'wrong-type')
          misses.push({ offeringId: o.id, rejection: fit.rejection, detail: fit.detail });
        if (fit.ok || (fit.rejection !== 'unknown-type' && fit.rejection !== 'wrong-type'))
          typeMatches = true;
      }
      misses.sort((a, b) => byText(a.offeringId, b.offeringId));
      return { ...s, fits, misses, typeMatches };
    });
};

/** A waiting job whose team's budget holds it back would overspend with a block too. */
const buyable = (s: Subject): boolean => s.binding?.kind !== 'budget';

/**
 * The jobs of one kind an offering would hold side by side: every unassigned job that fits it on
 * its own, the dearest (or, waiting, the soonest due) first, while their nodes fit its instances.
 * An on-demand group is kept only when the block costs less than the jobs' planned runs.
 */
const pack = (
  o: CapacityBlockOffering,
  planned: 'on-demand' | 'waiting',
  subjects: readonly Subject[],
  assigned: ReadonlySet<string>,
): Group | null => {
  const fitting = subjects
    .filter((s) => s.planned === planned && buyable(s) && !assigned.has(s.job.jobId) && s.fits.has(o.id))
    .sort((a, b) =>
      planned === 'on-demand'
        ? (b.plannedCostUsd ?? 0) - (a.plannedCostUsd ?? 0) || byText(a.job.jobId, b.job.jobId)
        : byText(a.job.runtime.deadline ?? '', b.job.runtime.deadline ?? '') ||
          byText(a.job.jobId, b.job.jobId),
    );
  const members: Subject[] = [];
  let nodes = 0;
  for (const s of fitting)
    if (nodes + s.job.resources.nodes <= o.instanceCount) {
      members.push(s);
      nodes += s.job.resources.nodes;
    }
  if (members.length === 0) return null;
  if (planned === 'waiting') return { offering: o, planned, members, plannedCostUsd: null, savingUsd: null };
  const plannedCostUsd = cents(members.reduce((sum, s) => sum + (s.plannedCostUsd ?? 0), 0));
  const savingUsd = cents(plannedCostUsd - o.upfrontFeeUsd);
  return savingUsd > 0 ? { offering: o, planned, members, plannedCostUsd, savingUsd } : null;
};

/** Waiting groups before placed ones; then more jobs and a lower fee, or a larger saving; then id. */
const better = (a: Group, b: Group): boolean => {
  if (a.planned !== b.planned) return a.planned === 'waiting';
  const d =
    a.planned === 'waiting'
      ? b.members.length - a.members.length || a.offering.upfrontFeeUsd - b.offering.upfrontFeeUsd
      : (b.savingUsd ?? 0) - (a.savingUsd ?? 0);
  return (d || byText(a.offering.id, b.offering.id)) < 0;
};

const adviceJob = (s: Subject, offeringId: string | null): CapacityBlockAdviceJob => ({
  jobId: s.job.jobId,
  team: s.team,
  nodes: s.job.resources.nodes,
  deadline: s.job.runtime.deadline ?? '',
  planned: s.planned,
  plannedCostUsd: s.plannedCostUsd,
  blockHours: offeringId === null ? null : (s.fits.get(offeringId) ?? null),
});

/** `2026-11-27T11:30:00.000Z` → `2026-11-27 11:30Z`: blocks start and end on the minute. */
const minute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')}Z`;

const windowText = (o: CapacityBlockOffering): string =>
  `${o.instanceCount} × ${o.instanceType} in ${o.availabilityZone}, ${minute(o.start)} to ${minute(o.end)}`;

const buyLine = (g: Group): CapacityBlockAdviceLine => {
  const o = g.offering;
  const nodes = g.members.reduce((n, s) => n + s.job.resources.nodes, 0);
  const ids = g.members.map((s) => s.job.jobId).join(', ');
  const shared =
    g.members.length > 1
      ? `; ${g.members.length} jobs side by side on ${nodes} of its instances: ${ids}`
      : '';
  const bindings = [...new Set(g.members.map((s) => s.binding?.constraint ?? 'waiting'))].join(', ');
  const reason =
    g.planned === 'waiting'
      ? `waits on ${bindings}: only a block meets its deadline, and ${money(o.upfrontFeeUsd)} USD is the price of meeting it; ${windowText(o)}${shared}`
      : `fee ${money(o.upfrontFeeUsd)} USD is below the planned on-demand cost of ${money(g.plannedCostUsd ?? 0)} USD; ${windowText(o)}${shared}`;
  return {
    decision: 'buy',
    planned: g.planned,
    jobs: g.members.map((s) => adviceJob(s, o.id)),
    offering: o,
    feeUsd: o.upfrontFeeUsd,
    plannedCostUsd: g.plannedCostUsd,
    savingUsd: g.savingUsd,
    reason,
    misses: [],
  };
};

/** A job no block is advised for: the cheapest block that fits and why not, or why none fits. */
const notBuyLine = (
  s: Subject,
  offerings: readonly CapacityBlockOffering[],
  used: ReadonlySet<string>,
): CapacityBlockAdviceLine => {
  const free = offerings
    .filter((o) => s.fits.has(o.id) && !used.has(o.id))
    .sort((a, b) => a.upfrontFeeUsd - b.upfrontFeeUsd || byText(a.id, b.id));
  const cheapest = free[0];
  const base = { decision: 'do-not-buy' as const, planned: s.planned, plannedCostUsd: s.plannedCostUsd };
  if (cheapest !== undefined) {
    const saving = s.plannedCostUsd === null ? null : cents(s.plannedCostUsd - cheapest.upfrontFeeUsd);
    const reason =
      s.planned === 'waiting'
        ? `waits on ${s.binding?.constraint ?? 'its budget'}: the team cannot pay for its run, and ${cheapest.id} would cost ${money(cheapest.upfrontFeeUsd)} USD`
        : `fee ${money(cheapest.upfrontFeeUsd)} USD is not below the planned on-demand cost of ${money(s.plannedCostUsd ?? 0)} USD (cheapest that fits: ${windowText(cheapest)})`;
    return {
      ...base,
      jobs: [adviceJob(s, cheapest.id)],
      offering: cheapest,
      feeUsd: cheapest.upfrontFeeUsd,
      savingUsd: saving,
      reason,
      misses: [],
    };
  }
  const taken = offerings.filter((o) => s.fits.has(o.id)).map((o) => o.id);
  const reason =
    taken.length > 0
      ? `the offerings that fit it (${taken.join(', ')}) are advised for other jobs, with no instance left for it`
      : `no offering fits: ${s.misses.map((m) => `${m.offeringId} ${m.detail}`).join('; ')}`;
  return {
    ...base,
    jobs: [adviceJob(s, null)],
    offering: null,
    feeUsd: null,
    savingUsd: null,
    reason,
    misses: s.misses,
  };
};

const lineOrder = (a: CapacityBlockAdviceLine, b: CapacityBlockAdviceLine): number => {
  if (a.decision !== b.decision) return a.decision === 'buy' ? -1 : 1;
  const firstId = (l: CapacityBlockAdviceLine) => l.jobs[0]?.jobId ?? '';
  if (a.decision === 'do-not-buy') return byText(firstId(a), firstId(b));
  if (a.planned !== b.planned) return a.planned === 'waiting' ? -1 : 1;
  return (b.savingUsd ?? 0) - (a.savingUsd ?? 0) || byText(firstId(a), firstId(b));
};
