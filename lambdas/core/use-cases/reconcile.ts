import type { ManagedInstance } from '../cloud-ports.js';
import type { JobState } from '../jobs/job-state.js';
import { TERMINAL_STATES } from '../jobs/job-state.js';
import { readManagedTags } from '../jobs/managed-tags.js';
import type { JsonObject } from '../ledger/event-chain.js';
import { collectPages } from '../paging.js';
import type { BudgetRecord, JobEvent, JobQueues, JobRecord } from '../ports.js';
import { periodOf } from '../ports.js';
import { closeReservation } from './close-reservation.js';
import { handleEc2Event, promoteWhenAllRun, startInstanceUsage } from './handle-ec2-event.js';
import { type CapacityDeps, interruptJob, requeueInterrupted, terminateAllocation } from './job-capacity.js';
import {
  type BudgetActionReport,
  type BudgetGuardDeps,
  guardBudgets,
  type TeamBudgetUse,
} from './reconcile-budgets.js';
import { mustRunOnDemandNext } from './requeue-rule.js';
import { type MessageFactory, sendAll } from './send-messages.js';

export interface ReconcileDeps extends CapacityDeps, BudgetGuardDeps {
  readonly queues: Pick<JobQueues, 'send'>;
  readonly messages: MessageFactory;
  /** Regions whose managed instances are checked for orphans. */
  readonly regions: readonly string[];
  /** An allocation not provisioned (or not running) after this long is looked at. */
  readonly stuckAfterMinutes: number;
  /** A job running longer than its expected hours × this factor is an overrun. */
  readonly maxRuntimeFactor: number;
  /** What to do about overruns (time or budget): report them, or terminate the job. */
  readonly overrunAction: 'alert' | 'terminate';
  /**
   * Minutes between reconcile runs: a spot job whose slack would not last until the next run
   * moves to on-demand now. @default 5 (the deployment's schedule)
   */
  readonly intervalMinutes?: number;
}

export interface ReconcileReport {
  readonly orphansTerminated: readonly { readonly instanceId: string; readonly reason: string }[];
  /** ALLOCATED jobs whose instances exist (a crash between launch and the state write). */
  readonly adopted: readonly { readonly jobId: string; readonly instanceIds: readonly string[] }[];
  readonly resent: readonly { readonly jobId: string; readonly allocationId: string }[];
  readonly released: readonly { readonly jobId: string; readonly reason: string }[];
  readonly promoted: readonly string[];
  readonly overruns: readonly {
    readonly jobId: string;
    readonly reason: string;
    readonly action: 'alert' | 'terminated';
  }[];
  /**
   * Spot jobs moved to on-demand because the time left to their deadline no longer covers their
   * remaining work, a changeover and the time to the next run (ADR 0002's safety rule).
   */
  readonly deadlineMoves: readonly string[];
  /**
   * Instances whose terminated event never came: their job still counted on them, their usage
   * was open, and EC2 no longer lists them. Closed here as the event would have closed them.
   */
  readonly lostInstances: readonly {
    readonly jobId: string;
    readonly instanceId: string;
    readonly stoppedAt: string;
  }[];
  /** INTERRUPTED jobs whose requeue never happened (a crash between the two writes), requeued. */
  readonly requeuedInterruptions: readonly string[];
  /** Each team with a budget this period: its actual spend as a fraction of the limit. */
  readonly budgets: readonly TeamBudgetUse[];
  /** What the budget guard decided and did, in order. */
  readonly budgetActions: readonly BudgetActionReport[];
  readonly errors: readonly { readonly subject: string; readonly error: Error }[];
}

const MINUTE = 60_000;

