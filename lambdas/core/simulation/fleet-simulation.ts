import type { JobRequest } from '../jobs/job-request.js';
import { candidatesFor, poolOf } from '../planning/candidates.js';
import type { Candidate } from '../planning/plan.js';
import { baseHoursOn, type CostModelConfig, DEFAULT_COST_MODEL } from '../pricing/cost-model.js';
import type { Offer, PriceBook, QuotaClass } from '../pricing/offer.js';
import {
  type Placement,
  type PolicyState,
  type SpotPolicyName,
  spotPolicyByName,
} from '../spot/spot-policy.js';
import type { SpotTrace } from '../spot/spot-trace.js';
import { jainIndex } from './jain-index.js';

/**
 * Multi-job replay (`qm simulate --jobs`): a jobs file run over time under one placement policy.
 *
 * Model:
 * - time advances in fixed ticks from `startMs`; a job becomes active at the first tick boundary at
 *   or after its submission (`submittedAt`, else the start) and is placed then with the planner's
 *   candidate search at that instant: its spot offer is the cheapest spot candidate, its on-demand
 *   fallback the on-demand candidate of the same type and region, else the cheapest on-demand one;
 *   a job that is not interruptible, or has no spot candidate, runs on-demand only;
 * - every spot capacity pool (instance type × availability zone, or region when the price is
 *   region-wide) follows one of the given availability traces, chosen by hashing the pool id,
 *   from an offset also chosen by hash, wrapping around the trace's end ({@link spotPoolTrace});
 * - at each tick boundary: held spot instances whose pool has no capacity are reclaimed (an
 *   interruption: work since the job's last checkpoint is lost); then every active job's policy
 *   decides between spot, on-demand and waiting; then jobs that want a new instance get one in
 *   priority order while the pool's vCPU quota has room, and queue otherwise;
 * - every start on a new instance pays the cost model's `restartOverheadHours`, billed, without
 *   progress; a planned move (spot → on-demand, or giving an instance up) checkpoints first;
 * - billing is per instance-hour at the candidate's unit price, pro rata in the tick a job ends.
 *
 * The policy sees the work that survives a reclaim (on spot: up to the last checkpoint), so its
 * deadline safety rule still holds when a reclaim throws work away.
 */

/** A spot availability trace with the name it is reported under. */
export interface NamedSpotTrace {
  readonly name: string;
  readonly trace: SpotTrace;
}

export interface FleetSimulationInput {
  readonly jobs: readonly JobRequest[];
  readonly priceBook: PriceBook;
  /** vCPU limit of a quota pool, or `null` when it is not limited. */
  readonly quotaLimit: (region: string, quotaClass: QuotaClass) => number | null;
  /** Fair-share weight per team for the fairness index; teams not listed weigh 1. @default all 1 */
  readonly teamWeights?: ReadonlyMap<string, number>;
  /** Availability processes the spot pools are mapped onto; at least one. */
  readonly traces: readonly NamedSpotTrace[];
  /** Simulation start, milliseconds since the epoch (the core has no clock). */
  readonly startMs: number;
  readonly tickMinutes: number;
  readonly config?: CostModelConfig;
  /** The run stops this many hours after the last job becomes active. @default 1440 (60 days) */
  readonly horizonHours?: number;
}

/** Where a spot pool's availability comes from. */
export interface SpotPoolTrace {
  readonly traceIndex: number;
  readonly offsetTicks: number;
}

/** One job as placed before the replay; shared by every policy. */
export interface PlacedJob {
  readonly job: JobRequest;
  /** Input order, for stable tie-breaks. */
  readonly index: number;
  readonly activationTick: number;
  readonly deadlineMs: number | null;
  /** Spot candidates, cheapest first; the first is the job's spot offer. Empty: on-demand only. */
  readonly spot: readonly Candidate[];
  readonly onDemand: Candidate | null;
  /** Why the job cannot run at all, or `null` when it can. */
  readonly unplacedReason: string | null;
}

/** A stretch of time one job held one instance set (all its nodes). */
export interface SimulatedUsage {
  readonly jobId: string;
  readonly team: string;
  readonly project: string;
  readonly offerId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string | null;
  readonly purchaseOption: 'spot' | 'on-demand';
  readonly nodes: number;
  readonly unitPriceUsdPerHour: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Billed hours per node (the first `restartOverheadHours` of them did no work). */
  readonly hours: number;
  readonly costUsd: number;
  /** True when spot capacity vanished under it (the stretch ended in a reclaim). */
  readonly interrupted: boolean;
  /** For an interrupted stretch: its last checkpoint, or `null` when it made none (all its work was lost). */
  readonly lastCheckpointMs: number | null;
}

