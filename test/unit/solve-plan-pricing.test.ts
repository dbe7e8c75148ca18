import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GpuModel } from '../../lambdas/core/jobs/gpu-model.js';
import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import {
  candidatesFor,
  compareCandidates,
  type OfferFilterResult,
  priceOptions,
  pruneDominated,
} from '../../lambdas/core/planning/candidates.js';
import { groupJobClasses, pricingSignature } from '../../lambdas/core/planning/job-classes.js';
import type { Candidate } from '../../lambdas/core/planning/plan.js';
import { deadlineVerdict, estimateJobCost } from '../../lambdas/core/pricing/cost-model.js';
import { type Offer, quotaClassOf } from '../../lambdas/core/pricing/offer.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const CUDA = new Set<GpuModel>(['A100-80GB', 'H100', 'L4']);

const offersArb = fc
  .array(
    fc.record({
      type: fc.constantFrom(
        { name: 'p4de.24xlarge', model: 'A100-80GB', gpus: 8, vcpus: 96, family: 'P' },
        { name: 'p5.48xlarge', model: 'H100', gpus: 8, vcpus: 192, family: 'P' },
        { name: 'g6.xlarge', model: 'L4', gpus: 1, vcpus: 4, family: 'G' },
        { name: 'g6.12xlarge', model: 'L4', gpus: 4, vcpus: 48, family: 'G' },
        { name: 'inf2.xlarge', model: 'Inferentia2', gpus: 1, vcpus: 4, family: 'Inf' },
      ),
      region: fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1'),
      spot: fc.boolean(),
      price: fc.double({ min: 0.2, max: 60, noNaN: true }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((rows) => {
    const seen = new Map<string, Offer>();
    for (const r of rows) {
      const offer = makeOffer({
        instanceType: r.type.name,
        region: r.region,
        purchaseOption: r.spot ? 'spot' : 'on-demand',
        priceUsdPerHour: r.price,
        onDemandPriceUsdPerHour: r.price * 1.5,
        gpuModel: r.type.model as GpuModel,
        gpuCount: r.type.gpus,
        gpuMemoryGiB: 24,
        vcpus: r.type.vcpus,
        acceleratorKind: r.type.model === 'Inferentia2' ? 'neuron' : 'gpu',
        quotaFamily: r.type.family as Offer['quotaFamily'],
      });
      seen.set(offer.id, offer);
    }
    return [...seen.values()];
  });

const jobsArb = fc.array(
  fc.record({
    gpus: fc.constantFrom(1, 4, 8),
    nodes: fc.integer({ min: 1, max: 2 }),
    models: fc.option(fc.subarray(['A100-80GB', 'H100', 'L4'] as const, { minLength: 1 }), {
      nil: undefined,
    }),
    hours: fc.constantFrom(1, 5, 40),
    deadlineHours: fc.option(fc.constantFrom(3, 20, 100), { nil: undefined }),
    interruptible: fc.boolean(),
    team: fc.constantFrom('vision', 'nlp'),
    priority: fc.constantFrom(10, 500),
    // Repeats and a region no offer is in included: the filter must still list each offer once.
    regions: fc.option(
      fc.array(fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'), {
        minLength: 1,
        maxLength: 3,
      }),
      { nil: undefined },
    ),
  }),
  { minLength: 1, maxLength: 10 },
);

type JobRow = typeof jobsArb extends fc.Arbitrary<Array<infer R>> ? R : never;

const toJobs = (rows: readonly JobRow[]) =>
  rows.map((r, i) =>
    makeJob({
      jobId: `job-${i}`,
      team: r.team,
      priority: r.priority,
      resources: {
        gpus: r.gpus,
        nodes: r.nodes,
        ...(r.models !== undefined ? { gpuModels: [...r.models] } : { minGpuMemoryGiB: 16 }),
        ...(r.regions !== undefined ? { regions: r.regions } : {}),
      },
      runtime: {
        estimatedHours: r.hours,
        interruptible: r.interruptible,
        ...(r.deadlineHours !== undefined
          ? { deadline: new Date(NOW + r.deadlineHours * 3_600_000).toISOString() }
          : {}),
      },
    }),
  );

/** Every offer the job may use, priced one by one and sorted: the plain definition. */
const reference = (job: JobRequest, offers: readonly Offer[]): Candidate[] => {
  const { resources: r, runtime: t } = job;
  const hoursToDeadline = t.deadline !== undefined ? (Date.parse(t.deadline) - NOW) / 3_600_000 : null;
  const out: Candidate[] = [];
  for (const o of offers) {
    const modelOk =
      r.gpuModels !== undefined
        ? r.gpuModels.includes(o.gpuModel)
        : CUDA.has(o.gpuModel) && (o.gpuMemoryGiB ?? 0) >= (r.minGpuMemoryGiB ?? 0);
    if (!modelOk || o.gpuCount < r.gpus || (r.efa && !o.efa)) continue;
    if (r.regions !== undefined && !r.regions.includes(o.region)) continue;
    if (!t.interruptible && o.purchaseOption === 'spot') continue;
    const estimate = estimateJobCost(job, o);
    if (!deadlineVerdict(job, o, estimate, hoursToDeadline).ok) continue;
    out.push({
      offerId: o.id,
      instanceType: o.instanceType,
      region: o.region,
      availabilityZone: o.availabilityZone,
      purchaseOption: o.purchaseOption,
      quotaClass: quotaClassOf(o.purchaseOption, o.quotaFamily),
      nodes: r.nodes,
      unitPriceUsdPerHour: o.priceUsdPerHour,
      expectedHours: estimate.expectedHours,
      expectedCostUsd: estimate.expectedCostUsd,
      onDemandEquivalentUsd: estimate.onDemandEquivalentUsd,
      vcpus: o.vcpus * r.nodes,
      spotPriceImplied: o.spotPriceImplied,
    });
  }
  return out.sort(compareCandidates);
};

describe('priceOptions', () => {
  it('lists the same candidates and pruned set as pricing every offer one by one, with or without a shared filter cache', () => {
    fc.assert(
      fc.property(offersArb, jobsArb, (offers, rows) => {
        const priceBook = makeBook(offers);
        const filterCache = new Map<string, OfferFilterResult>();
        for (const job of toJobs(rows)) {
          const expected = reference(job, offers);
          expect(candidatesFor(job, { priceBook, nowMs: NOW }).candidates).toEqual(expected);
          for (const options of [
            priceOptions(job, { priceBook, nowMs: NOW }),
            priceOptions(job, { priceBook, nowMs: NOW, filterCache }),
          ]) {
            expect(options.size).toBe(expected.length);
            expect(options.top(options.size)).toEqual(expected);
            expect(options.model()).toEqual(pruneDominated(expected));
            expect(options.emptyReason === null).toBe(expected.length > 0);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('ranks each job by its own costs when jobs sharing a filter pass rank the offers differently', () => {
    // Without checkpoints a reclaim loses half the run, so spot's expected rework grows with the
    // run: for 1 h the spot offer is the cheaper, for 2,000 h the on-demand one.
    const offers = [
      makeOffer({
        instanceType: 'p4de.24xlarge',
        region: 'us-east-1',
        purchaseOption: 'spot',
        priceUsdPerHour: 1,
        interruptionBucket: 4,
      }),
      makeOffer({
        instanceType: 'p4de.24xlarge',
        region: 'us-east-1',
        purchaseOption: 'on-demand',
        priceUsdPerHour: 1.3,
      }),
    ];
    const priceBook = makeBook(offers);
    const filterCache = new Map<string, OfferFilterResult>();
    const job = (jobId: string, hours: number) =>
      makeJob({ jobId, runtime: { estimatedHours: hours, interruptible: true } });
    const short = priceOptions(job('short', 1), { priceBook, nowMs: NOW, filterCache });
    const long = priceOptions(job('long', 2000), { priceBook, nowMs: NOW, filterCache });
    expect(filterCache.size).toBe(1);
    expect(short.top(2).map((c) => c.purchaseOption)).toEqual(['spot', 'on-demand']);
    expect(long.top(2).map((c) => c.purchaseOption)).toEqual(['on-demand', 'spot']);
    expect(long.top(2)).toEqual(reference(job('long', 2000), offers));
  });

  it('gives one position the same candidate object every time', () => {
    const offers = [
      makeOffer({ instanceType: 'p4de.24xlarge', region: 'us-east-1', purchaseOption: 'on-demand' }),
    ];
    const options = priceOptions(makeJob({ jobId: 'a' }), { priceBook: makeBook(offers), nowMs: NOW });
    expect(options.at(0)).toBe(options.top(1)[0]);
    expect(options.model()[0]).toBe(options.at(0));
  });

  it('never offers a job that names only a memory size a non-CUDA accelerator', () => {
    const offers = [
      makeOffer({
        instanceType: 'g6.xlarge',
        region: 'us-east-1',
        purchaseOption: 'on-demand',
        gpuModel: 'L4',
        gpuCount: 1,
        gpuMemoryGiB: 24,
      }),
      makeOffer({
        instanceType: 'inf2.xlarge',
        region: 'us-east-1',
        purchaseOption: 'on-demand',
        gpuModel: 'Inferentia2',
        gpuCount: 1,
        gpuMemoryGiB: 32,
        acceleratorKind: 'neuron',
      }),
      makeOffer({
        instanceType: 'trn1.2xlarge',
        region: 'us-east-1',
        purchaseOption: 'on-demand',
        gpuModel: 'Trainium',
        gpuCount: 1,
        gpuMemoryGiB: 32,
        acceleratorKind: 'neuron',
      }),
    ];
    const job = makeJob({ jobId: 'm', resources: { gpus: 1, minGpuMemoryGiB: 16 } });
    const found = candidatesFor(job, { priceBook: makeBook(offers), nowMs: NOW });
    expect(found.candidates.map((c) => c.instanceType)).toEqual(['g6.xlarge']);
  });
});

describe('pricingSignature', () => {
  it('is shared by classes that differ only in team or priority', () => {
    const jobs = [
      makeJob({ jobId: 'a', team: 'vision', priority: 10 }),
      makeJob({ jobId: 'b', team: 'nlp', priority: 10 }),
      makeJob({ jobId: 'c', team: 'vision', priority: 500 }),
      makeJob({ jobId: 'd', team: 'vision', priority: 10, runtime: { estimatedHours: 11 } }),
    ];
    const classes = groupJobClasses(jobs);
    expect(classes).toHaveLength(4);
    expect(new Set(classes.map((c) => c.pricingSignature)).size).toBe(2);
    expect(classes[0]?.pricingSignature).toBe(pricingSignature(jobs[0] as (typeof jobs)[number]));
  });
});
