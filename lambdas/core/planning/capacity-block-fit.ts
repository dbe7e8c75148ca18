import type { CapacityBlockOffering } from '../commitments/capacity-block-offering.js';
import type { JobRequest } from '../jobs/job-request.js';
import { type CostModelConfig, DEFAULT_COST_MODEL } from '../pricing/cost-model.js';
import { relativeSpeed } from '../pricing/gpu-speed.js';
import type { Offer, PriceBook } from '../pricing/offer.js';
import { MEMORY_ONLY_MODELS } from './candidates.js';

/** Why an offering cannot take a job, in the order the checks run. */
export type CapacityBlockRejection =
  | 'unknown-type'
  | 'wrong-type'
  | 'not-enough-instances'
  | 'starts-before-now'
  | 'too-short'
  | 'misses-deadline';

export type CapacityBlockFit =
  | {
      readonly ok: true;
      /** Hours the job holds the block: one start-up and its run on the block's accelerator. */
      readonly hours: number;
      /** ISO instant the job is done when it starts with the block. */
      readonly finish: string;
    }
  | { readonly ok: false; readonly rejection: CapacityBlockRejection; readonly detail: string };

/** What a type offers a job, whatever the offer's price or purchase option. */
export type InstanceSpecs = Pick<Offer, 'gpuModel' | 'gpuCount' | 'gpuMemoryGiB' | 'efa' | 'acceleratorKind'>;

const HOUR_MS = 3_600_000;

/**
 * The hardware of every type in the book, from its first offer: a block's type is priced by its
 * fee, so any offer of it (on-demand or spot, any region) says what it holds. p5e, which AWS sells
 * on-demand only as blocks, is known from its spot offers.
 */
export const instanceSpecs = (book: PriceBook): Map<string, InstanceSpecs> => {
  const out = new Map<string, InstanceSpecs>();
  for (const o of book.offers) if (!out.has(o.instanceType)) out.set(o.instanceType, o);
  return out;
};

/** The first hardware rule the type breaks for the job, in words; `null` when it suits. */
const typeMismatch = (
  job: JobRequest,
  o: CapacityBlockOffering,
  specs: InstanceSpecs,
  regions: readonly string[] | undefined,
): string | null => {
  const { resources, runtime } = job;
  const models = resources.gpuModels !== undefined ? new Set(resources.gpuModels) : MEMORY_ONLY_MODELS;
  if (!models.has(specs.gpuModel))
    return `${specs.gpuModel} is not among the job's models (${[...models].join(', ')})`;
  const minMemory = resources.minGpuMemoryGiB;
  if (minMemory !== undefined && (specs.gpuMemoryGiB === null || specs.gpuMemoryGiB < minMemory))
    return `${specs.gpuMemoryGiB ?? 'unknown'} GiB per accelerator, the job needs ${minMemory}`;
  if (specs.gpuCount < resources.gpus)
    return `${specs.gpuCount} accelerators per instance, the job needs ${resources.gpus}`;
  if (resources.efa && !specs.efa) return 'no EFA, the job needs it';
  if (regions !== undefined && !regions.includes(o.region))
    return `${o.region} is not among the job's regions (${regions.join(', ')})`;
  // The cap is on the job's price per hour; on a block that is its share of the fee per hour.
  const perHour = (o.upfrontFeeUsd / (o.durationHours * o.instanceCount)) * resources.nodes;
  if (runtime.maxPricePerHour !== undefined && perHour > runtime.maxPricePerHour)
    return `${perHour.toFixed(2)} USD/h for its nodes, above the job's cap of ${runtime.maxPricePerHour}`;
  return null;
};

/** The regions a job may run in: its own, narrowed by the plan's (`qm plan --regions`). */
export const jobRegions = (
  job: JobRequest,
  planRegions?: readonly string[],
): readonly string[] | undefined => {
  const own = job.resources.regions;
  if (own !== undefined && planRegions !== undefined) return own.filter((r) => planRegions.includes(r));
  return own ?? planRegions;
};

/**
 * Whether a job can run in a block: a type that suits it (the planner's hardware and region
 * rules), enough instances for its nodes, a start no earlier than now, and a window long enough
 * for one start-up and its run on the block's accelerator, finished by the job's deadline. The job
 * starts when the block does (the earliest it can); a block is not shared in time.
 */
export const capacityBlockFit = (
  job: JobRequest,
  o: CapacityBlockOffering,
  specs: InstanceSpecs | undefined,
  nowMs: number,
  options: { readonly regions?: readonly string[]; readonly config?: CostModelConfig } = {},
): CapacityBlockFit => {
  const config = options.config ?? DEFAULT_COST_MODEL;
  if (specs === undefined)
    return { ok: false, rejection: 'unknown-type', detail: `${o.instanceType} is not in the price book` };
  const mismatch = typeMismatch(job, o, specs, jobRegions(job, options.regions));
  if (mismatch !== null)
    return { ok: false, rejection: 'wrong-type', detail: `${o.instanceType}: ${mismatch}` };
  const nodes = job.resources.nodes;
  if (o.instanceCount < nodes)
    return {
      ok: false,
      rejection: 'not-enough-instances',
      detail: `${o.instanceCount} instance${o.instanceCount === 1 ? '' : 's'}, the job needs ${nodes}`,
    };
  const startMs = Date.parse(o.start);
  if (startMs < nowMs)
    return {
      ok: false,
      rejection: 'starts-before-now',
      detail: `starts ${o.start}, before the planning instant`,
    };
  const { estimatedHours, referenceGpuModel } = job.runtime;
  const hours =
    estimatedHours / relativeSpeed(config.speed, specs.gpuModel, referenceGpuModel) +
    config.restartOverheadHours;
  if (o.durationHours < hours)
    return {
      ok: false,
      rejection: 'too-short',
      detail: `${o.durationHours.toFixed(2)} h long, the run needs ${hours.toFixed(2)} h`,
    };
  const finishMs = startMs + hours * HOUR_MS;
  const finish = new Date(finishMs).toISOString();
  const deadline = job.runtime.deadline;
  if (deadline !== undefined && finishMs > Date.parse(deadline))
    return {
      ok: false,
      rejection: 'misses-deadline',
      detail: `the run would end ${finish}, after the deadline ${deadline}`,
    };
  return { ok: true, hours, finish };
};
