import { GPU_MODELS, type GpuModel } from '../jobs/gpu-model.js';
import type { JobRequest } from '../jobs/job-request.js';
import {
  type CostModelConfig,
  DEFAULT_COST_MODEL,
  deadlineVerdict,
  estimateJobCost,
  priceOffers,
} from '../pricing/cost-model.js';
import { type Offer, type PriceBook, quotaClassOf } from '../pricing/offer.js';
import { offerPositions, offersWithModels } from '../pricing/offer-index.js';
import type { Candidate } from './plan.js';

/** Accelerators that are not CUDA GPUs: a job that names only a memory size never lands on them. */
const NON_CUDA_MODELS: ReadonlySet<GpuModel> = new Set<GpuModel>([
  'RadeonProV520',
  'Trainium2',
  'Trainium',
  'Inferentia2',
  'Inferentia',
  'QualcommAI100',
]);

/** Accelerators a job that names only a memory size may land on: every CUDA GPU. */
export const MEMORY_ONLY_MODELS: ReadonlySet<GpuModel> = new Set<GpuModel>(
  GPU_MODELS.filter((m) => !NON_CUDA_MODELS.has(m)),
);

export interface CandidateContext {
  readonly priceBook: PriceBook;
  /** Milliseconds since the epoch: the planning instant (injected; the core has no clock). */
  readonly nowMs: number;
  readonly config?: CostModelConfig;
  /** Restricts every job to these regions (e.g. `qm plan --regions`). */
  readonly regions?: readonly string[];
  /** Offers recently refused for lack of capacity; skipped until their entry expires. */
  readonly unavailableOfferIds?: ReadonlySet<string>;
  /**
   * Filter results shared between jobs with the same hardware, region and price requirements
   * within one planning run (the filters do not depend on runtime or cost fields). Pass a fresh map
   * per run: it is keyed on the job's fields only, not on the price book or the context.
   */
  readonly filterCache?: Map<string, OfferFilterResult>;
}

/** Offers that pass a job's filters, and when none does, the filter that removed the last ones. */
export interface OfferFilterResult {
  readonly pool: readonly Offer[];
  /** The quota pool of each offer in `pool` (see `poolOf`), looked up once per filter result. */
  readonly pools: readonly string[];
  /** When `pool` is empty: the first filter stage that left no offer, in words; otherwise `null`. */
  readonly emptied: string | null;
  /** True when some offer in `pool` draws on a commitment (then its end is checked per job). */
  readonly committed: boolean;
}

export interface JobCandidates {
  readonly job: JobRequest;
  /** Every feasible candidate, cheapest first (ties broken by offer id, so plans are reproducible). */
  readonly candidates: readonly Candidate[];
  /** When nothing is feasible: the filter that removed the last offers, in words. */
  readonly emptyReason: string | null;
}

const HOUR_MS = 3_600_000;

/** Orders candidates by expected cost, then by offer id. */
export const compareCandidates = (a: Candidate, b: Candidate): number =>
  a.expectedCostUsd - b.expectedCostUsd || (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0);

/**
 * The offers that pass a job's seven filters, in price-book order. A job limited to some regions
 * scans only its models' offers in those regions (see `offerPositions`); the per-stage count that
 * names the filter that emptied the list is made only when the list is empty (`emptiedStage`).
 */