/** What happened to one job under one policy. */
export interface SimulatedJob {
  readonly jobId: string;
  readonly team: string;
  readonly project: string;
  readonly priority: number;
  readonly activatedAtMs: number;
  readonly deadlineMs: number | null;
  readonly finishedAtMs: number | null;
  readonly missedDeadline: boolean;
  readonly unplacedReason: string | null;
  readonly costUsd: number;
  readonly interruptions: number;
}

/** Service one team received: GPU-hours its active jobs held against GPU-hours they asked for. */
export interface TeamService {
  readonly team: string;
  readonly weight: number;
  /** Requested GPUs × hours from each job's activation to its finish (or the end of the run). */
  readonly demandedGpuHours: number;
  /** Requested GPUs × hours the job held instances (changeovers included). */
  readonly allocatedGpuHours: number;
  /** allocated / demanded, in [0, 1]. */
  readonly service: number;
}

export interface FleetPolicyResult {
  readonly policy: SpotPolicyName;
  readonly totalCostUsd: number;
  /** Instance-hours (hours × nodes) on on-demand. */
  readonly onDemandHours: number;
  /** Instance-hours (hours × nodes) on spot. */
  readonly spotHours: number;
  readonly interruptions: number;
  /** Starts on a new instance set, the first ones included. */
  readonly changeovers: number;
  readonly deadlineMisses: number;
  readonly jobsFinished: number;
  readonly jobsUnfinished: number;
  readonly jobsUnplaced: number;
  /** Hours from the start to the last finish. */
  readonly makespanHours: number;
  /** Jain's index over teams' {@link TeamService.service}, weighted by team weight. */
  readonly jainIndex: number;
  readonly teams: readonly TeamService[];
  /** Highest running vCPUs seen in each quota pool (`region|class`) at any tick. */
  readonly peakVcpus: Readonly<Record<string, number>>;
  readonly jobs: readonly SimulatedJob[];
  readonly usage: readonly SimulatedUsage[];
  /** Ticks simulated. */
  readonly ticks: number;
  /** End of the last simulated tick; instances still held then are metered up to it. */
  readonly endedAtMs: number;
}

const HOUR_MS = 3_600_000;
const EPS = 1e-9;
const DEFAULT_HORIZON_HOURS = 1440;

/** 32-bit FNV-1a: a small, stable hash so the pool → trace mapping never changes between runs. */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
};

/** The spot capacity pool a spot candidate draws on: instance type × zone (region when region-wide). */
export const spotPoolId = (c: Pick<Candidate, 'instanceType' | 'availabilityZone' | 'region'>): string =>
  `${c.instanceType}|${c.availabilityZone ?? c.region}`;

/**
 * The trace and start offset a spot pool follows: trace `fnv1a(pool) mod traces`, offset
 * `fnv1a(pool + "#offset") mod trace length`. Deterministic, and different pools mostly get
 * different traces or offsets, so their outages do not all line up.
 */
export const spotPoolTrace = (poolId: string, traces: readonly NamedSpotTrace[]): SpotPoolTrace => {
  if (traces.length === 0) throw new RangeError('at least one spot availability trace is needed');
  const traceIndex = fnv1a(poolId) % traces.length;
  const length = traces[traceIndex]?.trace.available.length ?? 1;
  return { traceIndex, offsetTicks: fnv1a(`${poolId}#offset`) % length };
};

const requirePositive = (name: string, value: number): void => {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
};

/** A prepared run: placements, pool mappings and tick length, shared by every policy. */
export interface FleetSetup {
  readonly input: FleetSimulationInput;
  readonly placed: readonly PlacedJob[];
  readonly tickHours: number;
  readonly horizonTicks: number;
}

/**
 * Places every job (candidate search at its activation instant, minus candidates too large for
 * their quota pool ever to fit) and fixes the tick grid.
 *
 * @throws {RangeError} for a non-positive tick length or horizon, or no traces
 */
