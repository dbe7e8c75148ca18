import type { FairShareLine } from './plan.js';

const EPS = 1e-6;

/** One priority tier's water-filling in one pool, for one team. */
export interface FairTier {
  readonly priority: number;
  /** vCPUs of the pool still free when the tier was shared out. */
  readonly freeVcpus: number;
  /** The team's demand in this tier. */
  readonly demand: number;
  /** What water-filling gave the team in this tier. */
  readonly share: number;
}

/** A job of the team that runs in the pool. */
export interface HeldJob {
  readonly jobId: string;
  readonly vcpus: number;
  readonly nodes: number;
  readonly priority: number;
}

/** What the plan did with one team in one contended pool: the facts a note is made of. */
export interface FairShareFacts {
  readonly line: FairShareLine;
  readonly tiers: readonly FairTier[];
  /** The team's jobs placed in this pool. */
  readonly held: readonly HeldJob[];
  /** Jobs whose demand counted here that run in another pool (`us-west-2 on-demand/P`). */
  readonly elsewhere: readonly { readonly jobId: string; readonly pool: string }[];
  /** Jobs whose demand counted here that wait, with the vCPUs they need here. */
  readonly waiting: readonly { readonly jobId: string; readonly vcpus: number }[];
  /** Jobs left out of the demand because the team's budget cannot pay for them. */
  readonly unaffordable?: { readonly vcpus: number; readonly jobIds: readonly string[] };
}

const num = (v: number): string => String(Math.round(v * 10) / 10);

const list = (items: readonly string[], max = 2): string =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

/**
 * Why a fair-share line is not plain water-filling, in words: a holding above the entitlement (a
 * job that cannot be split took room the other teams' shares left unused: shares are
 * work-conserving), an entitlement of zero (the pool was full before the team's tier), a holding
 * below it (its jobs run elsewhere, or each needs more at once than its share), and demand left
 * out because the budget cannot pay for it. `undefined` when there is nothing to explain.
 */
export const fairShareNote = (f: FairShareFacts): string | undefined => {
  const { entitlement, allocated, demand } = f.line;
  const parts: string[] = [];
  if (allocated > entitlement + EPS) {
    const gang = [...f.held].sort((a, b) => b.vcpus - a.vcpus)[0];
    parts.push(
      gang !== undefined && gang.vcpus > entitlement + EPS
        ? `above its share: ${gang.jobId} (${gang.nodes > 1 ? `${gang.nodes} nodes, ` : ''}${num(gang.vcpus)} vCPU, priority ${gang.priority}) cannot be split and took room the other teams' shares left unused`
        : "above its share: it took room the other teams' shares left unused",
    );
  } else if (entitlement <= EPS && demand > EPS) {
    const asked = f.tiers.filter((t) => t.demand > EPS);
    const full = asked.filter((t) => t.freeVcpus <= EPS);
    if (full.length > 0 && full.length === asked.length)
      parts.push(
        `no share: higher priorities filled the pool before priority ${list(full.map((t) => String(t.priority)))}`,
      );
  } else if (allocated + EPS < entitlement) {
    for (const e of f.elsewhere.slice(0, 2)) parts.push(`${e.jobId} runs in ${e.pool} instead`);
    const needs = f.waiting.map((w) => w.vcpus);
    const least = needs.length > 0 ? Math.min(...needs) : 0;
    if (least > entitlement - allocated + EPS)
      parts.push(
        `its waiting jobs here need ${num(least)} vCPU${needs.some((n) => n > least) ? ' or more' : ''} at once, more than its share`,
      );
  }
  const out = f.unaffordable;
  if (out !== undefined && out.jobIds.length > 0)
    parts.push(
      `not counted: ${list(out.jobIds)} (${num(out.vcpus)} vCPU), its budget cannot pay for ${out.jobIds.length > 1 ? 'them' : 'it'}`,
    );
  return parts.length > 0 ? parts.join('; ') : undefined;
};