const filterOffers = (
  job: JobRequest,
  ctx: CandidateContext,
  models: ReadonlySet<GpuModel>,
  regions: readonly string[] | undefined,
): OfferFilterResult => {
  const { resources, runtime } = job;
  const offers = ctx.priceBook.offers;
  let scan: readonly Offer[];
  if (regions === undefined) scan = offersWithModels(offers, models);
  else {
    const lists: Array<readonly number[]> = [];
    let count = 0;
    for (const model of models)
      for (const region of new Set(regions)) {
        const list = offerPositions(offers, model, region);
        if (list.length > 0) {
          lists.push(list);
          count += list.length;
        }
      }
    const positions = new Int32Array(count);
    let k = 0;
    for (const list of lists) for (const p of list) positions[k++] = p;
    // Each list is ascending; with more than one, a numeric sort restores price-book order.
    if (lists.length > 1) positions.sort();
    const found = new Array<Offer>(count);
    for (let i = 0; i < count; i++) found[i] = offers[positions[i] as number] as Offer;
    scan = found;
  }
  const { minMemory, unavailable, cap } = filterLimits(job, ctx);
  const { gpus, efa, nodes } = resources;
  const spotOk = runtime.interruptible;
  const pool: Offer[] = [];
  for (let i = 0; i < scan.length; i++) {
    const o = scan[i] as Offer;
    if (
      (minMemory === undefined || (o.gpuMemoryGiB !== null && o.gpuMemoryGiB >= minMemory)) &&
      o.gpuCount >= gpus &&
      (!efa || o.efa) &&
      (spotOk || o.purchaseOption === 'on-demand') &&
      (unavailable === null || !unavailable.has(o.id)) &&
      (cap === undefined || o.priceUsdPerHour * nodes <= cap)
    )
      pool.push(o);
  }
  const pools = new Array<string>(pool.length);
  for (let i = 0; i < pool.length; i++) pools[i] = poolOfOffer(pool[i] as Offer);
  return {
    pool,
    pools,
    emptied: pool.length === 0 ? emptiedStage(job, ctx, models, regions) : null,
    committed: pool.some((o) => o.commitment !== undefined),
  };
};

/** The per-job limits both offer filter passes test: GPU memory, offers out of stock, price cap. */
const filterLimits = (job: JobRequest, ctx: CandidateContext) => ({
  minMemory: job.resources.minGpuMemoryGiB,
  unavailable:
    ctx.unavailableOfferIds !== undefined && ctx.unavailableOfferIds.size > 0
      ? ctx.unavailableOfferIds
      : null,
  cap: job.runtime.maxPricePerHour,
});

/**
 * Runs the seven offer filters in one pass over every offer of the job's models, counting the
 * survivors of each stage, and names the first stage that left none (`null` when some offer passes).
 */
const emptiedStage = (
  job: JobRequest,
  ctx: CandidateContext,
  models: ReadonlySet<GpuModel>,
  regions: readonly string[] | undefined,
): string | null => {
  const { resources, runtime } = job;
  // Each stage counts survivors so an empty result can name the filter that emptied it. One pass
  // over the offers finds, for each offer, the first stage it fails; survivors of stage k are the
  // offers that fail later or never (the same counts as filtering stage by stage, without the
  // intermediate arrays).
  const { minMemory, unavailable, cap } = filterLimits(job, ctx);
  const survivors = [0, 0, 0, 0, 0, 0, 0];
  for (const o of offersWithModels(ctx.priceBook.offers, models)) {
    let passed = 0;
    if (minMemory === undefined || (o.gpuMemoryGiB !== null && o.gpuMemoryGiB >= minMemory)) {
      passed = 1;
      if (o.gpuCount >= resources.gpus) {
        passed = 2;
        if (!resources.efa || o.efa) {
          passed = 3;
          if (regions === undefined || regions.includes(o.region)) {
            passed = 4;
            if (runtime.interruptible || o.purchaseOption === 'on-demand') {
              passed = 5;
              if (unavailable === null || !unavailable.has(o.id)) {
                passed = 6;
                if (cap === undefined || o.priceUsdPerHour * resources.nodes <= cap) {
                  passed = 7;
                }
              }
            }
          }
        }
      }
    }
    for (let k = 0; k < passed; k++) survivors[k] = (survivors[k] ?? 0) + 1;
  }
  const stages: Array<readonly [string, number]> = [
    ['no offer has the requested accelerator model and memory', survivors[0] ?? 0],
    [`no matching instance has ${resources.gpus} accelerators per node`, survivors[1] ?? 0],
    ['no matching instance type supports EFA', survivors[2] ?? 0],
    [`no matching offer in the allowed regions (${(regions ?? []).join(', ') || 'none'})`, survivors[3] ?? 0],
    ['only spot offers match and the job is not interruptible', survivors[4] ?? 0],
    ['every matching offer is marked unavailable after a recent capacity error', survivors[5] ?? 0],
    [`every matching offer costs more than the cap of ${cap} USD/h`, survivors[6] ?? 0],
  ];
  return stages.find(([, left]) => left === 0)?.[0] ?? null;
};

/**
 * A job's priced options, cheapest first (ties broken by offer id), kept as parallel arrays. A
 * planner needs `Candidate` objects only for the few options it can choose or shows, not for every
 * feasible offer of a 100,000-job batch: `at(i)` builds one on first use and keeps it, so one
 * position always gives the same object.
 */
