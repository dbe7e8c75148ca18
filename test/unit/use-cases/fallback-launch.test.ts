import { describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../../../lambdas/core/cloud-ports.js';
import { fallbackOffersFor } from '../../../lambdas/core/planning/fallback-offers.js';
import type { Candidate } from '../../../lambdas/core/planning/plan.js';
import type { PriceBook } from '../../../lambdas/core/pricing/offer.js';
import { handleEc2Event } from '../../../lambdas/core/use-cases/handle-ec2-event.js';
import { intakeMessage } from '../../../lambdas/core/use-cases/intake-message.js';
import { provisionAllocation } from '../../../lambdas/core/use-cases/provision-allocation.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeBook, makeOffer } from '../../support/offer-fixtures.js';
import { makeWorld, overriding, REGION, requestBody, stateChange, type World } from './world.js';

const spot = (az: string, price: number) =>
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: REGION,
    purchaseOption: 'spot',
    availabilityZone: az,
    priceUsdPerHour: price,
    onDemandPriceUsdPerHour: 40,
  });

/** Spot in three zones (12, 12.5 and 14 USD/h) and on-demand at 40 USD/h. */
const BOOK: PriceBook = makeBook([
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: REGION,
    purchaseOption: 'on-demand',
    priceUsdPerHour: 40,
    onDemandPriceUsdPerHour: 40,
  }),
  spot('us-east-1a', 12),
  spot('us-east-1b', 12.5),
  spot('us-east-1c', 14),
]);
const CHOSEN = 'p4de.24xlarge|us-east-1|us-east-1a|spot';
const FALLBACK = 'p4de.24xlarge|us-east-1|us-east-1b|spot';

/** The world on the three-zone book, with every launch request the fleet receives kept. */
const world = async (monthlyUsd = 10_000) => {
  const w = await makeWorld();
  const requests: LaunchRequest[] = [];
  const fleet = overriding(w.fleet, {
    launch: (request: LaunchRequest) => {
      requests.push(request);
      return w.fleet.launch(request);
    },
  });
  const solveDeps = {
    ...w.solveDeps,
    fallbackPriceBook: () => BOOK,
    budgets: { defaultMonthlyUsd: monthlyUsd, teams: new Map() },
  };
  const provisionDeps = { ...w.provisionDeps, fleetFor: () => fleet };
  return { ...w, solveDeps, provisionDeps, requests };
};

const solveOne = async (w: World & { solveDeps: World['solveDeps'] }) => {
  await intakeMessage(w, { messageId: 'req-1', body: requestBody('job-1') });
  return runSolve(w.solveDeps);
};