const listAll = (deps: ReconcileDeps, state: JobState): Promise<JobRecord[]> =>
  collectPages((page) => deps.ledger.listJobsByState(state, page));

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * The safety net behind every handler (DESIGN: a crash between any two steps is recovered here):
 * - managed instances whose job is unknown, finished or on another allocation are terminated;
 * - ALLOCATED past the timeout: instances found by tag are adopted (PROVISIONING, no second
 *   launch); otherwise the provision message is re-sent, and after three timeouts the allocation
 *   is released and the job is PENDING again;
 * - PROVISIONING past the timeout: running instances get their usage started and the job is
 *   promoted; with no instance left it goes back to PENDING;
 * - RUNNING past expected hours × factor, or with its team's budget overspent: reported, or
 *   terminated and FAILED, per `overrunAction`;
 * - RUNNING on spot with a deadline whose slack would not last to the next run: interrupted and
 *   requeued on-demand only, keeping its checkpointed work (the deadline-aware policy's safety
 *   rule, which the simulator applied at every tick and a deployment applies here);
 * - each team's budget: the guard (`budgetGuard`) alerts at its thresholds and, per policy, stops
 *   admitting or terminates the lowest-priority running job (see `guardBudgets`).
 * Each job is handled on its own: one failure is reported and the others proceed.
 */
/** How long EC2 gives a spot instance between its interruption warning and its end. */
const SPOT_NOTICE_MS = 2 * MINUTE;

