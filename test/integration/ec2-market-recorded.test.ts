import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ServiceQuotasServiceException } from '@aws-sdk/client-service-quotas';
import { describe, expect, it } from 'vitest';
import type { Ec2Sender } from '../../lambdas/adapters/ec2-fleet.js';
import { Ec2Market, type PricingSender } from '../../lambdas/adapters/ec2-market.js';
import { PricingParseError } from '../../lambdas/adapters/pricing-parser.js';
import {
  EC2_ACCELERATOR_QUOTAS,
  ServiceQuotas,
  type ServiceQuotasSender,
} from '../../lambdas/adapters/service-quotas.js';
import { CloudApiError, PlacementScoresUnavailableError } from '../../lambdas/core/cloud-ports.js';
import { always, inOrder, RecordedClient, readAwsFixture } from '../fixtures/aws/recorded-client.js';
import { FakeClock } from '../support/fake-clock.js';

/** Ec2Market against recorded responses: the Pricing API, Service Quotas and real spot prices. */

const REGION = 'us-east-1';
const NOW = '2026-11-26T21:15:00.000Z';

type Recorded = Record<string, { error?: { name: string; message: string } } & Record<string, unknown>>;

/** Replays one recorded answer per quota code, throwing the recorded error where there is one. */
const byQuotaCode =
  (recorded: Recorded) =>
  (input: Record<string, unknown>): unknown => {
    const answer = recorded[String(input.QuotaCode)];
    if (answer === undefined) throw new Error(`no recorded answer for ${String(input.QuotaCode)}`);
    if (answer.error === undefined) return answer;
    return new ServiceQuotasServiceException({
      name: answer.error.name,
      message: answer.error.message,
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  };

const market = (clients: { ec2?: RecordedClient; pricing?: RecordedClient; quotas?: RecordedClient }) => {
  const empty = new RecordedClient({});
  return new Ec2Market({
    ec2For: () => (clients.ec2 ?? empty).as<Ec2Sender>(),
    pricing: (clients.pricing ?? empty).as<PricingSender>(),
    quotas: new ServiceQuotas(() => (clients.quotas ?? empty).as<ServiceQuotasSender>()),
    clock: new FakeClock(NOW),
  });
};

describe('Ec2Market.spotPrices with recorded responses', () => {
  const ec2 = () =>
    new RecordedClient({
      DescribeSpotPriceHistoryCommand: inOrder(
        readAwsFixture('ec2/describe-spot-price-history-page-1.json'),
        readAwsFixture('ec2/describe-spot-price-history-page-2.json'),
      ),
    });

  it('keeps only the latest price per type and AZ across pages', async () => {
    const prices = await market({ ec2: ec2() }).spotPrices(REGION, ['p5.48xlarge', 'g6.xlarge', 'g5.xlarge']);
    expect(prices.map((p) => [p.instanceType, p.availabilityZone, p.priceUsdPerHour, p.timestamp])).toEqual([
      ['g5.xlarge', 'use1-az4', 0.4473, '2026-11-26T14:15:30.000Z'],
      ['g6.xlarge', 'use1-az1', 0.4022, '2026-11-26T21:02:17.000Z'],
      ['g6.xlarge', 'use1-az2', 0.347, '2026-11-26T16:44:09.000Z'],
      ['p5.48xlarge', 'use1-az2', 18.734, '2026-11-26T19:52:41.000Z'],
      ['p5.48xlarge', 'use1-az3', 18.1597, '2026-11-26T18:07:13.000Z'],
    ]);
    expect(prices.every((p) => p.region === REGION)).toBe(true);
  });

  it('asks for Linux/UNIX prices in effect now and follows NextToken', async () => {
    const client = ec2();
    await market({ ec2: client }).spotPrices(REGION, ['p5.48xlarge', 'g6.xlarge', 'p5.48xlarge']);
    const [first, second] = client.inputsOf('DescribeSpotPriceHistoryCommand');
    expect(first).toMatchObject({
      InstanceTypes: ['g6.xlarge', 'p5.48xlarge'],
      ProductDescriptions: ['Linux/UNIX'],
    });
    expect(first?.StartTime).toEqual(new Date(NOW));
    expect(second?.NextToken).toBe('PLmQ1aLb5Yp6qCm8iK7q0LxOcXh3+7tq0u2bVv1gkZo=');
  });

  it('asks for at most 100 types per request', async () => {
    const client = new RecordedClient({ DescribeSpotPriceHistoryCommand: always({ SpotPriceHistory: [] }) });
    const types = Array.from({ length: 250 }, (_, i) => `g${i}.xlarge`);
    await market({ ec2: client }).spotPrices(REGION, types);
    expect(
      client.inputsOf('DescribeSpotPriceHistoryCommand').map((i) => (i.InstanceTypes as string[]).length),
    ).toEqual([100, 100, 50]);
  });
});

describe('Ec2Market.onDemandPrices with recorded responses', () => {
  it('reads every page of GetProducts with the Linux, shared, used, no-software filters', async () => {
    const pricing = new RecordedClient({
      GetProductsCommand: inOrder(
        readAwsFixture('pricing/get-products-us-east-1-page-1.json'),
        readAwsFixture('pricing/get-products-us-east-1-page-2.json'),
      ),
    });
    const prices = await market({ pricing }).onDemandPrices(REGION);
    expect(prices.map((p) => p.instanceType)).toEqual([
      'g5.xlarge',
      'g6.xlarge',
      'inf2.xlarge',
      'p4d.24xlarge',
      'p5.48xlarge',
      'trn1.32xlarge',
    ]);
    const [first, second] = pricing.inputsOf('GetProductsCommand');
    expect(first).toMatchObject({ ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1' });
    expect(first?.Filters).toEqual([
      { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
      { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
      { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
      { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
      { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
      { Type: 'TERM_MATCH', Field: 'marketoption', Value: 'OnDemand' },
    ]);
    expect(second?.NextToken).toBe('eyJ2IjoiMSIsInBhZ2UiOjJ9:Qm9yTjlUc1pkR2hDcjBOZXh0VG9rZW4=');
  });

  it('reports what the parse left out', async () => {
    const skipped: unknown[] = [];
    const pricing = new RecordedClient({
      GetProductsCommand: always({
        ...readAwsFixture<Record<string, unknown>>('pricing/get-products-us-east-1-page-1.json'),
        NextToken: undefined,
      }),
    });
    const subject = new Ec2Market({
      ec2For: () => new RecordedClient({}).as<Ec2Sender>(),
      pricing: pricing.as<PricingSender>(),
      quotas: new ServiceQuotas(() => new RecordedClient({}).as<ServiceQuotasSender>()),
      clock: new FakeClock(NOW),
      onPriceListSkipped: (region, counts) => skipped.push([region, counts]),
    });
    await subject.onDemandPrices(REGION);
    expect(skipped).toEqual([['us-east-1', { 'zero-price': 1 }]]);
  });

  it('lets a malformed price list item fail the call loudly', async () => {
    const pricing = new RecordedClient({
      GetProductsCommand: always({ FormatVersion: 'aws_v1', PriceList: ['{"product":{}}'] }),
    });
    await expect(market({ pricing }).onDemandPrices(REGION)).rejects.toThrow(PricingParseError);
  });

  it('wraps a failed GetProducts call in CloudApiError', async () => {
    const pricing = new RecordedClient({
      GetProductsCommand: always(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
    });
    await expect(market({ pricing }).onDemandPrices(REGION)).rejects.toMatchObject({
      name: 'CloudApiError',
      operation: 'GetProducts',
      code: 'ThrottlingException',
    });
  });
});

describe('Ec2Market.quotas with recorded responses', () => {
  const quotas = () =>
    new RecordedClient({
      GetServiceQuotaCommand: byQuotaCode(readAwsFixture('service-quotas/get-service-quota-us-east-1.json')),
      GetAWSDefaultServiceQuotaCommand: byQuotaCode(
        readAwsFixture('service-quotas/get-aws-default-service-quota-us-east-1.json'),
      ),
    });

  it('reads the eight accelerated-family vCPU quotas by code, each with its quota class', async () => {
    const limits = await market({ quotas: quotas() }).quotas(REGION);
    expect(limits.map((l) => [l.quotaCode, l.quotaClass, l.vcpus, l.isDefault])).toEqual([
      ['L-417A185B', 'on-demand/P', 384, false],
      ['L-DB2E81BA', 'on-demand/G', 768, false],
      ['L-7212CCBC', 'spot/P', 384, false],
      ['L-3819A6DF', 'spot/G', 512, false],
      ['L-1216C47A', 'on-demand/Inf', 128, false],
      ['L-B5D1601B', 'spot/Inf', 64, false],
      ['L-2C3B7624', 'on-demand/Trn', 0, true],
      ['L-6B0D517C', 'spot/Trn', 0, true],
    ]);
  });

  it('falls back to the AWS default only for quotas without an applied value', async () => {
    const client = quotas();
    await market({ quotas: client }).quotas(REGION);
    expect(client.inputsOf('GetServiceQuotaCommand')).toHaveLength(EC2_ACCELERATOR_QUOTAS.length);
    expect(client.inputsOf('GetAWSDefaultServiceQuotaCommand')).toEqual([
      { ServiceCode: 'ec2', QuotaCode: 'L-2C3B7624' },
      { ServiceCode: 'ec2', QuotaCode: 'L-6B0D517C' },
    ]);
  });

  it('rethrows access denied as CloudApiError naming the quota', async () => {
    const denied = new ServiceQuotasServiceException({
      name: 'AccessDeniedException',
      message: 'User is not authorized to perform servicequotas:GetServiceQuota',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    const client = new RecordedClient({ GetServiceQuotaCommand: always(denied) });
    const error = await market({ quotas: client })
      .quotas(REGION)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({ code: 'AccessDeniedException', cause: denied });
    expect((error as Error).message).toContain('L-417A185B');
  });
});

describe('Ec2Market.spotPlacementScores with recorded responses', () => {
  const TYPES = ['g6.xlarge', 'g5.xlarge', 'g6e.xlarge', 'g5.xlarge'];
  const scored = () =>
    new RecordedClient({
      GetSpotPlacementScoresCommand: inOrder(
        readAwsFixture('ec2/get-spot-placement-scores-page-1.json'),
        readAwsFixture('ec2/get-spot-placement-scores-page-2.json'),
      ),
    });
  const failing = (name: string, status: number) =>
    new RecordedClient({
      GetSpotPlacementScoresCommand: always(
        new EC2ServiceException({
          name,
          message: `recorded ${name}`,
          $fault: status >= 500 ? 'server' : 'client',
          $metadata: { httpStatusCode: status },
        }),
      ),
    });

  it('scores every zone of the region for one instance of the set, across pages', async () => {
    const scores = await market({ ec2: scored() }).spotPlacementScores(REGION, TYPES);
    expect(scores.map((s) => [s.availabilityZone, s.score])).toEqual([
      ['use1-az1', 7],
      ['use1-az2', 3],
      ['use1-az4', 9],
      ['use1-az6', 1],
    ]);
    expect(scores.every((s) => s.region === REGION)).toBe(true);
    expect(scores[0]?.instanceTypes).toEqual(['g5.xlarge', 'g6.xlarge', 'g6e.xlarge']);
  });

  it('asks per zone, in this region, for the distinct types, and follows NextToken', async () => {
    const client = scored();
    await market({ ec2: client }).spotPlacementScores(REGION, TYPES);
    const [first, second] = client.inputsOf('GetSpotPlacementScoresCommand');
    expect(first).toMatchObject({
      InstanceTypes: ['g5.xlarge', 'g6.xlarge', 'g6e.xlarge'],
      TargetCapacity: 1,
      TargetCapacityUnitType: 'units',
      SingleAvailabilityZone: true,
      RegionNames: [REGION],
    });
    expect(first?.NextToken).toBeUndefined();
    expect(second?.NextToken).toBe('eyJ2IjoiMiIsImMiOiJ6eXRmN1p2V0ZyL0hVMWd3In0=');
  });

  it('says the account may not read scores when EC2 refuses the caller', async () => {
    for (const name of ['UnauthorizedOperation', 'AccessDenied']) {
      const call = market({ ec2: failing(name, 403) }).spotPlacementScores(REGION, TYPES);
      await expect(call).rejects.toBeInstanceOf(PlacementScoresUnavailableError);
      await expect(call).rejects.toThrow(new RegExp(`us-east-1 \\(${name}\\)`));
    }
  });

  it('reports other failures as a cloud API error naming the call', async () => {
    const call = market({ ec2: failing('InternalError', 500) }).spotPlacementScores(REGION, TYPES);
    await expect(call).rejects.toBeInstanceOf(CloudApiError);
    await expect(call).rejects.toThrow(/GetSpotPlacementScores in us-east-1 failed \(InternalError\)/);
  });

  it('refuses fewer than three types before calling EC2', async () => {
    const client = scored();
    await expect(
      market({ ec2: client }).spotPlacementScores(REGION, ['g5.xlarge', 'g6.xlarge', 'g5.xlarge']),
    ).rejects.toThrow(/2 instance types given; EC2 needs at least 3/);
    expect(client.calls).toHaveLength(0);
  });
});
