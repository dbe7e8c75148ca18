import type { JobRequest } from '../jobs/job-request.js';
import { DEFAULT_GPU_SPEED, type GpuSpeedTable, relativeSpeed } from './gpu-speed.js';
import type { InterruptionBucket, Offer } from './offer.js';

/** Knobs of the expected-cost model. Every default is documented where it is set. */
export interface CostModelConfig {
  readonly speed: GpuSpeedTable;
  /** Hours lost each time a job (re)starts on a new instance: boot, image pull, warm-up. */
  readonly restartOverheadHours: number;
  /**
   * Fraction of spot instances interrupted per month for each Spot Instance Advisor bucket. The
   * advisor publishes ranges (<5 %, 5–10 %, 10–15 %, 15–20 %, >20 %); the defaults take each
   * range's midpoint and 25 % for the open-ended top bucket.
   */
  readonly monthlyInterruptionRate: Readonly<Record<InterruptionBucket, number>>;
  /** Bucket assumed when the advisor has no figure: the worst, so an unknown pool is never favoured. */
  readonly unknownBucket: InterruptionBucket;
  /**
   * How far a zone's spot placement score moves the advisor's hazard: a score of 10 divides it by
   * this, a score of 1 multiplies it by this, geometrically in between (5.5 leaves it). The advisor
   * rates a type region-wide over the last month; the score rates a zone's capacity now, and a
   * reclaim is capacity running out, so it ranks the zones of one type. Bounded, because EC2 says
   * the score is no promise about interruptions. 1 ignores scores.
   */
  readonly placementScoreHazardRange: number;
}

/** Hours in an average month (8,760 / 12): turns the advisor's monthly rate into an hourly hazard. */
export const HOURS_PER_MONTH = 730;

export const DEFAULT_COST_MODEL: CostModelConfig = Object.freeze({
  speed: DEFAULT_GPU_SPEED,
  // The changeover overhead used by the spot-deadline literature ("Can't Be Late", NSDI'24).
  restartOverheadHours: 0.2,
  monthlyInterruptionRate: Object.freeze({ 0: 0.025, 1: 0.075, 2: 0.125, 3: 0.175, 4: 0.25 }),
  unknownBucket: 4,
  placementScoreHazardRange: 2,
});

/** Middle of the 1–10 placement score scale: a score here leaves the advisor's hazard as it is. */
const NEUTRAL_SCORE = 5.5;

/**
 * Interruptions per instance-hour of a spot offer: its advisor bucket's monthly rate spread over a
 * month, moved by its zone's placement score when the book has one.
 */
export const hourlyHazardOf = (offer: Offer, config: CostModelConfig = DEFAULT_COST_MODEL): number => {
  const monthly = config.monthlyInterruptionRate[offer.interruptionBucket ?? config.unknownBucket];
  const score = offer.placementScore;
  const range = config.placementScoreHazardRange ?? 1;
  const factor =
    score === undefined || range === 1 ? 1 : range ** ((NEUTRAL_SCORE - score) / (NEUTRAL_SCORE - 1));
  return (monthly * factor) / HOURS_PER_MONTH;
};

/** Hours of useful work the job needs on the offer's accelerator (no interruptions). */
export const baseHoursOn = (
  job: JobRequest,
  offer: Offer,
  config: CostModelConfig = DEFAULT_COST_MODEL,
): number =>
  job.runtime.estimatedHours / relativeSpeed(config.speed, offer.gpuModel, job.runtime.referenceGpuModel);

/** Work lost per interruption: half a checkpoint interval on average, or half the run without checkpoints. */
export const lostHoursPerInterruption = (job: JobRequest, baseHours: number): number =>
  job.runtime.checkpointMinutes !== undefined ? job.runtime.checkpointMinutes / 60 / 2 : baseHours / 2;

/**
 * Expected number of interruptions of a gang of `nodes` spot instances over `hours`: any node's
 * interruption stops the whole gang, so the hazards add up.
 */
export const expectedInterruptions = (
  offer: Offer,
  nodes: number,
  hours: number,
  config: CostModelConfig = DEFAULT_COST_MODEL,
): number => {
  if (offer.purchaseOption !== 'spot') return 0;
  return hourlyHazardOf(offer, config) * nodes * hours;
};

export interface JobCostEstimate {
  /** Useful hours on this offer. */
  readonly baseHours: number;
  /** Wall-clock hours billed: the first start-up, the useful hours and the expected spot rework. */
  readonly expectedHours: number;
  readonly expectedInterruptions: number;
  readonly expectedCostUsd: number;
  /** Base hours at the on-demand price of this type and region (or this price when AWS sells no on-demand). */
  readonly onDemandEquivalentUsd: number;
}

/**
 * Expected cost of running `job` on `offer`: price × nodes × (one start-up + hours / relative speed
 * + for spot, expected interruptions × (restart overhead + lost work per interruption)).
 */