export const prepareFleet = (input: FleetSimulationInput): FleetSetup => {
  requirePositive('tickMinutes', input.tickMinutes);
  const horizonHours = input.horizonHours ?? DEFAULT_HORIZON_HOURS;
  requirePositive('horizonHours', horizonHours);
  if (input.traces.length === 0) throw new RangeError('at least one spot availability trace is needed');
  if (!Number.isFinite(input.startMs)) throw new RangeError(`startMs must be finite, got ${input.startMs}`);
  const tickMs = input.tickMinutes * 60_000;
  const placed = input.jobs.map((job, index): PlacedJob => {
    const submitted = job.submittedAt !== undefined ? Date.parse(job.submittedAt) : input.startMs;
    const activationTick = Math.max(0, Math.ceil((submitted - input.startMs) / tickMs - EPS));
    const nowMs = input.startMs + activationTick * tickMs;
    const deadlineMs = job.runtime.deadline !== undefined ? Date.parse(job.runtime.deadline) : null;
    const found = candidatesFor(job, {
      priceBook: input.priceBook,
      nowMs,
      ...(input.config !== undefined ? { config: input.config } : {}),
    });
    const fits = found.candidates.filter((c) => {
      const limit = input.quotaLimit(c.region, c.quotaClass);
      return limit === null || c.vcpus <= limit;
    });
    const spot = job.runtime.interruptible ? fits.filter((c) => c.purchaseOption === 'spot') : [];
    const onDemandAll = fits.filter((c) => c.purchaseOption === 'on-demand');
    const first = spot[0];
    const onDemand =
      (first !== undefined
        ? onDemandAll.find((c) => c.instanceType === first.instanceType && c.region === first.region)
        : undefined) ??
      onDemandAll[0] ??
      null;
    let unplacedReason: string | null = null;
    if (found.candidates.length === 0) unplacedReason = found.emptyReason ?? 'no feasible offer';
    else if (spot.length === 0 && onDemand === null)
      unplacedReason = 'every feasible offer needs more vCPUs than its quota pool allows';
    return { job, index, activationTick, deadlineMs, spot, onDemand, unplacedReason };
  });
  const lastActivation = placed.reduce((m, p) => Math.max(m, p.activationTick), 0);
  return {
    input,
    placed,
    tickHours: input.tickMinutes / 60,
    horizonTicks: lastActivation + Math.ceil((horizonHours * 60) / input.tickMinutes),
  };
};

interface OpenUsage {
  readonly candidate: Candidate;
  readonly startMs: number;
  hours: number;
}

interface JobRun {
  readonly placed: PlacedJob;
  readonly workHours: number;
  readonly deadlineHours: number;
  readonly checkpointHours: number;
  readonly gpus: number;
  on: Placement;
  usage: OpenUsage | null;
  remainingChangeover: number;
  /** Fraction of the job done, in [0, 1]. */
  done: number;
  /** Run hours on the current spot instance since its last checkpoint. */
  sinceCheckpoint: number;
  /** Whether the current instance has written a checkpoint yet. */
  checkpointed: boolean;
  /** Decisions in a row with spot seen as available (or unavailable), and what was seen last. */
  spotStreakTicks: number;
  lastSpotAvailable: boolean;
  want: Placement;
  finishedAtMs: number | null;
  costUsd: number;
  interruptions: number;
  demandedGpuHours: number;
  allocatedGpuHours: number;
}

/** Offers by id, to find an offer's accelerator for the speed table. */
const offerIndex = new WeakMap<PriceBook, Map<string, Offer>>();
const offerById = (book: PriceBook, id: string): Offer => {
  let index = offerIndex.get(book);
  if (index === undefined) {
    index = new Map(book.offers.map((o) => [o.id, o] as const));
    offerIndex.set(book, index);
  }
  const offer = index.get(id);
  if (offer === undefined) throw new Error(`offer ${id} is not in price book ${book.id}`);
  return offer;
};

/**
 * Replays the prepared jobs under one policy.
 *
 * @param onTick called after every tick with jobs finished so far and jobs that can run, e.g. to
 * drive a progress bar
 * @throws {RangeError} when the policy asks for spot while none is available (a policy bug)
 */
