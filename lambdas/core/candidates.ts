import { type CostModelConfig, DEFAULT_COST_MODEL, deadlineVerdict, estimateJobCost } from './cost-model.js';
import type { GpuModel } from './gpu-model.js';
import type { JobRequest } from './job-request.js';
import { type Offer, type PriceBook, quotaClassOf } from './offer.js';
import { offersWithModels } from './offer-index.js';
import type { Candidate } from './plan.js';

/** Accelerators a job that names only a memory size may land on: CUDA GPUs, not Neuron, AMD or Qualcomm parts. */
const MEMORY_ONLY_MODELS: ReadonlySet<GpuModel> = new Set<GpuModel>([
  'GB200',
  'B300',
  'B200',
  'H200',
  'H100',
  'A100-80GB',
  'A100-40GB',
  'L40S',
  'L4',
  'A10G',
  'RTXPRO6000',
  'RTXPRO4500',
  'T4',
  'T4g',
  'V100-32GB',
  'V100-16GB',
  'K80',
  'M60',
  'K520',
]);

export interface CandidateContext {
  readonly priceBook: PriceBook;
  /** Milliseconds since the epoch: the planning instant (injected; the core has no clock). */
  readonly nowMs: number;
  readonly config?: CostModelConfig;
  /** Restricts every job to these regions (e.g. `qm plan --regions`). */
  readonly regions?: readonly string[];
  /** Offers recently refused for lack of capacity; skipped until their entry expires. */
  readonly unavailableOfferIds?: ReadonlySet<string>;
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

/** Finds and prices every offer the job can run on, and says which filter left it with none. */
export const candidatesFor = (job: JobRequest, ctx: CandidateContext): JobCandidates => {
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

  // Each stage counts survivors so an empty result can name the filter that emptied it. One pass
  // over the offers finds, for each offer, the first stage it fails; survivors of stage k are the
  // offers that fail later or never (the same counts as filtering stage by stage, without the
  // intermediate arrays).
  const minMemory = resources.minGpuMemoryGiB;
  const unavailable =
    ctx.unavailableOfferIds !== undefined && ctx.unavailableOfferIds.size > 0
      ? ctx.unavailableOfferIds
      : null;
  const cap = runtime.maxPricePerHour;
  const survivors = [0, 0, 0, 0, 0, 0, 0];
  const pool: Offer[] = [];
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
                  pool.push(o);
                }
              }
            }
          }
        }
      }
    }
    for (let k = 0; k < passed; k++) survivors[k] = (survivors[k] ?? 0) + 1;
  }
  const stages: Array<[string, number]> = [
    ['no offer has the requested accelerator model and memory', survivors[0] ?? 0],
    [`no matching instance has ${resources.gpus} accelerators per node`, survivors[1] ?? 0],
    ['no matching instance type supports EFA', survivors[2] ?? 0],
    [`no matching offer in the allowed regions (${(regions ?? []).join(', ') || 'none'})`, survivors[3] ?? 0],
    ['only spot offers match and the job is not interruptible', survivors[4] ?? 0],
    ['every matching offer is marked unavailable after a recent capacity error', survivors[5] ?? 0],
    [`every matching offer costs more than the cap of ${cap} USD/h`, survivors[6] ?? 0],
  ];

  const candidates: Candidate[] = [];
  let deadlineMiss: string | null = null;
  for (const offer of pool) {
    const estimate = estimateJobCost(job, offer, config);
    const verdict = deadlineVerdict(job, offer, estimate, hoursToDeadline, config);
    if (!verdict.ok) {
      deadlineMiss ??= verdict.reason;
      continue;
    }
    candidates.push({
      offerId: offer.id,
      instanceType: offer.instanceType,
      region: offer.region,
      availabilityZone: offer.availabilityZone,
      purchaseOption: offer.purchaseOption,
      quotaClass: quotaClassOf(offer.purchaseOption, offer.quotaFamily),
      nodes: resources.nodes,
      unitPriceUsdPerHour: offer.priceUsdPerHour,
      expectedHours: estimate.expectedHours,
      expectedCostUsd: estimate.expectedCostUsd,
      onDemandEquivalentUsd: estimate.onDemandEquivalentUsd,
      vcpus: offer.vcpus * resources.nodes,
      spotPriceImplied: offer.spotPriceImplied,
    });
  }
  candidates.sort(compareCandidates);

  let emptyReason: string | null = null;
  if (candidates.length === 0) {
    const emptied = stages.find(([, left]) => left === 0);
    emptyReason =
      emptied !== undefined
        ? emptied[0]
        : `no offer meets the deadline (${deadlineMiss ?? 'deadline passed'})`;
  }
  return { job, candidates, emptyReason };
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
 * Drops candidates that can never be part of an optimal plan: within one quota pool, a candidate
 * that costs at least as much and holds at least as many vCPUs as another is dominated (the pool
 * and the team budget are the only things a candidate consumes). Input must be sorted cheapest first.
 */
export const pruneDominated = (sorted: readonly Candidate[]): Candidate[] => {
  const bestVcpusByPool = new Map<string, number>();
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const pool = poolOf(c);
    const best = bestVcpusByPool.get(pool);
    if (best !== undefined && best <= c.vcpus) continue;
    bestVcpusByPool.set(pool, c.vcpus);
    kept.push(c);
  }
  return kept;
};
