import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import {
  clientTokenFor,
  Ec2Fleet,
  type Ec2Sender,
  TERMINATE_CHUNK,
} from '../../lambdas/adapters/ec2-fleet.js';
import { CloudApiError, type LaunchRequest } from '../../lambdas/core/cloud-ports.js';
import { managedTags } from '../../lambdas/core/jobs/managed-tags.js';
import { always, inOrder, RecordedClient, readAwsFixture } from '../fixtures/aws/recorded-client.js';
import { offerChoice } from '../support/fleet-contract.js';

/**
 * Ec2Fleet against recorded EC2 responses: the paths moto cannot produce (capacity and quota
 * errors, ClientToken replay, partial instant fleets, pagination).
 */

const REGION = 'us-east-1';
const spotA = offerChoice('p5.48xlarge', REGION, 'us-east-1a', 'spot');
const spotB = offerChoice('p5.48xlarge', REGION, 'us-east-1b', 'spot');

const request = (over: Partial<LaunchRequest> = {}): LaunchRequest => ({
  allocationId: 'train-42-a1',
  jobId: 'train-42',
  offer: spotA,
  fallbacks: [spotB],
  nodes: 2,
  launchTemplate: { id: 'lt-0a1b2c3d4e5f67890', version: '3' },
  tags: managedTags({ jobId: 'train-42', allocationId: 'train-42-a1', team: 'vision', project: 'detector' }),
  ...over,
});

const none = readAwsFixture('ec2/describe-instances-none.json');
const fleetWith = (client: RecordedClient) =>
  new Ec2Fleet({ client: client.as<Ec2Sender>(), region: REGION });

const sdkError = (name: string, message: string) =>
  new EC2ServiceException({ name, message, $fault: 'server', $metadata: { httpStatusCode: 500 } });

