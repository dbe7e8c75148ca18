import {
  type BudgetGuardConfig,
  decideBudgetActions,
  type RunningJob,
} from '../accounting/metering-budget.js';
import type { Commitment } from '../commitments/commitment.js';
import {
  BudgetExceededError,
  InvalidTransitionError,
  NotFoundError,
  VersionConflictError,
} from '../errors.js';
import type { JobState } from '../jobs/job-state.js';
import { collectPages } from '../paging.js';
import { poolOf } from '../planning/candidates.js';
import { drawnByCommitment } from '../planning/commitment-offers.js';
import { DEFAULT_USAGE_HALF_LIFE_HOURS } from '../planning/fair-weight.js';
import { dearestUnitPrice, type FallbackOptions, fallbackOffersFor } from '../planning/fallback-offers.js';
import type { MilpSolver } from '../planning/milp.js';
import type { WaitingJob } from '../planning/plan.js';
import type { TeamTerms } from '../planning/plan-input.js';
import { type Quotas, quotaLimit, withLiveQuotas } from '../planning/plan-inputs.js';
import { solvePlan } from '../planning/solve-plan.js';
import {
  type HistoryWeight,
  historyPeriods,
  historyWeights,
  usageHistory,
  vcpusByInstanceType,
} from '../planning/usage-history.js';
import type { Clock, JobQueues, JobRecord, Ledger, UsageRecord } from '../ports.js';
import { periodOf } from '../ports.js';
import type { CostModelConfig } from '../pricing/cost-model.js';
import type { PriceBook, QuotaClass } from '../pricing/offer.js';
import { allocationIdFor } from './allocation-id.js';
import { type PreemptionConfig, type PreemptionReport, preemptForWaiting } from './preempt-for-waiting.js';
import { accruedUsd } from './reconcile-budgets.js';
import { type MessageFactory, sendAll } from './send-messages.js';

/** A team's monthly budget and fair-share weight, as configured. */
export interface TeamPolicy {
  readonly monthlyUsd?: number;
  readonly weight?: number;
}

/** How much teams may spend: used when the ledger holds no budget for the period yet. */
export interface BudgetPolicy {
  /** Monthly limit of teams without their own. */
  readonly defaultMonthlyUsd: number;
  readonly teams: ReadonlyMap<string, TeamPolicy>;
}

export interface RunSolveDeps {
  readonly ledger: Ledger;
  readonly queues: Pick<JobQueues, 'send'>;
  readonly messages: MessageFactory;
  readonly solver: MilpSolver;
  readonly clock: Clock;
  /** The bundled book, used when no live book was ever stored. */
  readonly fallbackPriceBook: () => PriceBook;
  /**
   * Configured quotas: per-pool limits override the account's quotas stored with the live book
   * (read from Service Quotas at price refresh); the default applies to pools neither names.
   */
  readonly quotas: Quotas;
  /**
   * The account's commitments; jobs whose allocation holds one (allocated, provisioning or
   * running) draw on it, and the plan fills what is left first where that costs less (ADR 0015).
   * @default none
   */
  readonly commitments?: readonly Commitment[];
  readonly budgets: BudgetPolicy;
  readonly regions?: readonly string[];
  /** Pending jobs considered per run (highest priority, then oldest, first). */
  readonly maxPendingJobs: number;
  readonly timeLimitSeconds?: number;
  readonly costModel?: CostModelConfig;
  /**
   * Budget policy: under `stop-admitting` and `terminate-lowest-priority`, a team whose actual spend
   * (settled plus accrued by its running jobs) has reached the largest threshold gets no new
   * allocation this run. @default alert-only (admission limited only by the money left)
   */
  readonly budgetGuard?: BudgetGuardConfig;
  /**
   * Half-life of past usage in the fair share: a team's weight shrinks with the vCPU-hours its
   * instances ran recently (usage intervals in the ledger, decayed by this half-life).
   * @default DEFAULT_USAGE_HALF_LIFE_HOURS (168, one week)
   */
  readonly usageHalfLifeHours?: number;
  /**
   * Equivalent offers each launch may fall back to (ADR 0004). @default up to 3, at most 10 %
   * dearer; `{ maxFallbacks: 0 }` launches on the chosen offer only
   */
  readonly fallbacks?: Omit<FallbackOptions, 'maxPriceRatio'>;
  /**
   * Whether a job waiting for quota may take the place of running lower-priority interruptible
   * jobs, and what stops them (ADR 0016). @default off
   */
  readonly preemption?: PreemptionConfig;
}