describe('fallback offers on the deployed path', () => {
  it('stores the equivalent offers with the allocation and reserves for the dearest', async () => {
    const w = await world();
    const report = await solveOne(w);
    expect(report.allocated).toEqual([{ jobId: 'job-1', allocationId: 'job-1.a1' }]);
    const held = (await w.ledger.getJob('job-1'))?.allocation;
    expect(held?.allocation.offerId).toBe(CHOSEN);
    // us-east-1c is 16.7 % dearer than the chosen zone: beyond the 10 % slack.
    expect(held?.allocation.fallbacks?.map((f) => f.offerId)).toEqual([FALLBACK]);
    const expected = held?.allocation.expectedCostUsd ?? 0;
    expect(held?.reservation.amountUsd).toBeCloseTo((expected * 12.5) / 12, 9);
    const events = await w.ledger.listEvents('job-1');
    const allocatedEvent = events.find((e) => e.type === 'ALLOCATED');
    expect(JSON.stringify(allocatedEvent?.data)).toContain(FALLBACK);
  });

  it('sends the fallbacks to the fleet, which launches on one when the chosen zone has no capacity', async () => {
    const w = await world();
    await solveOne(w);
    w.fleet.failOffers([CHOSEN]);
    const outcome = await provisionAllocation(w.provisionDeps, { jobId: 'job-1', allocationId: 'job-1.a1' });
    expect(outcome.kind).toBe('provisioned');
    expect(w.requests).toHaveLength(1);
    expect(w.requests[0]?.offer.offerId).toBe(CHOSEN);
    expect(w.requests[0]?.fallbacks.map((f) => f.offerId)).toEqual([FALLBACK]);
    if (outcome.kind !== 'provisioned') return;
    const [instanceId] = outcome.instanceIds;
    await handleEc2Event(
      { ...w.capacity, fleetFor: () => w.fleet },
      stateChange(instanceId as string, 'running', w.clock.now().toISOString()),
    );
    // Usage is billed at the price of the zone EC2 used, not at the chosen zone's.
    const usage = await w.ledger.getUsage(instanceId as string);
    expect(usage).toMatchObject({ availabilityZone: 'us-east-1b', unitPriceUsdPerHour: 12.5 });
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
  });

  it('keeps only the fallbacks the team can still pay for', async () => {
    // A 2-hour job at 12 USD/h spot costs about 24 USD; 24.5 USD leaves no room for 12.5 USD/h.
    const probe = await world();
    await solveOne(probe);
    const expected = (await probe.ledger.getJob('job-1'))?.allocation?.allocation.expectedCostUsd ?? 0;
    const w = await world(expected * 1.01);
    await solveOne(w);
    const held = (await w.ledger.getJob('job-1'))?.allocation;
    expect(held?.allocation.offerId).toBe(CHOSEN);
    expect(held?.allocation.fallbacks).toBeUndefined();
    expect(held?.reservation.amountUsd).toBeCloseTo(expected, 9);
  });

  it('launches on the chosen offer only when fallbacks are turned off', async () => {
    const w = await world();
    await intakeMessage(w, { messageId: 'req-1', body: requestBody('job-1') });
    await runSolve({ ...w.solveDeps, fallbacks: { maxFallbacks: 0 } });
    await provisionAllocation(w.provisionDeps, { jobId: 'job-1', allocationId: 'job-1.a1' });
    expect(w.requests[0]?.fallbacks).toEqual([]);
  });
});

describe('fallbackOffersFor', () => {
  const chosen = (over: Partial<Candidate> = {}): Candidate => ({
    offerId: CHOSEN,
    instanceType: 'p4de.24xlarge',
    region: REGION,
    availabilityZone: 'us-east-1a',
    purchaseOption: 'spot',
    quotaClass: 'spot/P',
    nodes: 1,
    unitPriceUsdPerHour: 12,
    expectedHours: 2,
    expectedCostUsd: 24,
    onDemandEquivalentUsd: 80,
    vcpus: 96,
    spotPriceImplied: false,
    ...over,
  });

  it('takes the same type and purchase option in other zones, cheapest first, within the slack', () => {
    expect(
      fallbackOffersFor(chosen(), BOOK.offers, new Set(), { priceSlack: 0.2 }).map((f) => f.offerId),
    ).toEqual([FALLBACK, 'p4de.24xlarge|us-east-1|us-east-1c|spot']);
    expect(
      fallbackOffersFor(chosen(), BOOK.offers, new Set(), { priceSlack: 0.2, maxFallbacks: 1 }),
    ).toHaveLength(1);
  });

  it('skips offers marked unavailable, other types, and has none for region-wide on-demand', () => {
    expect(fallbackOffersFor(chosen(), BOOK.offers, new Set([FALLBACK]))).toEqual([]);
    expect(fallbackOffersFor(chosen({ instanceType: 'p5.48xlarge' }), BOOK.offers, new Set())).toEqual([]);
    const onDemand = chosen({
      offerId: 'p4de.24xlarge|us-east-1|*|on-demand',
      availabilityZone: null,
      purchaseOption: 'on-demand',
      unitPriceUsdPerHour: 40,
    });
    expect(fallbackOffersFor(onDemand, BOOK.offers, new Set())).toEqual([]);
  });

  it('rejects options that make no sense', () => {
    expect(() => fallbackOffersFor(chosen(), BOOK.offers, new Set(), { maxFallbacks: -1 })).toThrow(
      /maxFallbacks/,
    );
    expect(() => fallbackOffersFor(chosen(), BOOK.offers, new Set(), { priceSlack: Number.NaN })).toThrow(
      /priceSlack/,
    );
  });
});