describe('Ec2Fleet.launch with recorded responses', () => {
  it('maps InsufficientInstanceCapacity in Errors[] to insufficient-capacity for every offer tried', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-insufficient-capacity.json')),
    });
    const result = await fleetWith(client).launch(request());
    expect(result).toMatchObject({
      outcome: 'insufficient-capacity',
      offerIds: [spotA.offerId, spotB.offerId],
      message: 'InsufficientInstanceCapacity: There is no Spot capacity available that matches your request.',
    });
  });

  it('sends one instant fleet with the chosen offer first, the fallbacks after, and tags on instance and fleet', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-launched.json')),
    });
    await fleetWith(client).launch(request());
    const [input] = client.inputsOf('CreateFleetCommand');
    expect(input).toMatchObject({
      ClientToken: 'train-42-a1',
      Type: 'instant',
      TargetCapacitySpecification: {
        TotalTargetCapacity: 2,
        DefaultTargetCapacityType: 'spot',
        SpotTargetCapacity: 2,
      },
      SpotOptions: {
        AllocationStrategy: 'price-capacity-optimized',
        MinTargetCapacity: 2,
        SingleInstanceType: true,
        SingleAvailabilityZone: true,
      },
      OnDemandOptions: { AllocationStrategy: 'lowest-price' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateId: 'lt-0a1b2c3d4e5f67890', Version: '3' },
          Overrides: [
            { InstanceType: 'p5.48xlarge', AvailabilityZone: 'us-east-1a', Priority: 0 },
            { InstanceType: 'p5.48xlarge', AvailabilityZone: 'us-east-1b', Priority: 1 },
          ],
        },
      ],
    });
    const specs = input?.TagSpecifications as {
      ResourceType: string;
      Tags: { Key: string; Value: string }[];
    }[];
    expect(specs.map((s) => s.ResourceType)).toEqual(['instance', 'fleet']);
    for (const spec of specs) {
      expect(spec.Tags).toContainEqual({ Key: 'quartermaster:allocation-id', Value: 'train-42-a1' });
      expect(spec.Tags).toContainEqual({ Key: 'quartermaster:managed-by', Value: 'quartermaster' });
    }
  });

  it('names price-book zones by AZ id (AvailabilityZoneId), which mean the same zone in every account', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-launched.json')),
    });
    const byId = offerChoice('p5.48xlarge', REGION, 'use1-az6', 'spot');
    await fleetWith(client).launch(request({ offer: byId, fallbacks: [] }));
    const [input] = client.inputsOf('CreateFleetCommand');
    const configs = input?.LaunchTemplateConfigs as { Overrides: Record<string, unknown>[] }[] | undefined;
    const overrides = configs?.[0]?.Overrides;
    expect(overrides).toEqual([{ InstanceType: 'p5.48xlarge', AvailabilityZoneId: 'use1-az6', Priority: 0 }]);
  });

  it('replays the same ClientToken when a retry races the tag lookup, and gets the same fleet back', async () => {
    // Tags are eventually consistent: a retry right after a launch may not see the instances yet.
    // EC2 answers a repeated ClientToken with the original fleet instead of launching another.
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-launched.json')),
    });
    const fleet = fleetWith(client);
    const first = await fleet.launch(request());
    const retry = await fleet.launch(request());
    expect(client.inputsOf('CreateFleetCommand').map((i) => i.ClientToken)).toEqual([
      'train-42-a1',
      'train-42-a1',
    ]);
    expect(retry).toEqual(first);
    expect(first).toEqual({
      outcome: 'launched',
      fleetId: 'fleet-1c9e4a77-6b0d-4f83-9e25-8a3b7c1d5f02',
      instanceIds: ['i-0f4e2a9c1b7d35e60', 'i-0c3a8e1f5d2b96a47'],
      reused: false,
    });
  });

  it('returns instances found by the allocation tag without calling CreateFleet', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: inOrder(
        readAwsFixture('ec2/describe-instances-page-1.json'),
        readAwsFixture('ec2/describe-instances-page-2.json'),
      ),
    });
    const result = await fleetWith(client).launch(request());
    expect(result).toEqual({
      outcome: 'launched',
      fleetId: null,
      instanceIds: ['i-0c3a8e1f5d2b96a47', 'i-0f4e2a9c1b7d35e60'],
      reused: true,
    });
    expect(client.inputsOf('CreateFleetCommand')).toEqual([]);
    expect(client.inputsOf('DescribeInstancesCommand')[0]).toMatchObject({
      Filters: [
        { Name: 'tag:quartermaster:allocation-id', Values: ['train-42-a1'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    });
  });

  it('reports a partial launch with the quota error, so the caller can end the half gang', async () => {
    const onDemand = offerChoice('g6e.12xlarge', REGION, null, 'on-demand');
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-partial-vcpu-limit.json')),
    });
    const result = await fleetWith(client).launch(request({ offer: onDemand, fallbacks: [] }));
    expect(result).toMatchObject({
      outcome: 'partial',
      instanceIds: ['i-07d1c4b9e2a3f5860'],
      failures: [{ kind: 'quota-exceeded', offerId: onDemand.offerId, code: 'VcpuLimitExceeded' }],
    });
    expect(client.inputsOf('CreateFleetCommand')[0]).toMatchObject({
      OnDemandOptions: { AllocationStrategy: 'lowest-price', MinTargetCapacity: 2 },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
    });
  });

  it('lets a quota error outrank a capacity error, and ties each error to its offer', async () => {
    const a = offerChoice('p4d.24xlarge', REGION, 'us-east-1a', 'on-demand');
    const b = offerChoice('p4d.24xlarge', REGION, 'us-east-1b', 'on-demand');
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-mixed-errors.json')),
    });
    const result = await fleetWith(client).launch(request({ offer: a, fallbacks: [b], nodes: 1 }));
    expect(result).toMatchObject({
      outcome: 'quota-exceeded',
      offerIds: [b.offerId],
      failures: [
        { kind: 'insufficient-capacity', offerId: a.offerId },
        { kind: 'quota-exceeded', offerId: b.offerId },
      ],
    });
  });

  it('translates a thrown InsufficientInstanceCapacity into the same outcome', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(
        sdkError(
          'InsufficientInstanceCapacity',
          'There is no Spot capacity available that matches your request.',
        ),
      ),
    });
    const result = await fleetWith(client).launch(request());
    expect(result).toMatchObject({
      outcome: 'insufficient-capacity',
      offerIds: [spotA.offerId, spotB.offerId],
    });
  });

  it('rethrows other SDK errors as CloudApiError with the SDK error as cause', async () => {
    const denied = sdkError('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      CreateFleetCommand: always(denied),
    });
    const error = await fleetWith(client)
      .launch(request())
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({ operation: 'CreateFleet', code: 'UnauthorizedOperation', cause: denied });
    expect((error as Error).message).toContain('train-42-a1');
  });

  it('launches into the given subnets that lie in each offer AZ', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      DescribeSubnetsCommand: always(readAwsFixture('ec2/describe-subnets.json')),
      CreateFleetCommand: always(readAwsFixture('ec2/create-fleet-launched.json')),
    });
    await fleetWith(client).launch(
      request({ fallbacks: [], subnetIds: ['subnet-0a1f3c5e7b9d2f468', 'subnet-0b2e4d6f8a1c3e579'] }),
    );
    const [input] = client.inputsOf('CreateFleetCommand');
    expect(input?.LaunchTemplateConfigs).toMatchObject([
      { Overrides: [{ InstanceType: 'p5.48xlarge', SubnetId: 'subnet-0a1f3c5e7b9d2f468', Priority: 0 }] },
    ]);
  });

  it('reports unsupported, without calling CreateFleet, when no subnet is in the offer AZ', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: always(none),
      DescribeSubnetsCommand: always(readAwsFixture('ec2/describe-subnets.json')),
    });
    const offer = offerChoice('p5.48xlarge', REGION, 'us-east-1d', 'spot');
    const result = await fleetWith(client).launch(
      request({ offer, fallbacks: [], subnetIds: ['subnet-0a1f3c5e7b9d2f468'] }),
    );
    expect(result).toMatchObject({ outcome: 'unsupported', offerIds: [offer.offerId] });
    expect(client.inputsOf('CreateFleetCommand')).toEqual([]);
  });
});