export class PricedOptions {
  /** Feasible options in total (the size of the full candidate list). */
  readonly size: number;
  /** When nothing is feasible: the filter that removed the last offers, in words. */
  readonly emptyReason: string | null;
  private readonly made: Array<Candidate | undefined>;
  private modelCache: Candidate[] | undefined;

  constructor(
    private readonly offers: readonly Offer[],
    private readonly pools: readonly string[],
    private readonly costs: readonly number[],
    private readonly hours: readonly number[],
    private readonly onDemand: readonly number[],
    private readonly nodes: number,
    emptyReason: string | null,
  ) {
    this.size = offers.length;
    this.emptyReason = emptyReason;
    this.made = new Array<Candidate | undefined>(offers.length);
  }

  /** Expected cost of the option at position `i`. */
  cost(i: number): number {
    return this.costs[i] ?? Number.NaN;
  }

  /** vCPUs the option at position `i` holds against its pool (all nodes). */
  vcpus(i: number): number {
    return (this.offers[i]?.vcpus ?? 0) * this.nodes;
  }

  /** The quota pool of the option at position `i` (see `poolOf`). */
  pool(i: number): string {
    return this.pools[i] ?? poolOfOffer(this.offers[i] as Offer);
  }

  /** The candidate at position `i` (0 is the cheapest). */
  at(i: number): Candidate {
    let c = this.made[i];
    if (c === undefined) {
      const offer = this.offers[i] as Offer;
      c = {
        offerId: offer.id,
        instanceType: offer.instanceType,
        region: offer.region,
        availabilityZone: offer.availabilityZone,
        purchaseOption: offer.purchaseOption,
        quotaClass: quotaClassOf(offer.purchaseOption, offer.quotaFamily),
        nodes: this.nodes,
        unitPriceUsdPerHour: offer.priceUsdPerHour,
        expectedHours: this.hours[i] ?? Number.NaN,
        expectedCostUsd: this.costs[i] ?? Number.NaN,
        onDemandEquivalentUsd: this.onDemand[i] ?? Number.NaN,
        vcpus: offer.vcpus * this.nodes,
        spotPriceImplied: offer.spotPriceImplied,
      };
      const drawn = offer.commitment;
      if (drawn !== undefined)
        c = {
          ...c,
          commitment: {
            id: drawn.id,
            kind: drawn.kind,
            units: drawn.unitsPerInstanceHour * this.nodes,
            effectiveCostUsd: drawn.effectiveRateUsdPerHour * this.nodes * (this.hours[i] ?? Number.NaN),
            effectiveRateUsdPerHour: drawn.effectiveRateUsdPerHour,
          },
        };
      this.made[i] = c;
    }
    return c;
  }

  /** The `k` cheapest candidates (all of them when `k` is at least `size`). */
  top(k: number): Candidate[] {
    const n = Math.min(k, this.size);
    const out = new Array<Candidate>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(i);
    return out;
  }

  /** The candidates left after dominance pruning (see `pruneDominated`), cheapest first. */
  model(): readonly Candidate[] {
    if (this.modelCache === undefined) {
      const bestVcpusByPool = new Map<string, number>();
      const kept: Candidate[] = [];
      for (let i = 0; i < this.size; i++) {
        const pool = dominanceKey(this.pool(i), this.offers[i] as Offer);
        const vcpus = this.vcpus(i);
        const best = bestVcpusByPool.get(pool);
        if (best !== undefined && best <= vcpus) continue;
        bestVcpusByPool.set(pool, vcpus);
        kept.push(this.at(i));
      }
      this.modelCache = kept;
    }
    return this.modelCache;
  }
}

/**
 * What a candidate consumes besides its team's budget: its quota pool, and the commitment it draws
 * on, if any. Dominance compares candidates only when they consume the same things.
 */
const dominanceKey = (pool: string, offer: Offer): string =>
  offer.commitment === undefined ? pool : `${pool}@${offer.commitment.id}`;

const poolByOffer = new WeakMap<Offer, string>();
const poolOfOffer = (offer: Offer): string => {
  let pool = poolByOffer.get(offer);
  if (pool === undefined) {
    pool = poolOf({
      region: offer.region,
      quotaClass: quotaClassOf(offer.purchaseOption, offer.quotaFamily),
    });
    poolByOffer.set(offer, pool);
  }
  return pool;
};

