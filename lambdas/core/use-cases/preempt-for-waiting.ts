import {
  BudgetExceededError,
  InvalidTransitionError,
  NotFoundError,
  VersionConflictError,
} from '../errors.js';
import { poolOf } from '../planning/candidates.js';
import type { DecisionRecord, WaitingJob } from '../planning/plan.js';
import { type Quotas, quotaLimit } from '../planning/plan-inputs.js';
import {
  choosePreemptions,
  type PreemptionMode,
  type PreemptorOption,
  type RunningForPreemption,
  type WaitingForQuota,
} from '../planning/preemption.js';
import type { JobRecord } from '../ports.js';
import type { QuotaClass } from '../pricing/offer.js';
import { type CapacityDeps, interruptJob } from './job-capacity.js';
import { lostThisRunHours } from './requeue-rule.js';

/** Preemption as a deployment configures it (ADR 0016). */
export interface PreemptionConfig extends CapacityDeps {
  readonly mode: PreemptionMode;
}

/** What this solve knew when its allocations were written. */
export interface PreemptionState {
  readonly nowMs: number;
  /** PENDING jobs in admission order (highest priority, then oldest, first). */
  readonly pending: readonly JobRecord[];
  /** Jobs holding an allocation when the solve began. */
  readonly held: readonly JobRecord[];
  readonly waiting: readonly WaitingJob[];
  readonly decisions: ReadonlyMap<string, DecisionRecord>;
  readonly quotas: Quotas;
  /** vCPUs per pool held before the solve plus what it allocated. */
  readonly usedVcpus: ReadonlyMap<string, number>;
  /** Money each team has left after this solve's reservations. */
  readonly moneyLeft: (team: string) => number;
  readonly weights: (team: string) => number;
}

export interface PreemptedJob {
  readonly jobId: string;
  readonly preemptedBy: string;
  readonly pool: string;
  readonly lostWorkHours: number;
}

export interface PreemptionReport {
  readonly preempted: readonly PreemptedJob[];
  /** A victim that moved on meanwhile (finished, interrupted): left running, not retried. */
  readonly skipped: readonly { readonly jobId: string; readonly reason: string }[];
  readonly errors: readonly { readonly jobId: string; readonly error: Error }[];
}

const limitOf = (quotas: Quotas, pool: string): number | undefined => {
  const bar = pool.indexOf('|');
  const limit = quotaLimit(quotas, pool.slice(0, bar), pool.slice(bar + 1) as QuotaClass);
  return Number.isFinite(limit) ? limit : undefined;
};

/**
 * After a solve: a job that waits for quota alone may take the place of running lower-priority
 * interruptible jobs (`choosePreemptions`). Each victim is stopped as an interruption is (its
 * instances terminated, INTERRUPTED, then PENDING with the work it checkpointed), its events
 * naming the preemptor; its quota is free for the next solve, which admits by priority, so the
 * preemptor goes first. Options are the candidates its decision record lists (deadline-feasible),
 * cheapest first, in full pools only and within its team's money.
 */
export const preemptForWaiting = async (
  config: PreemptionConfig,
  state: PreemptionState,
): Promise<PreemptionReport> => {
  const empty = { preempted: [], skipped: [], errors: [] };
  if (config.mode === 'off') return empty;
  const limits = new Map<string, number>();
  const free = new Map<string, number>();
  const poolLimit = (pool: string): number | undefined => {
    if (!limits.has(pool)) {
      const limit = limitOf(state.quotas, pool);
      if (limit === undefined) return undefined;
      limits.set(pool, limit);
      free.set(pool, Math.max(0, limit - (state.usedVcpus.get(pool) ?? 0)));
    }
    return limits.get(pool);
  };

  const order = new Map(state.pending.map((j, i) => [j.jobId, i]));
  const byId = new Map(state.pending.map((j) => [j.jobId, j]));
  const waiting: WaitingForQuota[] = [];
  for (const w of state.waiting) {
    const job = byId.get(w.jobId);
    if (w.binding.kind !== 'quota' || job === undefined) continue;
    const options: PreemptorOption[] = [];
    for (const c of state.decisions.get(w.jobId)?.candidates ?? []) {
      const pool = poolOf(c);
      if (c.commitment !== undefined || options.some((o) => o.pool === pool)) continue;
      if (c.expectedCostUsd > state.moneyLeft(job.team)) continue;
      const limit = poolLimit(pool);
      // A candidate larger than the whole pool fits no matter whom it stops: a smaller (dearer)
      // one in the same pool may (the simulated deployment found the cheapest one needing 8 vCPUs
      // of a 4-vCPU pool hiding the 4-vCPU one that fits).
      if (limit === undefined || c.vcpus > limit || (free.get(pool) ?? 0) >= c.vcpus) continue;
      options.push({ pool, vcpus: c.vcpus });
    }
    if (options.length > 0) waiting.push({ jobId: w.jobId, team: job.team, priority: job.priority, options });
  }
  if (waiting.length === 0) return empty;
  waiting.sort((a, b) => b.priority - a.priority || (order.get(a.jobId) ?? 0) - (order.get(b.jobId) ?? 0));

  const runningById = new Map<string, JobRecord>();
  const running: RunningForPreemption[] = [];
  for (const job of state.held) {
    const held = job.allocation;
    if (job.state !== 'RUNNING' || held === null || job.request.runtime.interruptible !== true) continue;
    const a = held.allocation;
    const pool = poolOf(a);
    if (poolLimit(pool) === undefined) continue;
    const lost = lostThisRunHours(job, state.nowMs, config.requeueRule?.changeoverHours);
    runningById.set(job.jobId, job);
    running.push({
      jobId: job.jobId,
      team: job.team,
      priority: job.priority,
      pool,
      vcpus: a.vcpus,
      lostWorkHours: lost,
      lostUsd: lost * a.unitPriceUsdPerHour * a.nodes,
    });
  }
  // Every team with a stake in the pools, for the fair-share floors.
  const teams = new Set([...running.map((r) => r.team), ...waiting.map((w) => w.team)]);
  const { preemptions } = choosePreemptions({
    mode: config.mode,
    waiting,
    running,
    limits,
    free,
    weights: new Map([...teams].map((t) => [t, state.weights(t)])),
  });

  const preempted: PreemptedJob[] = [];
  const skipped: { jobId: string; reason: string }[] = [];
  const errors: { jobId: string; error: Error }[] = [];
  for (const p of preemptions)
    for (const victim of p.victims) {
      const job = runningById.get(victim.jobId);
      if (job === undefined) continue;
      const reason = `preempted-by ${p.preemptorJobId}: priority ${p.preemptorPriority} waits for quota pool ${p.pool}`;
      try {
        await interruptJob(config, job, reason, {
          instanceId: job.runtime.instanceIds?.[0] ?? 'none',
          data: { preemptedBy: p.preemptorJobId, preemptorPriority: p.preemptorPriority, pool: p.pool },
        });
        preempted.push({
          jobId: job.jobId,
          preemptedBy: p.preemptorJobId,
          pool: p.pool,
          lostWorkHours: victim.lostWorkHours,
        });
      } catch (err) {
        if (
          err instanceof VersionConflictError ||
          err instanceof InvalidTransitionError ||
          err instanceof NotFoundError ||
          err instanceof BudgetExceededError
        )
          skipped.push({ jobId: job.jobId, reason: `${err.name}: ${err.message}` });
        else errors.push({ jobId: job.jobId, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
  return { preempted, skipped, errors };
};
