import type { InMemoryLedger } from '../adapters/in-memory-ledger.js';
import type { JobRequest } from '../core/jobs/job-request.js';
import { TERMINAL_STATES } from '../core/jobs/job-state.js';
import type { UsageRecord } from '../core/ports.js';
import type { SpotPolicyName } from '../core/spot/spot-policy.js';
import { reconcile } from '../core/use-cases/reconcile.js';
import { refreshPrices } from '../core/use-cases/refresh-prices.js';
import { runSolve } from '../core/use-cases/run-solve.js';
import { EventHeap } from './event-heap.js';
import type { FaultKind } from './fault-plan.js';
import type { TwinInput } from './twin-input.js';
import { checkInvariants, deadLetters, type InvariantCheck } from './twin-invariants.js';
import { createTwinPipeline, twinMessages } from './twin-pipeline.js';
import {
  instanceHours,
  outcomeOf,
  type TwinJobOutcome,
  type TwinTotals,
  usageCostUsd,
} from './twin-report.js';

export interface TwinResult {
  readonly strategy: SpotPolicyName;
  readonly jobs: readonly TwinJobOutcome[];
  readonly totals: TwinTotals;
  readonly startedAt: string;
  readonly endedAt: string;
  /**
   * `all-terminal`: every job ended; `horizon`: the run reached its horizon; `stalled`: nothing was
   * left that could change — no instance, message or submission, and the solve placed nothing
   * even after the next budget period began (the jobs left wait for capacity no policy has).
   */
  readonly stoppedBy: 'all-terminal' | 'horizon' | 'stalled';
  /** The run's ledger, for a ledger export or an audit. */
  readonly ledger: InMemoryLedger;
  /** Each job's usage records at the end of the run, as the ledger holds them. */
  readonly usageByJob: ReadonlyMap<string, readonly UsageRecord[]>;
  /** Handler failures, in order: a deployment would log them. */
  readonly errors: readonly { readonly at: string; readonly queue: string; readonly error: string }[];
  /** What the run must end with (twin-invariants.ts), checked after every run. */
  readonly invariants: readonly InvariantCheck[];
  /** Messages left in dead-letter queues at the end, queue and body start. */
  readonly deadLettered: readonly string[];
  /** With a fault campaign: per kind, the steps it could hit and the faults injected. */
  readonly faults?: Readonly<Record<FaultKind, { readonly steps: number; readonly injected: number }>>;
}

const MINUTE = 60_000;
/**
 * How long nothing may happen before the run skips to the next budget period: longer than the
 * provision step's unavailable-offer marks, which expire on their own.
 */
const QUIET_MS = 60 * MINUTE;

/**
 * The deployment twin: the production use-cases, driven unchanged on a simulated clock over the
 * in-memory ledger and queues and a trace-driven EC2. Queued messages go to the calls the handlers
 * make; the solve, reconcile and (optionally) price refresh run on their schedules; time jumps to
 * the next thing that can happen — a submission, a scheduled run, an EC2 change, a job finishing its
 * work, a message becoming visible again. Deterministic: the same input gives the same ledger.
 */