interface PricingScratch {
  readonly cost: Float64Array;
  readonly hours: Float64Array;
  readonly onDemand: Float64Array;
  readonly meets: Uint8Array;
}

let scratch: PricingScratch | undefined;

/**
 * Working arrays for pricing one job, reused from job to job (pricing is synchronous and nothing
 * keeps them): at least `n` long, contents undefined.
 */
const scratchFor = (n: number): PricingScratch => {
  if (scratch === undefined || scratch.meets.length < n) {
    const size = Math.max(n, 2 * (scratch?.meets.length ?? 512));
    scratch = {
      cost: new Float64Array(size),
      hours: new Float64Array(size),
      onDemand: new Float64Array(size),
      meets: new Uint8Array(size),
    };
  }
  return scratch;
};

/**
 * The order in which the last job priced against a filter result ranked its offers: pool positions,
 * kept ones sorted, then the rest. Jobs sharing a filter pass mostly rank the offers alike, so
 * sorting the next job's offers from this order takes about one comparison per offer.
 */
const lastRanking = new WeakMap<OfferFilterResult, Int32Array>();

/**
 * Pool positions of the offers that meet the deadline, cheapest first, then by offer id (the order
 * of `compareCandidates`), then by pool position: a total order, so the result does not depend on
 * the order the sort starts from.
 */
const rankOffers = (filtered: OfferFilterResult, cost: Float64Array, meets: Uint8Array): number[] => {
  const { pool } = filtered;
  const n = pool.length;
  const order: number[] = [];
  const hint = lastRanking.get(filtered);
  if (hint !== undefined && hint.length === n) {
    for (let i = 0; i < n; i++) {
      const p = hint[i] as number;
      if (meets[p] === 1) order.push(p);
    }
  } else for (let p = 0; p < n; p++) if (meets[p] === 1) order.push(p);
  order.sort((a, b) => {
    const d = (cost[a] as number) - (cost[b] as number);
    if (d !== 0) return d;
    const ia = (pool[a] as Offer).id;
    const ib = (pool[b] as Offer).id;
    return ia < ib ? -1 : ia > ib ? 1 : a - b;
  });
  // The hint has been read: overwrite it in place rather than allocate a new one.
  const next = hint !== undefined && hint.length === n ? hint : new Int32Array(n);
  let k = 0;
  for (const p of order) next[k++] = p;
  for (let p = 0; p < n; p++) if (meets[p] !== 1) next[k++] = p;
  lastRanking.set(filtered, next);
  return order;
};

/** Finds and prices every offer the job can run on, as arrays (see `PricedOptions`). */
export const priceOptions = (job: JobRequest, ctx: CandidateContext): PricedOptions => {
  const config = ctx.config ?? DEFAULT_COST_MODEL;
  const { resources, runtime } = job;
  const models =
    resources.gpuModels !== undefined ? new Set<GpuModel>(resources.gpuModels) : MEMORY_ONLY_MODELS;
  const regions =
    resources.regions !== undefined && ctx.regions !== undefined
      ? resources.regions.filter((r) => ctx.regions?.includes(r))
      : (resources.regions ?? ctx.regions);
  const hoursToDeadline =
    runtime.deadline !== undefined ? (Date.parse(runtime.deadline) - ctx.nowMs) / HOUR_MS : null;

  const key =
    ctx.filterCache === undefined
      ? null
      : [
          resources.gpuModels !== undefined ? [...resources.gpuModels].sort().join(',') : '~',
          resources.minGpuMemoryGiB ?? '~',
          resources.gpus,
          resources.nodes,
          resources.efa,
          regions !== undefined ? regions.join(',') : '~',
          runtime.interruptible,
          runtime.maxPricePerHour ?? '~',
        ].join('|');
  let filtered = key === null ? undefined : ctx.filterCache?.get(key);
  if (filtered === undefined) {
    filtered = filterOffers(job, ctx, models, regions);
    if (key !== null) ctx.filterCache?.set(key, filtered);
  }
  const { pool, pools } = filtered;

  const n = pool.length;
  const { cost, hours, onDemand, meets } = scratchFor(n);
  const firstMiss = priceOffers(job, pool, hoursToDeadline, config, cost, hours, onDemand, meets);
  if (filtered.committed) endCommitments(pool, ctx.nowMs, hours, meets);
  let deadlineMiss: string | null = null;
  if (firstMiss >= 0) {
    const offer = pool[firstMiss] as Offer;
    const verdict = deadlineVerdict(job, offer, estimateJobCost(job, offer, config), hoursToDeadline, config);
    deadlineMiss = verdict.ok ? null : verdict.reason;
  }
  const order = rankOffers(filtered, cost, meets);
  const m = order.length;
  // Plain arrays: small typed arrays each get a separately allocated backing store, which made
  // allocating them a visible part of pricing a batch.
  const sortedOffers = new Array<Offer>(m);
  const sortedPools = new Array<string>(m);
  const sortedCost = new Array<number>(m);
  const sortedHours = new Array<number>(m);
  const sortedOnDemand = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    const p = order[i] as number;
    sortedOffers[i] = pool[p] as Offer;
    sortedPools[i] = pools[p] as string;
    sortedCost[i] = cost[p] as number;
    sortedHours[i] = hours[p] as number;
    sortedOnDemand[i] = onDemand[p] as number;
  }

  let emptyReason: string | null = null;
  if (m === 0) {
    emptyReason = filtered.emptied ?? `no offer meets the deadline (${deadlineMiss ?? 'deadline passed'})`;
  }
  return new PricedOptions(
    sortedOffers,
    sortedPools,
    sortedCost,
    sortedHours,
    sortedOnDemand,
    resources.nodes,
    emptyReason,
  );
};

