import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GpuModel } from '../../lambdas/core/jobs/gpu-model.js';
import {
  DEFAULT_COST_MODEL,
  deadlineVerdict,
  estimateJobCost,
  expectedInterruptions,
  HOURS_PER_MONTH,
  meetsDeadline,
  priceOffers,
} from '../../lambdas/core/pricing/cost-model.js';
import { makeJob, makeOffer } from '../support/offer-fixtures.js';

describe('estimateJobCost', () => {
  it('charges price × nodes × (one start-up + hours) on an on-demand offer of the reference model', () => {
    const job = makeJob({ jobId: 'j', resources: { gpus: 8, nodes: 2, gpuModels: ['A100-80GB'] } });
    const offer = makeOffer({
      instanceType: 'p4de.24xlarge',
      region: 'us-east-1',
      purchaseOption: 'on-demand',
      priceUsdPerHour: 40,
      onDemandPriceUsdPerHour: 40,
    });
    const e = estimateJobCost(job, offer);
    expect(e.baseHours).toBe(10);
    // The instance is billed while it boots: 0.2 h of start-up before the 10 h of work.
    expect(e.expectedHours).toBe(10.2);
    expect(e.expectedCostUsd).toBeCloseTo(816, 9);
    expect(e.onDemandEquivalentUsd).toBe(800);
  });

  it('shortens the run on a faster accelerator by the speed table ratio', () => {
    const job = makeJob({ jobId: 'j', resources: { gpus: 8, gpuModels: ['H100'] } });
    const offer = makeOffer({
      instanceType: 'p5.48xlarge',
      region: 'us-east-1',
      purchaseOption: 'on-demand',
      gpuModel: 'H100',
    });
    expect(estimateJobCost(job, offer).baseHours).toBeCloseTo((10 * 312) / 989, 10);
  });

  it('adds expected spot rework from the interruption bucket, checkpoint and restart overhead', () => {
    const job = makeJob({
      jobId: 'j',
      resources: { gpus: 8, nodes: 4, gpuModels: ['A100-80GB'] },
      runtime: { estimatedHours: 100, interruptible: true, checkpointMinutes: 30 },
    });
    const offer = makeOffer({
      instanceType: 'p4de.24xlarge',
      region: 'us-east-1',
      purchaseOption: 'spot',
      priceUsdPerHour: 12,
      onDemandPriceUsdPerHour: 40,
      interruptionBucket: 4,
    });
    const e = estimateJobCost(job, offer);
    const hazard = 0.25 / HOURS_PER_MONTH;
    const interruptions = hazard * 4 * 100;
    expect(e.expectedInterruptions).toBeCloseTo(interruptions, 12);
    expect(e.expectedHours).toBeCloseTo(100 + 0.2 + interruptions * (0.2 + 0.25), 10);
    expect(e.expectedCostUsd).toBeCloseTo(12 * 4 * e.expectedHours, 8);
    expect(e.onDemandEquivalentUsd).toBe(40 * 4 * 100);
  });

  it('treats an unknown interruption bucket as the worst one', () => {
    const known = makeOffer({
      instanceType: 'x',
      region: 'r',
      purchaseOption: 'spot',
      interruptionBucket: 4,
    });
    const unknown = makeOffer({
      instanceType: 'x',
      region: 'r',
      purchaseOption: 'spot',
      interruptionBucket: null,
    });
    expect(expectedInterruptions(unknown, 1, 10)).toBe(expectedInterruptions(known, 1, 10));
    expect(
      expectedInterruptions(
        makeOffer({ instanceType: 'x', region: 'r', purchaseOption: 'on-demand' }),
        1,
        10,
      ),
    ).toBe(0);
  });
});