describe('Ec2Fleet lookups and termination with recorded responses', () => {
  it('follows NextToken through every page of DescribeInstances', async () => {
    const client = new RecordedClient({
      DescribeInstancesCommand: inOrder(
        readAwsFixture('ec2/describe-instances-page-1.json'),
        readAwsFixture('ec2/describe-instances-page-2.json'),
      ),
    });
    const found = await fleetWith(client).findManaged();
    expect(
      found.map((i) => [i.instanceId, i.state, i.purchaseOption, i.availabilityZone, i.launchTime]),
    ).toEqual([
      ['i-0c3a8e1f5d2b96a47', 'pending', 'spot', 'use1-az2', '2026-11-26T20:41:07.000Z'],
      ['i-0f4e2a9c1b7d35e60', 'running', 'spot', 'use1-az2', '2026-11-26T20:41:07.000Z'],
    ]);
    expect(client.inputsOf('DescribeInstancesCommand')[1]).toMatchObject({
      NextToken: 'eyJ2IjoiMiIsImMiOiJ0b2tlbi0xIn0=',
    });
  });

  it(`terminates in chunks of ${TERMINATE_CHUNK} ids`, async () => {
    const client = new RecordedClient({
      TerminateInstancesCommand: (input) => ({
        TerminatingInstances: (input.InstanceIds as string[]).map((InstanceId) => ({ InstanceId })),
      }),
    });
    const ids = Array.from({ length: 2500 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    const result = await fleetWith(client).terminate(ids);
    expect(
      client.inputsOf('TerminateInstancesCommand').map((i) => (i.InstanceIds as string[]).length),
    ).toEqual([1000, 1000, 500]);
    expect(result.terminating).toEqual(ids);
  });

  it('sets aside the ids EC2 names as unknown and terminates the rest', async () => {
    const client = new RecordedClient({
      TerminateInstancesCommand: (_input, call) =>
        call === 1
          ? sdkError('InvalidInstanceID.NotFound', "The instance ID 'i-0123456789abcdef0' does not exist")
          : readAwsFixture('ec2/terminate-instances.json'),
    });
    const result = await fleetWith(client).terminate([
      'i-0f4e2a9c1b7d35e60',
      'i-0123456789abcdef0',
      'i-0c3a8e1f5d2b96a47',
    ]);
    expect(result).toEqual({
      terminating: ['i-0f4e2a9c1b7d35e60', 'i-0c3a8e1f5d2b96a47'],
      notFound: ['i-0123456789abcdef0'],
    });
    expect(client.inputsOf('TerminateInstancesCommand')[1]?.InstanceIds).toEqual([
      'i-0f4e2a9c1b7d35e60',
      'i-0c3a8e1f5d2b96a47',
    ]);
  });

  it('rethrows a throttled termination as CloudApiError', async () => {
    const throttled = sdkError('RequestLimitExceeded', 'Request limit exceeded.');
    const client = new RecordedClient({ TerminateInstancesCommand: always(throttled) });
    await expect(fleetWith(client).terminate(['i-0f4e2a9c1b7d35e60'])).rejects.toMatchObject({
      name: 'CloudApiError',
      code: 'RequestLimitExceeded',
      cause: throttled,
    });
  });
});

describe('clientTokenFor', () => {
  it('uses the allocation id itself when EC2 accepts it as a token', () => {
    expect(clientTokenFor('train-42-a1')).toBe('train-42-a1');
  });

  it('hashes an allocation id longer than 64 characters into a stable token that fits', () => {
    const long = `job-${'x'.repeat(80)}-a1`;
    expect(clientTokenFor(long)).toHaveLength(64);
    expect(clientTokenFor(long)).toBe(clientTokenFor(long));
    expect(clientTokenFor(long)).not.toBe(clientTokenFor(`${long}2`));
  });
});