export const runTwin = async (input: TwinInput): Promise<TwinResult> => {
  const twin = createTwinPipeline(input);
  const { clock, ledger, queues, ec2, workload, schedules, errors, wakeUps, stats, rejectedIds } = twin;
  const { faults, delayedEvents } = twin;
  /** Why each job the last solve saw waits, for the end-of-run invariants. */
  let waiting = new Map<string, string>();

  // Submissions, in time order (ties in input order).
  const submissions = new EventHeap<JobRequest>();
  const open = new Set<string>();
  for (const job of input.jobs) {
    const at =
      job.submittedAt === undefined ? input.startMs : Math.max(input.startMs, Date.parse(job.submittedAt));
    submissions.push(at, job);
    open.add(job.jobId);
    workload.add(job);
  }
  const total = open.size;
  for (const budget of input.openingBudgets ?? []) await ledger.putBudget(budget);
  const lastSubmission = Math.max(
    input.startMs,
    ...input.jobs.map((j) => Date.parse(j.submittedAt ?? '') || 0),
  );
  const horizonMs = lastSubmission + (input.horizonHours ?? 1440) * 60 * MINUTE;

  /** Looked up only after a step that can end a job: reading every open job costs a copy each. */
  const countTerminal = async (): Promise<void> => {
    for (const jobId of [...open]) {
      const job = await ledger.getJob(jobId);
      const ended = job === undefined ? rejectedIds.has(jobId) : TERMINAL_STATES.has(job.state);
      if (ended) open.delete(jobId);
    }
    input.onProgress?.(total - open.size, total);
  };
  const failed = (queue: string, error: Error) =>
    errors.push({ at: clock.now().toISOString(), queue, error: error.message });

  const every = (minutes: number) => Math.max(1, Math.round(minutes * MINUTE));
  const counts = { solves: 0, reconciles: 0, refreshes: 0 };
  let nextSolve = input.startMs;
  let nextReconcile = input.startMs + every(schedules.reconcileMinutes);
  let nextSpotRefresh = input.priceRefresh === true ? input.startMs : Number.POSITIVE_INFINITY;
  let nextOnDemandRefresh = nextSpotRefresh;
  const skipMs = (input.idleSolveSkipMinutes ?? 0) * MINUTE;
  const lastSolve = { at: Number.NEGATIVE_INFINITY, allocated: 1, delivered: -1 };
  let stoppedBy: TwinResult['stoppedBy'] = 'horizon';
  /** Set when the run jumped to a new budget period because nothing else could change. */
  let jumpedToPeriod = false;
  /** Since when nothing has been going on; the stall rule waits out short marks (unavailable offers). */
  let quietSince: number | null = null;
  const quiet = () =>
    submissions.size === 0 &&
    wakeUps.size === 0 &&
    delayedEvents.size === 0 &&
    ec2.nextEventMs() === Number.POSITIVE_INFINITY &&
    workload.nextEventMs() === Number.POSITIVE_INFINITY &&
    lastSolve.allocated === 0 &&
    lastSolve.delivered === stats.delivered &&
    ec2.liveInstances().length === 0;

  for (;;) {
    const now = clock.nowMs();
    for (let job = submissions.popDue(now); job !== undefined; job = submissions.popDue(now)) {
      const entry = twinMessages('job-requests', 'm0', JSON.stringify(job), { jobId: job.jobId });
      await queues.send('job-requests', [entry]);
    }
    while (wakeUps.popDue(now) !== undefined);
    await twin.sendDelayed();
    await ec2.advance();
    await workload.advance(now);
    await twin.drain();
    if (now >= nextOnDemandRefresh || now >= nextSpotRefresh) {
      // The daily run reads everything; the frequent one spot prices only.
      try {
        await refreshPrices(twin.refreshDeps, now >= nextOnDemandRefresh ? 'all' : 'spot');
      } catch (err) {
        failed('price-refresh', asError(err));
      }
      counts.refreshes += 1;
      if (now >= nextOnDemandRefresh) nextOnDemandRefresh += every(schedules.onDemandPriceRefreshMinutes);
      if (now >= nextSpotRefresh) nextSpotRefresh += every(schedules.spotPriceRefreshMinutes);
    }
    if (now >= nextSolve) {
      const idle =
        lastSolve.allocated === 0 && lastSolve.delivered === stats.delivered && now - lastSolve.at < skipMs;
      if (!idle) {
        // A scheduled run that fails is logged and the next one runs, as with a failed Lambda.
        const twice = faults?.hit('concurrent') === true;
        const runs = await Promise.allSettled(
          twice ? [runSolve(twin.solveDeps), runSolve(twin.solveDeps)] : [runSolve(twin.solveDeps)],
        );
        counts.solves += 1;
        lastSolve.at = now;
        lastSolve.allocated = 0;
        for (const run of runs) {
          if (run.status === 'rejected') {
            failed('solve', asError(run.reason));
            continue;
          }
          const report = run.value;
          lastSolve.allocated += report.allocated.length;
          waiting = new Map(report.waiting.map((w) => [w.jobId, w.reason]));
          for (const e of report.errors) failed('solve', e.error);
        }
        if (lastSolve.allocated > 0) jumpedToPeriod = false;
      }
      nextSolve += every(schedules.solveMinutes);
      await twin.drain();
      if (!idle) lastSolve.delivered = stats.delivered;
    }
    if (now >= nextReconcile) {
      try {
        const report = await reconcile(twin.reconcileDeps);
        if (
          report.overruns.some((o) => o.action === 'terminated') ||
          report.budgetActions.length > 0 ||
          report.lostInstances.length > 0 ||
          report.requeuedInterruptions.length > 0
        )
          stats.finishedSomething = true;
        for (const e of report.errors) failed('reconcile', e.error);
      } catch (err) {
        failed('reconcile', asError(err));
      }
      counts.reconciles += 1;
      nextReconcile += every(schedules.reconcileMinutes);
      await twin.drain();
    }
    if (stats.finishedSomething) {
      stats.finishedSomething = false;
      await countTerminal();
    }
    if (open.size === 0 && submissions.size === 0) {
      stoppedBy = 'all-terminal';
      break;
    }
    quietSince = quiet() ? (quietSince ?? now) : null;
    if (quietSince !== null && now - quietSince >= QUIET_MS) {
      // Only a new budget period can change what the solve decides: go there once, then give up.
      quietSince = null;
      if (jumpedToPeriod) {
        stoppedBy = 'stalled';
        break;
      }
      jumpedToPeriod = true;
      const at = new Date(now);
      const periodStart = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
      nextSolve = periodStart;
      nextReconcile = Math.max(nextReconcile, periodStart);
      nextSpotRefresh = Math.max(nextSpotRefresh, periodStart);
      nextOnDemandRefresh = Math.max(nextOnDemandRefresh, periodStart);
    }
    const next = Math.min(
      submissions.peekAt(),
      wakeUps.peekAt(),
      delayedEvents.peekAt(),
      ec2.nextEventMs(),
      workload.nextEventMs(),
      nextSolve,
      nextReconcile,
      nextSpotRefresh,
      nextOnDemandRefresh,
    );
    if (next > horizonMs) break;
    clock.advanceTo(next);
  }

  const endMs = clock.nowMs();
  // Read once: the outcomes, the totals and a caller's summary all need each job's usage.
  const usageByJob = new Map<string, readonly UsageRecord[]>();
  for (const id of new Set(input.jobs.map((j) => j.jobId)))
    usageByJob.set(id, await ledger.listUsageByJob(id));
  const jobs: TwinJobOutcome[] = [];
  for (const request of input.jobs) {
    const outcome = await outcomeOf(ledger, request, usageByJob.get(request.jobId) ?? []);
    const rejected = rejectedIds.has(request.jobId) && outcome.state === 'UNKNOWN';
    jobs.push(rejected ? { ...outcome, state: 'REJECTED' } : outcome);
  }
  const usage = [...usageByJob.values()].flat();
  const hours = instanceHours(usage, endMs);
  const ended = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
  const totals: TwinTotals = {
    costUsd: usageCostUsd(usage),
    spotInstanceHours: hours.spot,
    onDemandInstanceHours: hours.onDemand,
    interruptions: jobs.reduce((s, j) => s + j.interruptions, 0),
    reclaims: ec2.reclaims,
    solves: counts.solves,
    reconciles: counts.reconciles,
    priceRefreshes: counts.refreshes,
    simulatedDays: (endMs - input.startMs) / (1440 * MINUTE),
    jobsSucceeded: jobs.filter((j) => j.state === 'SUCCEEDED').length,
    jobsFailed: jobs.filter((j) => j.state === 'FAILED').length,
    jobsUnfinished: jobs.filter((j) => !ended.has(j.state)).length,
    deadlineMisses: jobs.filter((j) => j.deadlineMissed).length,
    handlerErrors: errors.length,
  };
  const invariants = await checkInvariants({
    ledger,
    queues,
    jobs: input.jobs,
    rejectedIds,
    waiting,
    instances: ec2.allInstances(),
    liveInstances: ec2.liveInstances(),
    usageByJob,
    startMs: input.startMs,
    endMs,
  });
  const deadLettered = await deadLetters(queues);
  return {
    strategy: twin.strategy.name,
    jobs,
    totals,
    startedAt: new Date(input.startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    stoppedBy,
    ledger,
    usageByJob,
    errors,
    invariants,
    deadLettered,
    ...(faults === undefined ? {} : { faults: faults.counts() }),
  };
};

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
