import { beforeEach, describe, expect, it } from 'vitest';
import type { Fleet, LaunchRequest, LaunchTemplateRef, OfferChoice } from '../../lambdas/core/cloud-ports.js';
import {
  ALLOCATION_ID_TAG,
  COST_CENTER_TAG,
  JOB_ID_TAG,
  MANAGED_BY_TAG,
  managedTags,
  TEAM_TAG,
} from '../../lambdas/core/jobs/managed-tags.js';
import type { PurchaseOption } from '../../lambdas/core/pricing/offer.js';

/** A fleet under test, and what a launch through it needs. */
export interface FleetUnderTest {
  readonly fleet: Fleet;
  readonly region: string;
  readonly launchTemplate: LaunchTemplateRef;
}

/** Builds a fleet with no instances for each test. */
export type MakeFleet = () => FleetUnderTest | Promise<FleetUnderTest>;

export const offerChoice = (
  instanceType: string,
  region: string,
  availabilityZone: string | null,
  purchaseOption: PurchaseOption,
): OfferChoice => ({
  offerId: `${instanceType}|${region}|${availabilityZone ?? '*'}|${purchaseOption}`,
  instanceType,
  region,
  availabilityZone,
  purchaseOption,
});

/** A launch request for one allocation of a job, with the managed tags. */
export const launchRequest = (
  subject: FleetUnderTest,
  allocationId: string,
  over: Partial<LaunchRequest> = {},
): LaunchRequest => {
  const jobId = allocationId.replace(/-a\d+$/, '');
  return {
    allocationId,
    jobId,
    offer: offerChoice('g5.xlarge', subject.region, null, 'on-demand'),
    fallbacks: [],
    nodes: 1,
    launchTemplate: subject.launchTemplate,
    tags: managedTags({
      jobId,
      allocationId,
      team: 'vision',
      project: 'detector',
      jobTags: { 'cost-center': 'cc-42', owner: 'ana' },
    }),
    ...over,
  };
};

/**
 * The behaviour every `Fleet` adapter must have. Run it once per adapter, with a factory that
 * returns a fleet with no instances for each test.
 */