export interface SolveReport {
  readonly pending: number;
  readonly priceBookId: string | null;
  readonly priceBookSource: 'stored' | 'fallback' | null;
  /** Jobs allocated and queued for provisioning. */
  readonly allocated: readonly { readonly jobId: string; readonly allocationId: string }[];
  /** Allocations the ledger refused (the job moved on, or the budget filled up meanwhile). */
  readonly skipped: readonly { readonly jobId: string; readonly reason: string }[];
  /** Allocated, but the provision message could not be sent: the reconciler re-sends it. */
  readonly unsent: readonly { readonly jobId: string; readonly error: string }[];
  readonly waiting: readonly WaitingJob[];
  /** Unexpected per-job failures (storage errors); the job stays PENDING for the next run. */
  readonly errors: readonly { readonly jobId: string; readonly error: Error }[];
  readonly solver: { readonly method: string; readonly status: string } | null;
  /** Running jobs stopped so that waiting higher-priority jobs can run; absent when preemption is off. */
  readonly preemption?: PreemptionReport;
  /** The past usage the fair share weighed; absent when nothing was pending. */
  readonly usageHistory?: {
    readonly halfLifeHours: number;
    readonly teams: readonly HistoryWeight[];
    /** Usage intervals left out because the price book does not know their type's vCPUs, per type. */
    readonly unknownInstanceTypes: Readonly<Record<string, number>>;
  };
}

/** States in which an allocation holds quota. */
const HOLDING: readonly JobState[] = ['ALLOCATED', 'PROVISIONING', 'RUNNING'];

const listAll = (ledger: Ledger, state: JobState, max: number): Promise<JobRecord[]> =>
  collectPages((page) => ledger.listJobsByState(state, page), max);

/** Jobs whose allocation holds quota now. */
const heldJobs = async (ledger: Ledger): Promise<JobRecord[]> => {
  const held: JobRecord[] = [];
  for (const state of HOLDING) held.push(...(await listAll(ledger, state, Number.MAX_SAFE_INTEGER)));
  return held;
};

/** vCPUs held per quota pool by allocations that are live. */
const vcpusInUse = (held: readonly JobRecord[]): Map<string, number> => {
  const used = new Map<string, number>();
  for (const job of held) {
    const a = job.allocation?.allocation;
    if (a === undefined) continue;
    used.set(poolOf(a), (used.get(poolOf(a)) ?? 0) + a.vcpus);
  }
  return used;
};

/**
 * Usage of the teams' intervals that started in the given months (the history window). Intervals
 * are stored under the month they started in, so this holds everything in the window except runs
 * that began before its first month; `usageFromBeforeWindow` adds those of jobs still held.
 */
const recentUsage = async (
  ledger: Ledger,
  teams: readonly string[],
  periods: readonly string[],
): Promise<UsageRecord[]> => {
  const usage: UsageRecord[] = [];
  for (const team of teams)
    for (const period of periods)
      usage.push(...(await collectPages((page) => ledger.listUsageByTeamAndPeriod(team, period, page))));
  return usage;
};

/**
 * Intervals of held jobs that began before the window's first month and ran into it: a run longer
 * than the window (56 days at the default half-life) would otherwise weigh nothing while it still
 * runs. Only jobs started before the window are looked up, so a solve pays one read per such job.
 */
