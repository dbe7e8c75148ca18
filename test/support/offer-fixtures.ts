import type { GpuModel } from '../../lambdas/core/jobs/gpu-model.js';
import type { JobRequest, JobRequestInput } from '../../lambdas/core/jobs/job-request.js';
import { JobRequestSchema } from '../../lambdas/core/jobs/job-request.js';
import type { Offer, PriceBook, PurchaseOption, QuotaFamily } from '../../lambdas/core/pricing/offer.js';

/** A hand-made offer with sensible defaults; tests override what they exercise. */
export const makeOffer = (
  over: Partial<Offer> & { instanceType: string; region: string; purchaseOption: PurchaseOption },
): Offer => {
  const az = over.availabilityZone ?? null;
  const base: Offer = {
    id: `${over.instanceType}|${over.region}|${az ?? '*'}|${over.purchaseOption}`,
    instanceType: over.instanceType,
    region: over.region,
    availabilityZone: az,
    purchaseOption: over.purchaseOption,
    priceUsdPerHour: 1,
    onDemandPriceUsdPerHour: 1,
    acceleratorKind: 'gpu',
    gpuModel: 'A100-80GB' as GpuModel,
    gpuCount: 8,
    gpuMemoryGiB: 80,
    vcpus: 96,
    memoryGiB: 1152,
    efa: true,
    quotaFamily: 'P' as QuotaFamily,
    interruptionBucket: over.purchaseOption === 'spot' ? 1 : null,
    spotPriceImplied: false,
    source: 'test',
    asOf: '2026-11-01',
  };
  return { ...base, ...over, id: over.id ?? base.id };
};

export const makeBook = (offers: readonly Offer[]): PriceBook => ({
  id: 'test-book',
  source: 'static',
  asOf: '2026-11-01',
  offers,
});

/** A validated job with defaults applied. */
export const makeJob = (input: Partial<JobRequestInput> & { jobId: string }): JobRequest =>
  JobRequestSchema.parse({
    team: 'vision',
    project: 'p',
    resources: { gpus: 8, gpuModels: ['A100-80GB'] },
    runtime: { estimatedHours: 10 },
    ...input,
  });