export const simulateFleet = (
  setup: FleetSetup,
  policyName: SpotPolicyName,
  onTick?: (finished: number, total: number) => void,
): FleetPolicyResult => {
  const { input, tickHours } = setup;
  const config = input.config ?? DEFAULT_COST_MODEL;
  const policy = spotPolicyByName(policyName);
  // fleet-pco is the one policy that may use any of the job's spot pools, like an EC2 Fleet with
  // the price-capacity-optimized strategy: the cheapest pool that has capacity at launch.
  const anySpotPool = policyName === 'fleet-pco';
  const onDemandOnly = policyName === 'on-demand';
  const tickMs = input.tickMinutes * 60_000;
  const changeover = config.restartOverheadHours;

  // Keyed by candidate object: the check runs for every spot option of every job at every tick.
  const poolTraces = new Map<
    Candidate,
    { readonly flags: Uint8Array; readonly offset: number; readonly gap: number }
  >();
  const hasCapacity = (c: Candidate, tick: number): boolean => {
    let where = poolTraces.get(c);
    if (where === undefined) {
      const mapped = spotPoolTrace(spotPoolId(c), input.traces);
      const trace = input.traces[mapped.traceIndex]?.trace;
      if (trace === undefined) return false;
      where = { flags: trace.available, offset: mapped.offsetTicks, gap: trace.gapSeconds };
      poolTraces.set(c, where);
    }
    const traceTick = Math.floor((tick * tickMs) / 1000 / where.gap + EPS);
    return where.flags[(where.offset + traceTick) % where.flags.length] === 1;
  };
  const hoursOn = (job: JobRequest, c: Candidate): number =>
    baseHoursOn(job, offerById(input.priceBook, c.offerId), config);

  const runs: JobRun[] = setup.placed.map((p) => {
    const reference = p.onDemand ?? p.spot[0];
    const activationMs = input.startMs + p.activationTick * tickMs;
    return {
      placed: p,
      workHours: reference !== undefined ? hoursOn(p.job, reference) : 0,
      deadlineHours:
        p.deadlineMs !== null ? (p.deadlineMs - activationMs) / HOUR_MS : Number.POSITIVE_INFINITY,
      checkpointHours:
        p.job.runtime.checkpointMinutes !== undefined
          ? p.job.runtime.checkpointMinutes / 60
          : Number.POSITIVE_INFINITY,
      gpus: p.job.resources.gpus * p.job.resources.nodes,
      on: 'none',
      usage: null,
      remainingChangeover: 0,
      done: 0,
      sinceCheckpoint: 0,
      checkpointed: false,
      spotStreakTicks: 0,
      lastSpotAvailable: false,
      want: 'none',
      finishedAtMs: null,
      costUsd: 0,
      interruptions: 0,
      demandedGpuHours: 0,
      allocatedGpuHours: 0,
    };
  });
  // Priority order: higher priority first, then earlier activation, then file order.
  const order = [...runs].sort(
    (a, b) =>
      b.placed.job.priority - a.placed.job.priority ||
      a.placed.activationTick - b.placed.activationTick ||
      a.placed.index - b.placed.index,
  );
  const runnable = new Set(
    runs.filter((r) => r.placed.unplacedReason === null && !(onDemandOnly && r.placed.onDemand === null)),
  );

  const poolUse = new Map<string, number>();
  const peak: Record<string, number> = {};
  const usage: SimulatedUsage[] = [];
  let onDemandHours = 0;
  let spotHours = 0;
  let interruptions = 0;
  let changeovers = 0;
  let finished = 0;

  const rate = (r: JobRun): number => {
    const c = r.usage?.candidate;
    return c === undefined ? 0 : 1 / hoursOn(r.placed.job, c);
  };
  /** Work that survives a reclaim: on spot, up to the last checkpoint. */
  const safeDone = (r: JobRun): number =>
    r.on === 'spot' ? Math.max(0, r.done - r.sinceCheckpoint * rate(r)) : r.done;
  const release = (r: JobRun, atMs: number, interrupted: boolean): void => {
    const open = r.usage;
    if (open !== null) {
      const c = open.candidate;
      const pool = poolOf(c);
      poolUse.set(pool, (poolUse.get(pool) ?? 0) - c.vcpus);
      if (open.hours > EPS) {
        usage.push({
          jobId: r.placed.job.jobId,
          team: r.placed.job.team,
          project: r.placed.job.project,
          offerId: c.offerId,
          instanceType: c.instanceType,
          region: c.region,
          availabilityZone: c.availabilityZone,
          purchaseOption: c.purchaseOption,
          nodes: c.nodes,
          unitPriceUsdPerHour: c.unitPriceUsdPerHour,
          startMs: open.startMs,
          endMs: atMs,
          hours: open.hours,
          costUsd: open.hours * c.nodes * c.unitPriceUsdPerHour,
          interrupted,
          lastCheckpointMs:
            interrupted && r.checkpointed ? atMs - Math.round(r.sinceCheckpoint * HOUR_MS) : null,
        });
      }
    }
    r.done = interrupted ? safeDone(r) : r.done;
    r.on = 'none';
    r.usage = null;
    r.remainingChangeover = 0;
    r.sinceCheckpoint = 0;
    r.checkpointed = false;
  };
  const roomFor = (c: Candidate): boolean => {
    const limit = input.quotaLimit(c.region, c.quotaClass);
    return limit === null || (poolUse.get(poolOf(c)) ?? 0) + c.vcpus <= limit + EPS;
  };

  let tick = 0;
  for (; tick < setup.horizonTicks && finished < runnable.size; tick++) {
    const tickStartMs = input.startMs + tick * tickMs;
    const active = order.filter(
      (r) => runnable.has(r) && r.placed.activationTick <= tick && r.finishedAtMs === null,
    );

    // 1. Reclaims: a held spot instance whose pool has no capacity now is gone.
    for (const r of active) {
      if (r.on === 'spot' && r.usage !== null && !hasCapacity(r.usage.candidate, tick)) {
        r.interruptions++;
        interruptions++;
        release(r, tickStartMs, true);
      }
    }

    // 2. Decisions; a job that changes its mind gives up what it holds (after a checkpoint).
    for (const r of active) {
      const p = r.placed;
      const spotOptions = anySpotPool ? p.spot : p.spot.slice(0, 1);
      let want: Placement;
      if (onDemandOnly || spotOptions.length === 0) want = 'on-demand';
      else {
        const spotAvailable = r.on === 'spot' || spotOptions.some((c) => hasCapacity(c, tick));
        // The age of what the job sees, as the single-job simulator hands it over: the only
        // history of the trace the policy may use.
        r.spotStreakTicks =
          r.spotStreakTicks > 0 && spotAvailable === r.lastSpotAvailable ? r.spotStreakTicks + 1 : 1;
        r.lastSpotAvailable = spotAvailable;
        const state: PolicyState = {
          tick: tick - p.activationTick,
          tickHours,
          elapsedHours: (tick - p.activationTick) * tickHours,
          workDoneHours: safeDone(r) * r.workHours,
          workHours: r.workHours,
          deadlineHours: r.deadlineHours,
          changeoverHours: changeover,
          spotAvailable,
          currentlyOn: r.on,
          remainingChangeover: r.remainingChangeover,
          spotStreakTicks: r.spotStreakTicks,
        };
        want = policy.decide(state);
        if (want === 'spot' && !spotAvailable) {
          throw new RangeError(
            `policy ${policy.name} chose spot for job ${p.job.jobId} at tick ${tick} while none was available`,
          );
        }
      }
      // Without an on-demand offer the job can only wait for spot.
      if (want === 'on-demand' && p.onDemand === null) want = 'none';
      if (want !== r.on && r.on !== 'none') release(r, tickStartMs, false);
      r.want = want;
    }

    // 3. Starts, in priority order, while the quota pool has room; the rest queue.
    for (const r of active) {
      if (r.on !== 'none' || r.want === 'none') continue;
      const p = r.placed;
      const options =
        r.want === 'on-demand'
          ? p.onDemand !== null
            ? [p.onDemand]
            : []
          : (anySpotPool ? p.spot : p.spot.slice(0, 1)).filter((c) => hasCapacity(c, tick));
      const chosen = options.find(roomFor);
      if (chosen === undefined) continue;
      const pool = poolOf(chosen);
      poolUse.set(pool, (poolUse.get(pool) ?? 0) + chosen.vcpus);
      r.on = r.want;
      r.usage = { candidate: chosen, startMs: tickStartMs, hours: 0 };
      r.remainingChangeover = changeover;
      r.sinceCheckpoint = 0;
      r.checkpointed = false;
      changeovers++;
    }
    for (const [pool, used] of poolUse) peak[pool] = Math.max(peak[pool] ?? 0, used);

    // 4. Progress and billing.
    for (const r of active) {
      let heldHours = 0;
      if (r.usage !== null) {
        const c = r.usage.candidate;
        const perHour = rate(r);
        const restoring = Math.min(r.remainingChangeover, tickHours);
        r.remainingChangeover -= restoring;
        const progress = Math.min((tickHours - restoring) * perHour, 1 - r.done);
        const runHours = progress / perHour;
        r.done += progress;
        heldHours = restoring + runHours;
        r.usage.hours += heldHours;
        const cost = heldHours * c.nodes * c.unitPriceUsdPerHour;
        r.costUsd += cost;
        if (c.purchaseOption === 'spot') {
          spotHours += heldHours * c.nodes;
          r.sinceCheckpoint += runHours;
          if (Number.isFinite(r.checkpointHours)) {
            const written = Math.floor(r.sinceCheckpoint / r.checkpointHours + EPS);
            if (written > 0) r.checkpointed = true;
            r.sinceCheckpoint -= written * r.checkpointHours;
            if (r.sinceCheckpoint < EPS) r.sinceCheckpoint = 0;
          }
        } else onDemandHours += heldHours * c.nodes;
        r.allocatedGpuHours += heldHours * r.gpus;
        if (r.done >= 1 - EPS) {
          r.done = 1;
          r.finishedAtMs = tickStartMs + heldHours * HOUR_MS;
          r.demandedGpuHours += heldHours * r.gpus;
          release(r, r.finishedAtMs, false);
          finished++;
          continue;
        }
      }
      r.demandedGpuHours += tickHours * r.gpus;
    }
    onTick?.(finished, runnable.size);
  }
  const endMs = input.startMs + tick * tickMs;
  for (const r of runs) if (r.usage !== null) release(r, endMs, false);

  const jobs: SimulatedJob[] = runs.map((r) => {
    const p = r.placed;
    // A job that could not be placed at all is reported as unplaced, not as a miss of the policy.
    const late =
      runnable.has(r) &&
      p.deadlineMs !== null &&
      (r.finishedAtMs === null || r.finishedAtMs > p.deadlineMs + EPS * HOUR_MS);
    return {
      jobId: p.job.jobId,
      team: p.job.team,
      project: p.job.project,
      priority: p.job.priority,
      activatedAtMs: input.startMs + p.activationTick * tickMs,
      deadlineMs: p.deadlineMs,
      finishedAtMs: r.finishedAtMs,
      missedDeadline: late,
      unplacedReason:
        p.unplacedReason ??
        (runnable.has(r) ? null : 'no on-demand offer fits and the policy uses only on-demand'),
      costUsd: r.costUsd,
      interruptions: r.interruptions,
    };
  });

  const teamNames = [...new Set([...runnable].map((r) => r.placed.job.team))].sort();
  const teams: TeamService[] = teamNames.map((team) => {
    const mine = [...runnable].filter((r) => r.placed.job.team === team);
    const demanded = mine.reduce((s, r) => s + r.demandedGpuHours, 0);
    const allocated = mine.reduce((s, r) => s + r.allocatedGpuHours, 0);
    return {
      team,
      weight: input.teamWeights?.get(team) ?? 1,
      demandedGpuHours: demanded,
      allocatedGpuHours: allocated,
      service: demanded > 0 ? Math.min(1, allocated / demanded) : 1,
    };
  });
  const lastFinish = runs.reduce((m, r) => Math.max(m, r.finishedAtMs ?? m), input.startMs);
  usage.sort((a, b) => a.startMs - b.startMs || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));

  return {
    policy: policyName,
    totalCostUsd: runs.reduce((s, r) => s + r.costUsd, 0),
    onDemandHours,
    spotHours,
    interruptions,
    changeovers,
    deadlineMisses: jobs.filter((j) => j.missedDeadline).length,
    jobsFinished: finished,
    jobsUnfinished: runnable.size - finished,
    jobsUnplaced: runs.length - runnable.size,
    makespanHours: (lastFinish - input.startMs) / HOUR_MS,
    jainIndex: teams.length > 0 ? jainIndex(teams.map((t) => ({ value: t.service, weight: t.weight }))) : 1,
    teams,
    peakVcpus: peak,
    jobs,
    usage,
    ticks: tick,
    endedAtMs: endMs,
  };
};
