import { describe, expect, it } from 'vitest';
import { InMemoryFleet } from '../../lambdas/adapters/in-memory-fleet.js';
import { FakeClock } from '../support/fake-clock.js';
import { describeFleetContract, launchRequest, offerChoice } from '../support/fleet-contract.js';

const REGION = 'us-east-1';
const TEMPLATE = { name: 'qm-worker', version: '$Latest' } as const;

describeFleetContract('InMemoryFleet', () => ({
  fleet: new InMemoryFleet({ region: REGION }),
  region: REGION,
  launchTemplate: TEMPLATE,
}));

describe('InMemoryFleet capacity switch', () => {
  const subject = () => {
    const fleet = new InMemoryFleet({ region: REGION, clock: new FakeClock() });
    return { fleet, region: REGION, launchTemplate: TEMPLATE };
  };
  const zoneA = offerChoice('p5.48xlarge', REGION, 'us-east-1a', 'spot');
  const zoneB = offerChoice('p5.48xlarge', REGION, 'us-east-1b', 'spot');

  it('reports insufficient capacity for a failing offer and launches nothing', async () => {
    const s = subject();
    s.fleet.failOffers([zoneA.offerId]);
    const result = await s.fleet.launch(launchRequest(s, 'job-1-a1', { offer: zoneA }));
    expect(result).toMatchObject({ outcome: 'insufficient-capacity', offerIds: [zoneA.offerId] });
    expect(await s.fleet.findManaged()).toEqual([]);
  });

  it('falls back to the next equivalent offer when the chosen one has no capacity', async () => {
    const s = subject();
    s.fleet.failOffers([zoneA.offerId]);
    const result = await s.fleet.launch(launchRequest(s, 'job-2-a1', { offer: zoneA, fallbacks: [zoneB] }));
    expect(result.outcome).toBe('launched');
    const [instance] = await s.fleet.findByAllocation('job-2-a1');
    expect(instance?.availabilityZone).toBe('us-east-1b');
  });

  it('names every offer that failed when none has capacity', async () => {
    const s = subject();
    s.fleet.failOffers([zoneA.offerId, zoneB.offerId]);
    const result = await s.fleet.launch(launchRequest(s, 'job-3-a1', { offer: zoneA, fallbacks: [zoneB] }));
    expect(result).toMatchObject({
      outcome: 'insufficient-capacity',
      offerIds: [zoneA.offerId, zoneB.offerId],
    });
  });

  it('fails with the kind it was switched to, and launches again once restored', async () => {
    const s = subject();
    s.fleet.failOffers([zoneA.offerId], 'quota-exceeded');
    expect((await s.fleet.launch(launchRequest(s, 'job-4-a1', { offer: zoneA }))).outcome).toBe(
      'quota-exceeded',
    );
    s.fleet.restoreOffers([zoneA.offerId]);
    expect((await s.fleet.launch(launchRequest(s, 'job-4-a2', { offer: zoneA }))).outcome).toBe('launched');
  });

  it('stamps the launch time from its clock', async () => {
    const s = subject();
    await s.fleet.launch(launchRequest(s, 'job-5-a1'));
    const [instance] = await s.fleet.findByAllocation('job-5-a1');
    expect(instance?.launchTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('counts one launch call for a repeated allocation', async () => {
    const s = subject();
    await s.fleet.launch(launchRequest(s, 'job-6-a1'));
    await s.fleet.launch(launchRequest(s, 'job-6-a1'));
    expect(s.fleet.launchCalls).toBe(1);
  });
});
