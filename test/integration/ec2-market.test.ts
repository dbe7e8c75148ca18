import type { EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEc2Client } from '../../lambdas/adapters/aws-clients.js';
import { Ec2Market, type PricingSender } from '../../lambdas/adapters/ec2-market.js';
import { ServiceQuotas, type ServiceQuotasSender } from '../../lambdas/adapters/service-quotas.js';
import { RecordedClient } from '../fixtures/aws/recorded-client.js';
import { FakeClock } from '../support/fake-clock.js';
import { motoClientConfig, resetMoto, TEST_REGION } from '../support/moto.js';

/** Ec2Market's EC2 reads against moto, which carries AWS's real instance-type data. */

let client: EC2Client;
let market: Ec2Market;

beforeAll(async () => {
  await resetMoto();
  client = createEc2Client(motoClientConfig());
  const unused = new RecordedClient({});
  market = new Ec2Market({
    ec2For: () => client,
    pricing: unused.as<PricingSender>(),
    quotas: new ServiceQuotas(() => unused.as<ServiceQuotasSender>()),
    clock: new FakeClock('2026-11-26T21:00:00Z'),
  });
});

describe('Ec2Market on moto', () => {
  it('describes only accelerated types, with their GPUs, memory and EFA', async () => {
    const specs = await market.describeGpuInstanceTypes(TEST_REGION);
    const byType = new Map(specs.map((s) => [s.instanceType, s]));
    expect(byType.get('p5.48xlarge')).toEqual({
      instanceType: 'p5.48xlarge',
      acceleratorKind: 'gpu',
      acceleratorName: 'H100',
      acceleratorManufacturer: 'NVIDIA',
      acceleratorCount: 8,
      acceleratorMemoryGiB: 80,
      vcpus: 192,
      memoryGiB: 2048,
      efaInterfaces: 32,
    });
    expect(byType.get('g5.xlarge')).toMatchObject({
      acceleratorName: 'A10G',
      acceleratorCount: 1,
      efaInterfaces: 0,
    });
    expect(byType.get('g5.xlarge')?.acceleratorMemoryGiB).toBeCloseTo(22.35, 2);
    expect(byType.get('inf2.xlarge')).toMatchObject({
      acceleratorKind: 'neuron',
      acceleratorName: 'Inferentia2',
    });
    expect(byType.get('trn1.32xlarge')).toMatchObject({ acceleratorKind: 'neuron', acceleratorCount: 16 });
    expect(byType.get('dl2q.24xlarge')).toMatchObject({
      acceleratorKind: 'other',
      acceleratorManufacturer: 'Qualcomm',
    });
    expect(byType.get('g6f.large')).toMatchObject({ acceleratorName: 'L4', acceleratorCount: 0.125 });
    expect(byType.get('g6f.large')?.acceleratorMemoryGiB).toBeCloseTo(2.794, 3);
    expect(byType.has('m5.large')).toBe(false);
    expect(specs.every((s) => s.acceleratorCount > 0 && s.vcpus > 0)).toBe(true);
    // Types come back over several pages of 100; one page alone would hold fewer than this.
    expect(specs.length).toBeGreaterThan(50);
  });

  it('returns one spot price per type and AZ', async () => {
    const prices = await market.spotPrices(TEST_REGION, ['g5.xlarge', 'p4d.24xlarge']);
    expect(prices.length).toBeGreaterThan(0);
    const keys = prices.map((p) => `${p.instanceType}|${p.availabilityZone}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(prices.map((p) => p.instanceType))).toEqual(new Set(['g5.xlarge', 'p4d.24xlarge']));
    expect(prices.every((p) => p.region === TEST_REGION && p.availabilityZone.startsWith('us-east-1'))).toBe(
      true,
    );
    expect(prices.every((p) => p.priceUsdPerHour > 0)).toBe(true);
  });
});