const usageFromBeforeWindow = async (
  ledger: Ledger,
  held: readonly JobRecord[],
  teams: ReadonlySet<string>,
  firstPeriod: string,
): Promise<UsageRecord[]> => {
  const usage: UsageRecord[] = [];
  for (const job of held) {
    const started = job.runtime.startedAt;
    if (!teams.has(job.team) || started === undefined || periodOf(started) >= firstPeriod) continue;
    for (const interval of await ledger.listUsageByJob(job.jobId)) {
      const intoWindow = interval.stoppedAt === null || periodOf(interval.stoppedAt) >= firstPeriod;
      if (interval.period < firstPeriod && intoWindow) usage.push(interval);
    }
  }
  return usage;
};

/** Shortest run the planner is asked to place: a job with all its work checkpointed still has to finish. */
const MIN_REMAINING_HOURS = 1 / 60;

/**
 * What the planner places for a pending job: the request as sent, less the work earlier runs
 * checkpointed; a job re-queued after an interruption with too little slack (or behind its
 * uniform-progress line) must not gamble on spot again.
 */
const planningRequest = (job: JobRecord): JobRecord['request'] => {
  const done = job.runtime.workDoneHours ?? 0;
  const onDemandOnly = job.runtime.onDemandOnly === true;
  if (done <= 0 && !onDemandOnly) return job.request;
  const runtime = job.request.runtime;
  return {
    ...job.request,
    runtime: {
      ...runtime,
      estimatedHours: Math.max(MIN_REMAINING_HOURS, runtime.estimatedHours - done),
      ...(onDemandOnly ? { interruptible: false } : {}),
    },
  };
};

const isLost = (err: unknown): err is Error =>
  err instanceof VersionConflictError ||
  err instanceof BudgetExceededError ||
  err instanceof InvalidTransitionError ||
  err instanceof NotFoundError;

/**
 * One batch decision: every pending job (up to `maxPendingJobs`) against the latest price book,
 * what is left of each quota pool after live allocations, and what is left of each team's budget.
 * Each allocation is written as one transaction (job ALLOCATED, budget reserved, decision record in
 * the event); an allocation the ledger refuses is skipped, never retried blindly. Allocated jobs
 * are queued for provisioning. Waiting jobs are reported with their binding constraint and get no
 * event: their chain records what happened to them, not every time the solver looked.
 */
/** Teams at or past the enforcing threshold under an admitting-stopping budget policy. */
const teamsNotAdmitting = async (
  deps: RunSolveDeps,
  teams: readonly string[],
  period: string,
  nowMs: number,
): Promise<Set<string>> => {
  const stopped = new Set<string>();
  const config = deps.budgetGuard;
  if (config === undefined || config.policy === 'alert-only' || teams.length === 0) return stopped;
  const running = await listAll(deps.ledger, 'RUNNING', Number.POSITIVE_INFINITY);
  for (const team of teams) {
    const budget = await deps.ledger.getBudget(team, period);
    if (budget === undefined) continue;
    const jobs: RunningJob[] = [];
    for (const job of running) {
      const held = job.allocation;
      if (job.team !== team || held === null || held.reservation.period !== period) continue;
      const usage = await deps.ledger.listUsageByJob(job.jobId);
      jobs.push({
        jobId: job.jobId,
        priority: job.priority,
        startedAt: job.runtime.startedAt ?? held.allocatedAt,
        accruedUsd: accruedUsd(usage, held.allocationId, nowMs),
      });
    }
    const actions = decideBudgetActions({ budget, config, alerted: [], running: jobs });
    if (actions.some((a) => a.kind === 'stop-admitting')) stopped.add(team);
  }
  return stopped;
};

