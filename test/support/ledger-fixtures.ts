import {
  type JobRequest,
  type JobRequestInput,
  parseJobRequest,
} from '../../lambdas/core/jobs/job-request.js';
import type { Allocation, Candidate, DecisionRecord } from '../../lambdas/core/planning/plan.js';
import type { AllocateInput } from '../../lambdas/core/ports.js';
import type { Offer, PriceBook } from '../../lambdas/core/pricing/offer.js';

/** A valid job request; fields can be overridden at the top level. */
export const jobRequest = (jobId: string, overrides: Partial<JobRequestInput> = {}): JobRequest => {
  const parsed = parseJobRequest({
    jobId,
    team: 'vision',
    project: 'detector',
    priority: 100,
    resources: { gpus: 8, gpuModels: ['H100'] },
    runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 30 },
    tags: { owner: 'alice' },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(`fixture job request is invalid: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
};

const candidate: Candidate = {
  offerId: 'p5.48xlarge|us-east-1|us-east-1a|spot',
  instanceType: 'p5.48xlarge',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  purchaseOption: 'spot',
  quotaClass: 'spot/P',
  nodes: 1,
  unitPriceUsdPerHour: 12.5,
  expectedHours: 4.2,
  expectedCostUsd: 52.5,
  onDemandEquivalentUsd: 165.2,
  vcpus: 192,
  spotPriceImplied: false,
};

/** An allocation input for `job`, reserving `amountUsd` against a `limitUsd` budget. */
export const allocationFor = (
  job: { readonly jobId: string; readonly team: string; readonly version: number },
  amountUsd: number,
  limitUsd: number,
  period = '2026-03',
  attempt = 1,
): AllocateInput => {
  const allocation: Allocation = {
    ...candidate,
    expectedCostUsd: amountUsd,
    jobId: job.jobId,
    team: job.team,
    project: 'detector',
    priority: 100,
  };
  const decision: DecisionRecord = {
    jobId: job.jobId,
    team: job.team,
    candidatesConsidered: 3,
    candidates: [candidate],
    chosen: candidate,
    binding: null,
    priceBookId: 'book-2026-03-01',
  };
  return {
    jobId: job.jobId,
    expectedVersion: job.version,
    allocationId: `${job.jobId}-a${attempt}`,
    allocation,
    decision,
    reservation: { team: job.team, period, amountUsd, limitUsd },
  };
};

/** A price book with `count` distinct offers. */
export const priceBook = (id: string, count: number): PriceBook => {
  const offers: Offer[] = Array.from({ length: count }, (_, i) => ({
    id: `g5.${i}xlarge|us-east-1|*|on-demand`,
    instanceType: `g5.${i}xlarge`,
    region: 'us-east-1',
    availabilityZone: null,
    purchaseOption: 'on-demand',
    priceUsdPerHour: 1 + i / 100,
    onDemandPriceUsdPerHour: 1 + i / 100,
    acceleratorKind: 'gpu',
    gpuModel: 'A10G',
    gpuCount: 1,
    gpuMemoryGiB: 24,
    vcpus: 4,
    memoryGiB: 16,
    efa: false,
    quotaFamily: 'G',
    interruptionBucket: null,
    spotPriceImplied: false,
    source: 'AWS Price List API (test fixture)',
    asOf: '2026-03-01',
  }));
  return { id, source: 'live', asOf: '2026-03-01', offers };
};