export const describeFleetContract = (name: string, makeFleet: MakeFleet): void => {
  describe(`${name} (fleet contract)`, () => {
    let subject: FleetUnderTest;

    beforeEach(async () => {
      subject = await makeFleet();
    });

    it('launches as many instances as nodes, each carrying the managed and the job tags', async () => {
      const result = await subject.fleet.launch(launchRequest(subject, 'job-1-a1', { nodes: 2 }));
      expect(result.outcome).toBe('launched');
      if (result.outcome !== 'launched') return;
      expect(result.reused).toBe(false);
      expect(result.instanceIds).toHaveLength(2);
      const found = await subject.fleet.findByAllocation('job-1-a1');
      expect(found.map((i) => i.instanceId).sort()).toEqual([...result.instanceIds].sort());
      for (const instance of found) {
        expect(instance.instanceType).toBe('g5.xlarge');
        expect(instance.region).toBe(subject.region);
        expect(instance.purchaseOption).toBe('on-demand');
        expect(instance.tags).toMatchObject({
          [MANAGED_BY_TAG]: 'quartermaster',
          [JOB_ID_TAG]: 'job-1',
          [ALLOCATION_ID_TAG]: 'job-1-a1',
          [TEAM_TAG]: 'vision',
          [COST_CENTER_TAG]: 'cc-42',
          owner: 'ana',
        });
      }
    });

    it('launches spot instances when the offer is spot', async () => {
      const request = launchRequest(subject, 'job-2-a1', {
        offer: offerChoice('g5.xlarge', subject.region, null, 'spot'),
      });
      const result = await subject.fleet.launch(request);
      expect(result.outcome).toBe('launched');
      const [instance] = await subject.fleet.findByAllocation('job-2-a1');
      expect(instance?.purchaseOption).toBe('spot');
      expect(instance?.tags[ALLOCATION_ID_TAG]).toBe('job-2-a1');
    });

    it('returns the existing instances for a repeated allocation and launches nothing new', async () => {
      const first = await subject.fleet.launch(launchRequest(subject, 'job-3-a1'));
      const second = await subject.fleet.launch(launchRequest(subject, 'job-3-a1'));
      expect(first.outcome).toBe('launched');
      expect(second).toEqual({
        outcome: 'launched',
        fleetId: null,
        instanceIds: first.outcome === 'launched' ? first.instanceIds : [],
        reused: true,
      });
      expect(await subject.fleet.findManaged()).toHaveLength(1);
    });

    it('keeps allocations apart: each finds only its own instances', async () => {
      await subject.fleet.launch(launchRequest(subject, 'job-4-a1'));
      await subject.fleet.launch(launchRequest(subject, 'job-5-a1', { nodes: 2 }));
      expect(await subject.fleet.findByAllocation('job-4-a1')).toHaveLength(1);
      expect(await subject.fleet.findByAllocation('job-5-a1')).toHaveLength(2);
      expect(await subject.fleet.findByAllocation('job-6-a1')).toEqual([]);
      expect(await subject.fleet.findManaged()).toHaveLength(3);
    });

    it('terminates instances: they leave findByAllocation and findManaged, and a repeat is harmless', async () => {
      const launched = await subject.fleet.launch(launchRequest(subject, 'job-7-a1', { nodes: 2 }));
      const ids = launched.outcome === 'launched' ? launched.instanceIds : [];
      expect(ids).toHaveLength(2);
      const result = await subject.fleet.terminate(ids);
      expect([...result.terminating].sort()).toEqual([...ids].sort());
      expect(result.notFound).toEqual([]);
      expect(await subject.fleet.findByAllocation('job-7-a1')).toEqual([]);
      expect(await subject.fleet.findManaged()).toEqual([]);
      expect((await subject.fleet.terminate(ids)).notFound).toEqual([]);
    });

    it('reports ids it does not know instead of failing the others', async () => {
      const launched = await subject.fleet.launch(launchRequest(subject, 'job-8-a1'));
      const ids = launched.outcome === 'launched' ? launched.instanceIds : [];
      const result = await subject.fleet.terminate([...ids, 'i-0123456789abcdef0']);
      expect(result.terminating).toEqual(ids);
      expect(result.notFound).toEqual(['i-0123456789abcdef0']);
    });

    it('launches the next allocation of a job after the previous one was terminated', async () => {
      const first = await subject.fleet.launch(launchRequest(subject, 'job-9-a1'));
      await subject.fleet.terminate(first.outcome === 'launched' ? first.instanceIds : []);
      const again = await subject.fleet.launch(launchRequest(subject, 'job-9-a2'));
      expect(again).toMatchObject({ outcome: 'launched', reused: false });
    });

    it('refuses an offer in another region before launching anything', async () => {
      const request = launchRequest(subject, 'job-10-a1', {
        offer: offerChoice('g5.xlarge', 'eu-west-1', null, 'on-demand'),
      });
      await expect(subject.fleet.launch(request)).rejects.toThrow(/eu-west-1; this fleet launches in/);
      expect(await subject.fleet.findManaged()).toEqual([]);
    });

    it('refuses fallbacks of another purchase option and a gang of zero nodes', async () => {
      const mixed = launchRequest(subject, 'job-11-a1', {
        fallbacks: [offerChoice('g5.xlarge', subject.region, null, 'spot')],
      });
      await expect(subject.fleet.launch(mixed)).rejects.toThrow(
        /fallbacks\[0\].*one launch buys only on-demand/,
      );
      await expect(subject.fleet.launch(launchRequest(subject, 'job-12-a1', { nodes: 0 }))).rejects.toThrow(
        /nodes must be a whole number/,
      );
    });
  });
};