export const runSolve = async (deps: RunSolveDeps): Promise<SolveReport> => {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const pending = await listAll(deps.ledger, 'PENDING', deps.maxPendingJobs);
  if (pending.length === 0) {
    return {
      pending: 0,
      priceBookId: null,
      priceBookSource: null,
      allocated: [],
      skipped: [],
      unsent: [],
      waiting: [],
      errors: [],
      solver: null,
    };
  }
  const stored = await deps.ledger.getLatestPriceBook();
  const priceBook = stored ?? deps.fallbackPriceBook();
  const unavailable = await deps.ledger.listUnavailableOffers(nowIso);
  // Offers the solver may not choose are offers a launch may not fall back to either.
  const unavailableIds = new Set(unavailable.map((u) => u.offerId));
  const held = await heldJobs(deps.ledger);
  const used = vcpusInUse(held);
  const period = periodOf(nowIso);
  const quotas = withLiveQuotas(deps.quotas, priceBook.quotas);

  const teams = new Map<string, TeamTerms>();
  const limits = new Map<string, number>();
  for (const team of new Set(pending.map((j) => j.team))) {
    const policy = deps.budgets.teams.get(team);
    const limit = policy?.monthlyUsd ?? deps.budgets.defaultMonthlyUsd;
    const budget = await deps.ledger.getBudget(team, period);
    limits.set(team, budget?.limitUsd ?? limit);
    teams.set(team, {
      weight: policy?.weight ?? 1,
      remainingUsd: Math.max(0, budget === undefined ? limit : budget.availableUsd),
    });
  }

  const stopped = await teamsNotAdmitting(deps, [...teams.keys()], period, now.getTime());
  for (const team of stopped) {
    const terms = teams.get(team);
    if (terms !== undefined) teams.set(team, { ...terms, remainingUsd: 0 });
  }

  // Past usage lowers the fair-share weight of the teams that ran most recently (ADR 0006).
  const nowMs = now.getTime();
  const halfLifeHours = deps.usageHalfLifeHours ?? DEFAULT_USAGE_HALF_LIFE_HOURS;
  const teamNames = [...teams.keys()].sort();
  const periods = historyPeriods(nowMs, halfLifeHours);
  const history = usageHistory(
    [
      ...(await recentUsage(deps.ledger, teamNames, periods)),
      ...(await usageFromBeforeWindow(deps.ledger, held, new Set(teamNames), periods[0] ?? period)),
    ],
    { vcpus: vcpusByInstanceType(priceBook), nowMs, halfLifeHours },
  );

  // A Capacity Block is entered only by a launch that targets its reservation, which provisioning
  // does not do yet: planning on one would launch plain on-demand at list price. Savings Plans and
  // Reserved Instances apply at billing, and an open capacity reservation takes any matching
  // on-demand launch in its zone, so those are planned on (ADR 0015).
  const launchable = (deps.commitments ?? []).filter((c) => c.kind !== 'capacity-block');
  const byId = new Map(pending.map((j) => [j.jobId, j]));
  const plan = solvePlan(
    {
      jobs: pending.map(planningRequest),
      priceBook,
      quotaLimit: (region: string, cls: QuotaClass) => {
        const limit = quotaLimit(quotas, region, cls);
        if (!Number.isFinite(limit)) return null;
        return Math.max(0, limit - (used.get(`${region}|${cls}`) ?? 0));
      },
      teams,
      nowMs,
      history: history.samples,
      halfLifeHours,
      unavailableOfferIds: unavailableIds,
      ...(launchable.length === 0
        ? {}
        : {
            commitments: {
              commitments: launchable,
              drawn: drawnByCommitment(
                held.flatMap((j) => (j.allocation == null ? [] : [j.allocation.allocation])),
              ),
            },
          }),
      ...(deps.regions === undefined ? {} : { regions: deps.regions }),
      ...(deps.costModel === undefined ? {} : { config: deps.costModel }),
      ...(deps.timeLimitSeconds === undefined ? {} : { timeLimitSeconds: deps.timeLimitSeconds }),
    },
    deps.solver,
  );

  const decisions = new Map(plan.decisions.map((d) => [d.jobId, d]));
  const allocated: { jobId: string; allocationId: string }[] = [];
  const skipped: { jobId: string; reason: string }[] = [];
  const errors: { jobId: string; error: Error }[] = [];
  const reservedUsd = new Map<string, number>();
  for (const planned of plan.allocations) {
    const job = byId.get(planned.jobId);
    const decision = decisions.get(planned.jobId);
    if (job === undefined || decision === undefined) continue;
    const allocationId = allocationIdFor(job.jobId, job.attempts + 1);
    // Fallbacks only as dear as the team's money left after this run's earlier reservations.
    const room =
      (teams.get(job.team)?.remainingUsd ?? Number.POSITIVE_INFINITY) - (reservedUsd.get(job.team) ?? 0);
    // A job on a commitment launches there or not at all: its hours are paid already, and a
    // fallback at list price would spend money the plan never weighed or reserved.
    const fallbacks =
      planned.commitment !== undefined
        ? []
        : fallbackOffersFor(planned, priceBook.offers, unavailableIds, {
            ...deps.fallbacks,
            maxPriceRatio: planned.expectedCostUsd > 0 ? room / planned.expectedCostUsd : 1,
          });
    const allocation = fallbacks.length === 0 ? planned : { ...planned, fallbacks };
    const amountUsd =
      planned.unitPriceUsdPerHour > 0
        ? (planned.expectedCostUsd * dearestUnitPrice(planned, fallbacks)) / planned.unitPriceUsdPerHour
        : planned.expectedCostUsd;
    try {
      await deps.ledger.allocate({
        jobId: job.jobId,
        expectedVersion: job.version,
        allocationId,
        allocation,
        decision,
        reservation: {
          team: job.team,
          period,
          amountUsd,
          limitUsd: limits.get(job.team) ?? deps.budgets.defaultMonthlyUsd,
        },
      });
      reservedUsd.set(job.team, (reservedUsd.get(job.team) ?? 0) + amountUsd);
      used.set(poolOf(planned), (used.get(poolOf(planned)) ?? 0) + planned.vcpus);
      allocated.push({ jobId: job.jobId, allocationId });
    } catch (err) {
      if (isLost(err)) skipped.push({ jobId: job.jobId, reason: `${err.name}: ${err.message}` });
      else errors.push({ jobId: job.jobId, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  const sent = await sendAll(
    deps.queues,
    deps.messages,
    'provision',
    allocated.map((a) => ({ body: JSON.stringify(a), keys: a })),
  );
  const unsent = sent.flatMap((s) => (s.ok ? [] : [{ jobId: s.keys.jobId, error: s.error }]));

  const preemption =
    deps.preemption === undefined || deps.preemption.mode === 'off'
      ? undefined
      : await preemptForWaiting(deps.preemption, {
          nowMs,
          pending,
          held,
          waiting: plan.waiting,
          decisions,
          quotas,
          usedVcpus: used,
          moneyLeft: (team) =>
            (teams.get(team)?.remainingUsd ?? Number.POSITIVE_INFINITY) - (reservedUsd.get(team) ?? 0),
          weights: (team) => deps.budgets.teams.get(team)?.weight ?? 1,
        });

  return {
    pending: pending.length,
    priceBookId: priceBook.id,
    priceBookSource: stored === undefined ? 'fallback' : 'stored',
    allocated,
    skipped,
    unsent,
    waiting: plan.waiting,
    errors,
    solver: plan.solver,
    ...(preemption === undefined ? {} : { preemption }),
    usageHistory: {
      halfLifeHours,
      teams: historyWeights(
        new Map(teamNames.map((t) => [t, teams.get(t)?.weight ?? 1])),
        history.samples,
        nowMs,
        halfLifeHours,
      ),
      unknownInstanceTypes: Object.fromEntries(history.unknownInstanceTypes),
    },
  };
};