export const estimateJobCost = (
  job: JobRequest,
  offer: Offer,
  config: CostModelConfig = DEFAULT_COST_MODEL,
): JobCostEstimate => {
  const nodes = job.resources.nodes;
  const baseHours = baseHoursOn(job, offer, config);
  const interruptions = expectedInterruptions(offer, nodes, baseHours, config);
  const rework = interruptions * (config.restartOverheadHours + lostHoursPerInterruption(job, baseHours));
  // One start-up before any work is billed too (the instance runs while it boots and warms up),
  // so an estimate without it is short by that much on every allocation and every settlement
  // overruns its reservation.
  const expectedHours = baseHours + config.restartOverheadHours + rework;
  const referencePrice = offer.onDemandPriceUsdPerHour ?? offer.priceUsdPerHour;
  return {
    baseHours,
    expectedHours,
    expectedInterruptions: interruptions,
    expectedCostUsd: offer.priceUsdPerHour * nodes * expectedHours,
    onDemandEquivalentUsd: referencePrice * nodes * baseHours,
  };
};

export type DeadlineVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The test behind `deadlineVerdict`, without its reason: pricing a batch asks it for every
 * feasible offer and needs the words only for the first miss, so no string is built per offer.
 */
export const meetsDeadline = (
  job: JobRequest,
  offer: Offer,
  estimate: JobCostEstimate,
  hoursToDeadline: number | null,
  config: CostModelConfig = DEFAULT_COST_MODEL,
): boolean => {
  if (hoursToDeadline === null) return true;
  const restart = config.restartOverheadHours;
  if (offer.purchaseOption === 'on-demand') return estimate.baseHours + restart <= hoursToDeadline;
  const slack = hoursToDeadline - estimate.expectedHours;
  return slack >= restart + lostHoursPerInterruption(job, estimate.baseHours);
};

/**
 * Whether the job can meet its deadline on this offer, given `hoursToDeadline` from now.
 * On-demand needs the run plus one start-up. Spot is allowed only while the slack also absorbs one
 * interruption (its lost work and a second start-up), so a late interruption can still fall back
 * to on-demand in time.
 */
export const deadlineVerdict = (
  job: JobRequest,
  offer: Offer,
  estimate: JobCostEstimate,
  hoursToDeadline: number | null,
  config: CostModelConfig = DEFAULT_COST_MODEL,
): DeadlineVerdict => {
  if (meetsDeadline(job, offer, estimate, hoursToDeadline, config) || hoursToDeadline === null)
    return { ok: true };
  const restart = config.restartOverheadHours;
  if (offer.purchaseOption === 'on-demand')
    return {
      ok: false,
      reason: `needs ${(estimate.baseHours + restart).toFixed(2)} h on-demand, ${hoursToDeadline.toFixed(2)} h to deadline`,
    };
  const slack = hoursToDeadline - estimate.expectedHours;
  const margin = restart + lostHoursPerInterruption(job, estimate.baseHours);
  return {
    ok: false,
    reason: `spot slack ${slack.toFixed(2)} h is below the ${margin.toFixed(2)} h needed to absorb an interruption`,
  };
};

/**
 * `estimateJobCost` and `meetsDeadline` for one job over many offers, written into arrays at the
 * offers' positions (`meets[i]` is 1 when offer `i` meets the deadline): the same arithmetic in the
 * same order, so the same numbers to the bit, without an estimate object and five calls per offer.
 * Pricing a 10,000-job batch runs this over some 60,000 offers, mostly before the JIT has
 * compiled it. Returns the position of the first offer that misses the deadline, or -1.
 */
export const priceOffers = (
  job: JobRequest,
  offers: readonly Offer[],
  hoursToDeadline: number | null,
  config: CostModelConfig,
  cost: Float64Array,
  hours: Float64Array,
  onDemand: Float64Array,
  meets: Uint8Array,
): number => {
  const nodes = job.resources.nodes;
  const { estimatedHours, referenceGpuModel, checkpointMinutes } = job.runtime;
  const { speed, restartOverheadHours: restart } = config;
  const referenceSpeed = speed[referenceGpuModel];
  // Work lost per interruption when the job checkpoints (see `lostHoursPerInterruption`).
  const checkpointLoss = checkpointMinutes !== undefined ? checkpointMinutes / 60 / 2 : null;
  let firstMiss = -1;
  for (let i = 0; i < offers.length; i++) {
    const offer = offers[i] as Offer;
    const baseHours = estimatedHours / (speed[offer.gpuModel] / referenceSpeed);
    const lost = checkpointLoss ?? baseHours / 2;
    const spot = offer.purchaseOption === 'spot';
    let interruptions = 0;
    if (spot) interruptions = hourlyHazardOf(offer, config) * nodes * baseHours;
    const expectedHours = baseHours + restart + interruptions * (restart + lost);
    cost[i] = offer.priceUsdPerHour * nodes * expectedHours;
    hours[i] = expectedHours;
    onDemand[i] = (offer.onDemandPriceUsdPerHour ?? offer.priceUsdPerHour) * nodes * baseHours;
    let ok = true;
    if (hoursToDeadline !== null) {
      if (offer.purchaseOption === 'on-demand') ok = baseHours + restart <= hoursToDeadline;
      else ok = hoursToDeadline - expectedHours >= restart + lost;
    }
    meets[i] = ok ? 1 : 0;
    if (!ok && firstMiss < 0) firstMiss = i;
  }
  return firstMiss;
};
