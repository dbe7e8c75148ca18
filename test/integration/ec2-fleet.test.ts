import {
  CreateLaunchTemplateCommand,
  DescribeFleetsCommand,
  type EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEc2Client } from '../../lambdas/adapters/aws-clients.js';
import { Ec2Fleet } from '../../lambdas/adapters/ec2-fleet.js';
import { ALLOCATION_ID_TAG, MANAGED_BY_TAG } from '../../lambdas/core/jobs/managed-tags.js';
import { describeFleetContract, type FleetUnderTest, launchRequest } from '../support/fleet-contract.js';
import { motoClientConfig, resetMoto, TEST_REGION } from '../support/moto.js';

let client: EC2Client;
let templates = 0;

beforeAll(async () => {
  await resetMoto();
  client = createEc2Client(motoClientConfig());
});

/**
 * moto does not validate AMI ids unless told to (MOTO_ENABLE_AMI_VALIDATION), and listing its
 * built-in AMIs takes seconds, so launch templates name a well-formed id it never checks.
 */
const IMAGE_ID = 'ami-0c1d2e3f4a5b6c7d8';

/** A fresh moto with one launch template; a new name per test keeps tests apart. */
const freshFleet = async (): Promise<FleetUnderTest> => {
  await resetMoto();
  const imageId = IMAGE_ID;
  templates += 1;
  const name = `qm-worker-${templates}`;
  await client.send(
    new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: imageId } }),
  );
  return {
    fleet: new Ec2Fleet({ client, region: TEST_REGION }),
    region: TEST_REGION,
    launchTemplate: { name, version: '$Latest' },
  };
};

describeFleetContract('Ec2Fleet on moto', freshFleet);

describe('Ec2Fleet on moto', () => {
  it('tags the fleet as well as its instances', async () => {
    const subject = await freshFleet();
    const result = await subject.fleet.launch(launchRequest(subject, 'job-1-a1'));
    expect(result.outcome).toBe('launched');
    const fleetId = result.outcome === 'launched' ? result.fleetId : null;
    expect(fleetId).toMatch(/^fleet-/);
    const fleets = await client.send(new DescribeFleetsCommand({ FleetIds: [fleetId ?? ''] }));
    const tags = Object.fromEntries((fleets.Fleets?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ [MANAGED_BY_TAG]: 'quartermaster', [ALLOCATION_ID_TAG]: 'job-1-a1' });
  });

  it('finds only managed instances, not others in the account', async () => {
    const subject = await freshFleet();
    await client.send(
      new RunInstancesCommand({
        ImageId: IMAGE_ID,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
      }),
    );
    await subject.fleet.launch(launchRequest(subject, 'job-2-a1'));
    const managed = await subject.fleet.findManaged();
    expect(managed.map((i) => i.tags[ALLOCATION_ID_TAG])).toEqual(['job-2-a1']);
  });
});
