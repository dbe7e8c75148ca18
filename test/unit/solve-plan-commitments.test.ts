import { beforeAll, describe, expect, it } from 'vitest';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import type { Commitment } from '../../lambdas/core/commitments/commitment.js';
import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import { commitmentOffers, drawnByCommitment } from '../../lambdas/core/planning/commitment-offers.js';
import type { PlanInput } from '../../lambdas/core/planning/plan-input.js';
import { solvePlan } from '../../lambdas/core/planning/solve-plan.js';
import type { Offer, QuotaClass } from '../../lambdas/core/pricing/offer.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

let solver: HighsMilpSolver;
beforeAll(async () => {
  solver = await HighsMilpSolver.create();
});

const NOW = Date.parse('2026-11-26T12:00:00Z');

const p4de = (option: 'spot' | 'on-demand', price: number): Offer =>
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    purchaseOption: option,
    priceUsdPerHour: price,
    onDemandPriceUsdPerHour: 40,
  });

const book = makeBook([p4de('on-demand', 40), p4de('spot', 15)]);

const odcr = (over: Partial<Commitment> = {}): Commitment =>
  ({
    kind: 'capacity-reservation',
    id: 'cr-0a1b2c3d4e5f60718',
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    count: 1,
    unitPriceUsdPerHour: null,
    start: '2026-11-01T00:00:00Z',
    end: null,
    ...over,
  }) as Commitment;

const sweep = (jobId: string, over: Partial<JobRequest['runtime']> = {}): JobRequest =>
  makeJob({ jobId, runtime: { estimatedHours: 10, interruptible: true, checkpointMinutes: 30, ...over } });

const input = (jobs: JobRequest[], over: Partial<PlanInput> = {}): PlanInput => ({
  jobs,
  priceBook: book,
  quotaLimit: () => null,
  teams: new Map(),
  nowMs: NOW,
  ...over,
});

const withCommitments = (commitments: Commitment[], drawn: Map<string, number> = new Map()) => ({
  commitments: { commitments, drawn },
});

describe('solvePlan with commitments (ADR 0015)', () => {
  it('moves an interruptible job from spot to an idle capacity reservation, whose hours are already paid', () => {
    const without = solvePlan(input([sweep('a')]), solver);
    expect(without.allocations[0]?.purchaseOption).toBe('spot');
    const plan = solvePlan(input([sweep('a')], withCommitments([odcr()])), solver);
    const a = plan.allocations[0];
    expect(a?.purchaseOption).toBe('on-demand');
    expect(a?.availabilityZone).toBe('us-east-1a');
    expect(a?.commitment).toMatchObject({
      id: 'cr-0a1b2c3d4e5f60718',
      kind: 'capacity-reservation',
      units: 1,
    });
    // Billed at the type's on-demand rate whether used or not: the expected hours (the run and its
    // start-up) x 40 USD drawn from it, at a marginal cost of nothing.
    expect(a?.expectedHours).toBeGreaterThan(10);
    expect(a?.commitment?.effectiveCostUsd).toBeCloseTo((a?.expectedHours ?? 0) * 40, 6);
    expect(a?.expectedCostUsd).toBe(0);
    expect(plan.totals.expectedCostUsd).toBeLessThan(without.totals.expectedCostUsd);
    expect(plan.decisions[0]?.chosen?.commitment?.id).toBe('cr-0a1b2c3d4e5f60718');
  });

  it('places no more jobs on a commitment than it has units left, on the exact and the greedy path', () => {
    const jobs = ['a', 'b', 'c'].map((id) => makeJob({ jobId: id, runtime: { estimatedHours: 10 } }));
    for (const exactColumnLimit of [1000, 0]) {
      const plan = solvePlan(
        input(jobs, { exactColumnLimit, ...withCommitments([odcr({ count: 2 })]) }),
        solver,
      );
      expect(plan.allocations).toHaveLength(3);
      expect(plan.allocations.filter((a) => a.commitment !== undefined)).toHaveLength(2);
      expect(drawnByCommitment(plan.allocations).get('cr-0a1b2c3d4e5f60718')).toBe(2);
      expect(plan.totals.lowerBoundUsd).toBeLessThanOrEqual(plan.totals.expectedCostUsd + 1e-6);
    }
  });

  it('counts what running allocations already draw, so a full reservation is left alone', () => {
    const plan = solvePlan(
      input([sweep('a')], withCommitments([odcr()], new Map([['cr-0a1b2c3d4e5f60718', 1]]))),
      solver,
    );
    expect(plan.allocations[0]?.commitment).toBeUndefined();
    expect(plan.allocations[0]?.purchaseOption).toBe('spot');
  });

  it('puts no job on a commitment it would outrun', () => {
    const ending = odcr({ end: '2026-11-26T18:00:00Z' });
    expect(
      solvePlan(input([sweep('long')], withCommitments([ending])), solver).allocations[0]?.commitment,
    ).toBe(undefined);
    const short = sweep('short', { estimatedHours: 2 });
    expect(solvePlan(input([short], withCommitments([ending])), solver).allocations[0]?.commitment?.id).toBe(
      'cr-0a1b2c3d4e5f60718',
    );
  });

  it('covers with a Savings Plan only as many instances as its hourly commitment pays for at its rate', () => {
    const plan: Commitment = {
      kind: 'savings-plan',
      id: 'sp-1',
      planType: 'compute',
      region: null,
      hourlyCommitmentUsd: 60,
      discounts: { p4de: 0.3 },
      start: '2026-01-01T00:00:00Z',
      end: '2027-01-01T00:00:00Z',
    };
    const { offers, left } = commitmentOffers(book, { commitments: [plan], drawn: new Map() }, NOW);
    expect(offers).toHaveLength(1);
    expect(offers[0]?.commitment?.effectiveRateUsdPerHour).toBeCloseTo(28, 9);
    expect(left.get('sp-1')).toBe(60);
    const jobs = ['a', 'b', 'c'].map((id) => makeJob({ jobId: id, runtime: { estimatedHours: 10 } }));
    const placed = solvePlan(input(jobs, withCommitments([plan])), solver);
    // 60 USD an hour at 28 USD an instance-hour covers two instances; the third pays list price.
    expect(placed.allocations.filter((a) => a.commitment?.id === 'sp-1')).toHaveLength(2);
    expect(placed.allocations.find((a) => a.commitment === undefined)?.expectedCostUsd).toBeGreaterThan(0);
  });

  it('counts a job on a commitment against the on-demand quota pool', () => {
    const quotaLimit = (_r: string, cls: QuotaClass) => (cls === 'on-demand/P' ? 96 : null);
    const jobs = ['a', 'b'].map((id) => makeJob({ jobId: id, runtime: { estimatedHours: 10 } }));
    const plan = solvePlan(input(jobs, { quotaLimit, ...withCommitments([odcr({ count: 2 })]) }), solver);
    expect(plan.allocations).toHaveLength(1);
    expect(plan.waiting[0]?.binding.kind).toBe('quota');
  });

  it('ignores a commitment that has not started or whose type the price book does not sell', () => {
    const later = odcr({ start: '2026-12-01T00:00:00Z' });
    const elsewhere = odcr({ id: 'cr-2', instanceType: 'p5.48xlarge' });
    const { offers, left } = commitmentOffers(
      book,
      { commitments: [later, elsewhere], drawn: new Map() },
      NOW,
    );
    expect(offers).toEqual([]);
    expect(left.size).toBe(0);
  });
});