export const reconcile = async (deps: ReconcileDeps): Promise<ReconcileReport> => {
  const now = deps.clock.now();
  const nowMs = now.getTime();
  const stuckMs = deps.stuckAfterMinutes * MINUTE;
  const report = {
    orphansTerminated: [] as { instanceId: string; reason: string }[],
    adopted: [] as { jobId: string; instanceIds: readonly string[] }[],
    resent: [] as { jobId: string; allocationId: string }[],
    released: [] as { jobId: string; reason: string }[],
    promoted: [] as string[],
    overruns: [] as { jobId: string; reason: string; action: 'alert' | 'terminated' }[],
    deadlineMoves: [] as string[],
    lostInstances: [] as { jobId: string; instanceId: string; stoppedAt: string }[],
    requeuedInterruptions: [] as string[],
    budgets: [] as TeamBudgetUse[],
    budgetActions: [] as BudgetActionReport[],
    errors: [] as { subject: string; error: Error }[],
  };
  const guard = async (subject: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      report.errors.push({ subject, error: asError(err) });
    }
  };

  // Orphans, by region.
  const jobs = new Map<string, JobRecord | undefined>();
  const jobOf = async (jobId: string) => {
    if (!jobs.has(jobId)) jobs.set(jobId, await deps.ledger.getJob(jobId));
    return jobs.get(jobId);
  };
  /** Every live managed instance, of the regions whose listing succeeded. */
  const live = new Set<string>();
  const listed = new Set<string>();
  for (const region of deps.regions) {
    await guard(`orphans in ${region}`, async () => {
      const fleet = deps.fleetFor(region);
      const orphans: { instance: ManagedInstance; reason: string }[] = [];
      const managed = await fleet.findManaged();
      for (const instance of managed) live.add(instance.instanceId);
      listed.add(region);
      for (const instance of managed) {
        const facts = readManagedTags(instance.tags);
        if (facts === undefined) continue;
        const job = await jobOf(facts.jobId);
        let reason: string | undefined;
        if (job === undefined) reason = `job ${facts.jobId} is unknown`;
        else if (TERMINAL_STATES.has(job.state)) reason = `job ${facts.jobId} is ${job.state}`;
        else if (job.allocation?.allocationId !== facts.allocationId)
          reason = `job ${facts.jobId} no longer holds allocation ${facts.allocationId}`;
        if (reason !== undefined) orphans.push({ instance, reason });
      }
      if (orphans.length === 0) return;
      const result = await fleet.terminate(orphans.map((o) => o.instance.instanceId));
      const accepted = new Set(result.terminating);
      for (const o of orphans)
        if (accepted.has(o.instance.instanceId))
          report.orphansTerminated.push({ instanceId: o.instance.instanceId, reason: o.reason });
    });
  }

  // Stuck ALLOCATED.
  const resend: { jobId: string; allocationId: string }[] = [];
  for (const job of await listAll(deps, 'ALLOCATED')) {
    const held = job.allocation;
    if (held === null) continue;
    const age = nowMs - Date.parse(held.allocatedAt);
    if (age < stuckMs) continue;
    await guard(job.jobId, async () => {
      const instances = await deps.fleetFor(held.allocation.region).findByAllocation(held.allocationId);
      if (instances.length >= job.request.resources.nodes) {
        const instanceIds = instances.map((i) => i.instanceId);
        await deps.ledger.transition({
          jobId: job.jobId,
          expectedVersion: job.version,
          to: 'PROVISIONING',
          data: { allocationId: held.allocationId, instanceIds, adoptedBy: 'reconcile' },
          fields: { instanceIds },
        });
        report.adopted.push({ jobId: job.jobId, instanceIds });
      } else if (age < 3 * stuckMs) {
        resend.push({ jobId: job.jobId, allocationId: held.allocationId });
      } else {
        await terminateAllocation(deps, job);
        const reason = `not provisioned within ${3 * deps.stuckAfterMinutes} minutes`;
        await deps.ledger.transition({
          jobId: job.jobId,
          expectedVersion: job.version,
          to: 'PENDING',
          data: { allocationId: held.allocationId, reason },
          fields: { reason },
        });
        await closeReservation(deps, job.team, job.jobId, held.allocationId);
        report.released.push({ jobId: job.jobId, reason });
      }
    });
  }
  for (const sent of await sendAll(
    deps.queues,
    deps.messages,
    'provision',
    resend.map((r) => ({ body: JSON.stringify(r), keys: r })),
  )) {
    const { jobId, allocationId } = sent.keys;
    if (sent.ok && allocationId !== undefined) report.resent.push({ jobId, allocationId });
    else if (!sent.ok)
      report.errors.push({ subject: jobId, error: new Error(`provision resend: ${sent.error}`) });
  }

  // Stuck PROVISIONING (includes the jobs adopted above).
  for (const job of await listAll(deps, 'PROVISIONING')) {
    const held = job.allocation;
    if (held === null) continue;
    const adopted = report.adopted.some((a) => a.jobId === job.jobId);
    if (!adopted && nowMs - Date.parse(job.updatedAt) < stuckMs) continue;
    await guard(job.jobId, async () => {
      const instances = await deps.fleetFor(held.allocation.region).findByAllocation(held.allocationId);
      if (instances.length === 0) {
        const reason = 'no instance of the allocation is left';
        await deps.ledger.transition({
          jobId: job.jobId,
          expectedVersion: job.version,
          to: 'PENDING',
          data: { allocationId: held.allocationId, reason },
          fields: { reason },
        });
        await closeReservation(deps, job.team, job.jobId, held.allocationId);
        report.released.push({ jobId: job.jobId, reason });
        return;
      }
      for (const instance of instances.filter((i) => i.state === 'running')) {
        if ((await deps.ledger.getUsage(instance.instanceId)) === undefined)
          await startInstanceUsage(deps, job, instance, instance.launchTime ?? now.toISOString());
      }
      if (await promoteWhenAllRun(deps, job, held.allocationId)) report.promoted.push(job.jobId);
    });
  }

  // Lost terminated events: an open usage interval naming an instance EC2 no longer lists would
  // stay open forever, and a RUNNING job whose instances are all gone would wait forever. Only
  // intervals older than the stuck age count, so an instance EC2 has not listed yet (eventual
  // consistency) is not taken for gone. Intervals of an allocation the job has since left count
  // too: a warned spot instance whose terminated event was lost leaves one behind when the job is
  // requeued from the warning.
  for (const state of ['RUNNING', 'INTERRUPTED', 'PENDING', 'ALLOCATED', 'PROVISIONING'] as const)
    for (const job of await listAll(deps, state)) {
      const held = job.allocation;
      // A waiting job on its first allocation that was never sent back has no earlier run to
      // have left an interval open (a requeue always states its reason).
      const requeued = job.attempts > 1 || job.runtime.reason !== undefined;
      if ((state === 'PENDING' || state === 'ALLOCATED') && !requeued) continue;
      await guard(job.jobId, async () => {
        const usages = await deps.ledger.listUsageByJob(job.jobId);
        let events: readonly JobEvent[] | undefined;
        /** When the job left an allocation it no longer holds (its instance was warned then). */
        const leftAt = async (allocationId: string): Promise<number | undefined> => {
          events ??= await deps.ledger.listEvents(job.jobId);
          const left = events.find(
            (e) =>
              (e.type === 'INTERRUPTED' || e.type === 'REQUEUED') &&
              (e.data.detail as { allocationId?: unknown } | undefined)?.allocationId === allocationId,
          );
          return left === undefined ? undefined : Date.parse(left.at);
        };
        for (const usage of usages) {
          if (usage.stoppedAt !== null || !listed.has(usage.region)) continue;
          if (live.has(usage.instanceId) || nowMs - Date.parse(usage.startedAt) < stuckMs) continue;
          const current = usage.allocationId === held?.allocationId;
          // A warned spot instance goes two minutes after its warning; otherwise it went unseen,
          // and the interval ends when reconcile saw it gone.
          const warnedAt = current
            ? state === 'INTERRUPTED'
              ? Date.parse(job.updatedAt)
              : undefined
            : await leftAt(usage.allocationId);
          const stoppedAt = new Date(
            Math.max(Date.parse(usage.startedAt), Math.min(nowMs, (warnedAt ?? nowMs) + SPOT_NOTICE_MS)),
          ).toISOString();
          await handleEc2Event(deps, {
            kind: 'state-change',
            instanceId: usage.instanceId,
            state: 'terminated',
            time: stoppedAt,
            region: usage.region,
          });
          report.lostInstances.push({ jobId: job.jobId, instanceId: usage.instanceId, stoppedAt });
        }
        // Every interval of the running allocation closed and none of its instances live: the
        // handler that closed them stopped before it moved the job on (a crash, a dead-lettered
        // retry). Its terminated event, replayed, does the rest; the handler is idempotent.
        if (state !== 'RUNNING' || held === null) return;
        const own = usages.filter((u) => u.allocationId === held.allocationId);
        const lastStop = own.reduce(
          (m, u) => Math.max(m, u.stoppedAt === null ? Number.POSITIVE_INFINITY : Date.parse(u.stoppedAt)),
          0,
        );
        if (
          own.length === 0 ||
          own.some((u) => live.has(u.instanceId)) ||
          !listed.has(held.allocation.region)
        )
          return;
        if (!(nowMs - lastStop >= stuckMs)) return;
        const last = own.find((u) => u.stoppedAt !== null && Date.parse(u.stoppedAt) === lastStop) ?? own[0];
        if (last === undefined || last.stoppedAt === null) return;
        await handleEc2Event(deps, {
          kind: 'state-change',
          instanceId: last.instanceId,
          state: 'terminated',
          time: last.stoppedAt,
          region: last.region,
        });
        report.lostInstances.push({
          jobId: job.jobId,
          instanceId: last.instanceId,
          stoppedAt: last.stoppedAt,
        });
      });
    }

  // Interruptions left half done: the handler died after INTERRUPTED and before the requeue, and
  // no event will come again (the instance is gone, its usage closed). Finish them as of then.
  for (const job of await listAll(deps, 'INTERRUPTED')) {
    const held = job.allocation;
    if (nowMs - Date.parse(job.updatedAt) < stuckMs) continue;
    await guard(job.jobId, async () => {
      const open = (await deps.ledger.listUsageByJob(job.jobId)).some(
        (u) => u.stoppedAt === null && u.allocationId === held?.allocationId,
      );
      if (open) return;
      const reason = job.runtime.reason ?? 'interrupted';
      await requeueInterrupted(deps, job, reason, Date.parse(job.updatedAt));
      report.requeuedInterruptions.push(job.jobId);
    });
  }

  /** Terminates a running job's instances, fails it with `reason` and closes its reservation. */
  const failRunning = async (job: JobRecord, reason: string, data: JsonObject) => {
    const held = job.allocation;
    if (held === null) throw new Error(`job ${job.jobId} is RUNNING without an allocation`);
    await terminateAllocation(deps, job);
    await deps.ledger.transition({
      jobId: job.jobId,
      expectedVersion: job.version,
      to: 'FAILED',
      data: { allocationId: held.allocationId, reason, by: 'reconcile', ...data },
      fields: { reason, finishedAt: now.toISOString() },
    });
    await closeReservation(deps, job.team, job.jobId, held.allocationId);
  };

  // Overruns.
  const period = periodOf(now.toISOString());
  const budgets = new Map<string, Promise<BudgetRecord | undefined>>();
  const budgetOf = (team: string) => {
    let budget = budgets.get(team);
    if (budget === undefined) {
      budget = deps.ledger.getBudget(team, period);
      budgets.set(team, budget);
    }
    return budget;
  };
  for (const job of await listAll(deps, 'RUNNING')) {
    const held = job.allocation;
    if (held === null) continue;
    await guard(job.jobId, async () => {
      const started = Date.parse(job.runtime.startedAt ?? held.allocatedAt);
      const limitHours = held.allocation.expectedHours * deps.maxRuntimeFactor;
      let reason: string | undefined;
      if (nowMs - started > limitHours * 3_600_000) {
        reason = `running ${((nowMs - started) / 3_600_000).toFixed(2)} h, over ${limitHours.toFixed(2)} h (${deps.maxRuntimeFactor} × expected)`;
      } else {
        const budget = await budgetOf(job.team);
        if (budget !== undefined && budget.availableUsd < 0)
          reason = `team ${job.team} is over its ${period} budget by ${(-budget.availableUsd).toFixed(2)} USD`;
      }
      if (reason === undefined) return;
      if (deps.overrunAction === 'alert') {
        report.overruns.push({ jobId: job.jobId, reason, action: 'alert' });
        return;
      }
      await failRunning(job, reason, {});
      report.overruns.push({ jobId: job.jobId, reason, action: 'terminated' });
    });
  }

  // Deadlines: the safety rule for spot jobs, on the jobs still running after the overruns above.
  // Two intervals of margin: the rule fires with between one and two intervals to spare, so the
  // solve and the on-demand launch after it still fit before the last moment.
  const rule = { ...deps.requeueRule, decisionIntervalHours: (2 * (deps.intervalMinutes ?? 5)) / 60 };
  const stillRunning = await listAll(deps, 'RUNNING');
  for (const job of stillRunning) {
    const held = job.allocation;
    if (held === null || held.allocation.purchaseOption !== 'spot') continue;
    if (!mustRunOnDemandNext(job, nowMs, rule)) continue;
    await guard(job.jobId, async () => {
      await interruptJob(deps, job, 'deadline: the slack left only covers on-demand', {
        instanceId: job.runtime.instanceIds?.[0] ?? 'none',
        forceOnDemand: true,
      });
      report.deadlineMoves.push(job.jobId);
    });
  }

  // Budgets, on the jobs still running after the moves above (nothing else wrote in between).
  const moved = new Set(report.deadlineMoves);
  const running = stillRunning.filter((j) => !moved.has(j.jobId));
  const guarded = await guardBudgets(deps, running, period, nowMs, failRunning, guard);
  report.budgets.push(...guarded.budgets);
  report.budgetActions.push(...guarded.actions);
  return report;
};