/** An offer drawn on a commitment that ends is open only to jobs expected to finish before the end. */
const endCommitments = (
  pool: readonly Offer[],
  nowMs: number,
  hours: Float64Array,
  meets: Uint8Array,
): void => {
  for (let i = 0; i < pool.length; i++) {
    const until = (pool[i] as Offer).commitment?.until;
    if (until === undefined || until === null) continue;
    if (nowMs + (hours[i] as number) * HOUR_MS > Date.parse(until)) meets[i] = 0;
  }
};

/** Finds and prices every offer the job can run on, and says which filter left it with none. */
export const candidatesFor = (job: JobRequest, ctx: CandidateContext): JobCandidates => {
  const options = priceOptions(job, ctx);
  return { job, candidates: options.top(options.size), emptyReason: options.emptyReason };
};

/** The quota pool a candidate draws on: AWS meters GPU vCPUs per region and quota class. */
export const poolOf = (c: Pick<Candidate, 'region' | 'quotaClass'>): string => {
  // Interned: the planner asks for pool keys in its innermost loops; building a string each time
  // made allocation the bottleneck at scale.
  let byClass = poolKeys.get(c.region);
  if (byClass === undefined) {
    byClass = new Map();
    poolKeys.set(c.region, byClass);
  }
  let key = byClass.get(c.quotaClass);
  if (key === undefined) {
    key = `${c.region}|${c.quotaClass}`;
    byClass.set(c.quotaClass, key);
  }
  return key;
};

const poolKeys = new Map<string, Map<string, string>>();

/**
 * The key of one team's share of a pool, `pool#team` (fair-share caps and use), interned like
 * `poolOf`: the greedy fill asks for it for every candidate it tries.
 */
export const poolTeamKey = (pool: string, team: string): string => {
  let byTeam = poolTeamKeys.get(pool);
  if (byTeam === undefined) {
    byTeam = new Map();
    poolTeamKeys.set(pool, byTeam);
  }
  let key = byTeam.get(team);
  if (key === undefined) {
    key = `${pool}#${team}`;
    byTeam.set(team, key);
  }
  return key;
};

const poolTeamKeys = new Map<string, Map<string, string>>();

/**
 * Drops candidates that can never be part of an optimal plan: within one quota pool, a candidate
 * that costs at least as much and holds at least as many vCPUs as another is dominated (the pool,
 * the commitment it draws on and the team budget are the only things a candidate consumes). Input must be sorted cheapest first.
 */
export const pruneDominated = (sorted: readonly Candidate[]): Candidate[] => {
  const bestVcpusByPool = new Map<string, number>();
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const pool = c.commitment === undefined ? poolOf(c) : `${poolOf(c)}@${c.commitment.id}`;
    const best = bestVcpusByPool.get(pool);
    if (best !== undefined && best <= c.vcpus) continue;
    bestVcpusByPool.set(pool, c.vcpus);
    kept.push(c);
  }
  return kept;
};