describe('deadlineVerdict', () => {
  const job = makeJob({
    jobId: 'j',
    runtime: { estimatedHours: 10, interruptible: true, checkpointMinutes: 60 },
  });
  const spot = makeOffer({ instanceType: 'p4de.24xlarge', region: 'us-east-1', purchaseOption: 'spot' });
  const od = makeOffer({ instanceType: 'p4de.24xlarge', region: 'us-east-1', purchaseOption: 'on-demand' });

  it('allows anything without a deadline', () => {
    expect(deadlineVerdict(job, spot, estimateJobCost(job, spot), null).ok).toBe(true);
  });

  it('allows on-demand when the run and one start-up fit', () => {
    expect(deadlineVerdict(job, od, estimateJobCost(job, od), 10.2).ok).toBe(true);
    expect(deadlineVerdict(job, od, estimateJobCost(job, od), 10.1).ok).toBe(false);
  });

  it('forbids spot once the slack cannot absorb one interruption', () => {
    const e = estimateJobCost(job, spot);
    const margin = DEFAULT_COST_MODEL.restartOverheadHours + 0.5;
    // expectedHours already holds the first start-up; the margin is the second one plus lost work.
    const needed = e.expectedHours + margin;
    expect(deadlineVerdict(job, spot, e, needed + 1e-9).ok).toBe(true);
    const tight = deadlineVerdict(job, spot, e, needed - 0.01);
    expect(tight.ok).toBe(false);
    expect(tight.ok ? '' : tight.reason).toMatch(/slack/);
  });

  it('agrees with meetsDeadline, the test without the reason, for any hours left', () => {
    fc.assert(
      fc.property(
        fc.option(fc.double({ min: -5, max: 40, noNaN: true }), { nil: null }),
        fc.constantFrom(spot, od),
        (hoursLeft, offer) => {
          const e = estimateJobCost(job, offer);
          expect(meetsDeadline(job, offer, e, hoursLeft)).toBe(deadlineVerdict(job, offer, e, hoursLeft).ok);
        },
      ),
    );
  });
});

describe('priceOffers', () => {
  const offerArb = fc.record({
    model: fc.constantFrom<GpuModel>('A100-80GB', 'H100', 'L4', 'T4'),
    spot: fc.boolean(),
    bucket: fc.constantFrom(0, 1, 2, 3, 4, null),
    price: fc.double({ min: 0.05, max: 90, noNaN: true }),
    onDemand: fc.option(fc.double({ min: 0.05, max: 90, noNaN: true }), { nil: null }),
  });
  const jobArb = fc.record({
    nodes: fc.integer({ min: 1, max: 4 }),
    hours: fc.double({ min: 0.1, max: 500, noNaN: true }),
    reference: fc.constantFrom<GpuModel>('A100-80GB', 'H100', 'L4'),
    checkpoint: fc.option(fc.integer({ min: 1, max: 240 }), { nil: undefined }),
    deadlineHours: fc.option(fc.double({ min: -5, max: 600, noNaN: true }), { nil: null }),
  });

  it('gives every offer exactly the estimate and deadline answer of estimateJobCost and meetsDeadline', () => {
    fc.assert(
      fc.property(fc.array(offerArb, { minLength: 1, maxLength: 12 }), jobArb, (rows, j) => {
        const offers = rows.map((r, i) =>
          makeOffer({
            instanceType: `t${i}`,
            region: 'us-east-1',
            purchaseOption: r.spot ? 'spot' : 'on-demand',
            gpuModel: r.model,
            priceUsdPerHour: r.price,
            onDemandPriceUsdPerHour: r.onDemand,
            interruptionBucket: r.spot ? r.bucket : null,
          }),
        );
        const job = makeJob({
          jobId: 'j',
          resources: { gpus: 1, nodes: j.nodes, gpuModels: ['A100-80GB'] },
          runtime: {
            estimatedHours: j.hours,
            referenceGpuModel: j.reference,
            ...(j.checkpoint !== undefined ? { checkpointMinutes: j.checkpoint } : {}),
          },
        });
        const n = offers.length;
        const cost = new Float64Array(n);
        const hours = new Float64Array(n);
        const onDemand = new Float64Array(n);
        const meets = new Uint8Array(n);
        const firstMiss = priceOffers(
          job,
          offers,
          j.deadlineHours,
          DEFAULT_COST_MODEL,
          cost,
          hours,
          onDemand,
          meets,
        );
        let expectedMiss = -1;
        offers.forEach((offer, i) => {
          const e = estimateJobCost(job, offer);
          const ok = meetsDeadline(job, offer, e, j.deadlineHours);
          expect([cost[i], hours[i], onDemand[i], meets[i]]).toEqual([
            e.expectedCostUsd,
            e.expectedHours,
            e.onDemandEquivalentUsd,
            ok ? 1 : 0,
          ]);
          if (!ok && expectedMiss < 0) expectedMiss = i;
        });
        expect(firstMiss).toBe(expectedMiss);
      }),
      { numRuns: 200 },
    );
  });
});
