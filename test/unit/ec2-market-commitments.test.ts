import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { SavingsplansServiceException } from '@aws-sdk/client-savingsplans';
import { describe, expect, it } from 'vitest';
import type { SkippedCommitment } from '../../lambdas/adapters/commitment-read.js';
import type { Ec2Sender } from '../../lambdas/adapters/ec2-fleet.js';
import { Ec2Market, type PricingSender } from '../../lambdas/adapters/ec2-market.js';
import { type SavingsPlansSender, savingsPlansReader } from '../../lambdas/adapters/savings-plans.js';
import { ServiceQuotas, type ServiceQuotasSender } from '../../lambdas/adapters/service-quotas.js';
import { CloudApiError, CommitmentsUnavailableError } from '../../lambdas/core/cloud-ports.js';
import { parseCommitments } from '../../lambdas/core/commitments/commitments-file.js';
import { always, inOrder, RecordedClient, readAwsFixture } from '../fixtures/aws/recorded-client.js';
import { FakeClock } from '../support/fake-clock.js';

/** Ec2Market.commitments against recorded DescribeReservedInstances, DescribeCapacityReservations and Savings Plans responses. */

const REGION = 'us-east-1';
const NOW = '2026-11-26T21:15:00.000Z';
const COMPUTE_PLAN = '3f1c9a2e-6b4d-4e8f-a1c7-5d2e9b0f4a63';
const P5_PLAN = '8b2e5d70-1c9f-4a36-8e4b-7a0d3f6c2e91';

const ec2 = () =>
  new RecordedClient({
    DescribeReservedInstancesCommand: always(readAwsFixture('ec2/describe-reserved-instances.json')),
    DescribeCapacityReservationsCommand: inOrder(
      readAwsFixture('ec2/describe-capacity-reservations-page-1.json'),
      readAwsFixture('ec2/describe-capacity-reservations-page-2.json'),
    ),
  });

const pricing = () =>
  new RecordedClient({
    GetProductsCommand: inOrder(
      readAwsFixture('pricing/get-products-us-east-1-page-1.json'),
      readAwsFixture('pricing/get-products-us-east-1-page-2.json'),
    ),
  });

/** Rates per plan id; the compute plan's come in two pages. */
const byPlan = () => {
  const pages: Record<string, unknown[]> = {
    [COMPUTE_PLAN]: [
      readAwsFixture('savingsplans/describe-savings-plan-rates-compute-page-1.json'),
      readAwsFixture('savingsplans/describe-savings-plan-rates-compute-page-2.json'),
    ],
    [P5_PLAN]: [readAwsFixture('savingsplans/describe-savings-plan-rates-ec2-instance-p5.json')],
  };
  return (input: Record<string, unknown>) => {
    const next = pages[String(input.savingsPlanId)]?.shift();
    if (next === undefined) throw new Error(`no recorded rates for ${String(input.savingsPlanId)}`);
    return next;
  };
};

const savingsPlans = () =>
  new RecordedClient({
    DescribeSavingsPlansCommand: inOrder(
      readAwsFixture('savingsplans/describe-savings-plans-page-1.json'),
      readAwsFixture('savingsplans/describe-savings-plans-page-2.json'),
    ),
    DescribeSavingsPlanRatesCommand: byPlan(),
  });

const market = (clients: {
  ec2?: RecordedClient;
  pricing?: RecordedClient;
  savingsPlans?: RecordedClient;
  skipped?: SkippedCommitment[];
}) =>
  new Ec2Market({
    ec2For: () => (clients.ec2 ?? ec2()).as<Ec2Sender>(),
    pricing: (clients.pricing ?? pricing()).as<PricingSender>(),
    quotas: new ServiceQuotas(() => new RecordedClient({}).as<ServiceQuotasSender>()),
    clock: new FakeClock(NOW),
    ...(clients.savingsPlans === undefined
      ? {}
      : { savingsPlans: savingsPlansReader(clients.savingsPlans.as<SavingsPlansSender>()) }),
    onCommitmentsSkipped: (_region, skipped) => clients.skipped?.push(...skipped),
  });

const ec2Error = (name: string, status: number) =>
  new EC2ServiceException({
    name,
    message: `recorded ${name}`,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

describe('Ec2Market.commitments: Reserved Instances and capacity reservations', () => {
  it('reads active RIs with their amortised hourly rate, zonal ones with their AZ', async () => {
    const found = await market({}).commitments(REGION);
    expect(found.filter((c) => c.kind === 'reserved-instance')).toEqual([
      {
        kind: 'reserved-instance',
        id: '0b7d4c1a-93e6-4f25-8a1d-6c2e5f9b3a08',
        offeringClass: 'convertible',
        instanceType: 'g5.12xlarge',
        region: REGION,
        availabilityZone: null,
        count: 2,
        effectiveHourlyUsd: 2.836,
        start: '2025-06-15T14:22:08.000Z',
        end: '2028-06-14T14:22:08.000Z',
      },
      {
        kind: 'reserved-instance',
        id: '9a3e6f20-4b8c-4d17-b5e2-7f0c1d8a6e94',
        offeringClass: 'standard',
        instanceType: 'g6.xlarge',
        region: REGION,
        availabilityZone: null,
        count: 4,
        effectiveHourlyUsd: 0.5069,
        start: '2026-01-10T09:00:00.000Z',
        end: '2027-01-10T09:00:00.000Z',
      },
      {
        kind: 'reserved-instance',
        id: 'e5a2ff3b-7d14-4b92-9a0c-3f1e8d6b2c47',
        name: 'p4d zonal RI, fine-tuning',
        offeringClass: 'standard',
        instanceType: 'p4d.24xlarge',
        region: REGION,
        availabilityZone: 'us-east-1a',
        count: 1,
        effectiveHourlyUsd: 13.174516,
        start: '2026-03-01T00:00:00.000Z',
        end: '2027-03-01T00:00:00.000Z',
      },
    ]);
  });

  it('reads open ODCRs without a price and Capacity Blocks without one, across pages', async () => {
    const found = await market({}).commitments(REGION);
    expect(found.filter((c) => c.kind === 'capacity-reservation' || c.kind === 'capacity-block')).toEqual([
      {
        kind: 'capacity-reservation',
        id: 'cr-05e6f7a8b9c0d1e23',
        instanceType: 'g6.12xlarge',
        region: REGION,
        availabilityZone: 'us-east-1c',
        count: 1,
        start: '2026-11-01T00:00:00.000Z',
        unitPriceUsdPerHour: null,
        end: '2026-12-31T00:00:00.000Z',
      },
      {
        kind: 'capacity-reservation',
        id: 'cr-0a1b2c3d4e5f60718',
        name: 'p4de ODCR, pretraining',
        instanceType: 'p4de.24xlarge',
        region: REGION,
        availabilityZone: 'us-east-1a',
        count: 4,
        start: '2026-10-01T00:00:00.000Z',
        unitPriceUsdPerHour: null,
        end: null,
      },
      {
        kind: 'capacity-block',
        id: 'cr-0c1d2e3f4a5b6c7d8',
        name: 'p5 Capacity Block, evaluation',
        instanceType: 'p5.48xlarge',
        region: REGION,
        availabilityZone: 'us-east-1b',
        count: 2,
        start: '2026-11-25T11:30:00.000Z',
        priceUsd: null,
        end: '2026-12-09T11:30:00.000Z',
      },
    ]);
  });

  it('asks for active ones only and follows NextToken', async () => {
    const client = ec2();
    await market({ ec2: client }).commitments(REGION);
    expect(client.inputsOf('DescribeReservedInstancesCommand')).toEqual([
      { Filters: [{ Name: 'state', Values: ['active'] }] },
    ]);
    const [first, second] = client.inputsOf('DescribeCapacityReservationsCommand');
    expect(first).toEqual({ Filters: [{ Name: 'state', Values: ['active'] }], MaxResults: 1000 });
    expect(second?.NextToken).toBe('eyJ2IjoiMSIsImNyIjoiY3ItMGY5ZThkN2M2YjVhNDAzMTIifQ==');
  });

  it('reports what it cannot use: a Windows RI and a targeted ODCR', async () => {
    const skipped: SkippedCommitment[] = [];
    await market({ skipped }).commitments(REGION);
    expect(skipped).toEqual([
      {
        id: 'c81f2d57-0e3a-4b6c-9f48-2a5d7e1b0c36',
        kind: 'reserved-instance',
        reason: 'Windows: the planner prices Linux hours only',
      },
      {
        id: 'cr-0f9e8d7c6b5a40312',
        kind: 'capacity-reservation',
        reason: 'targeted: only launches that name the reservation use it, and provisioning names none',
      },
    ]);
  });

  it('leaves out what has ended by the instant asked for', async () => {
    const skipped: SkippedCommitment[] = [];
    const found = await market({ skipped }).commitments(REGION, '2026-12-10T00:00:00Z');
    expect(found.some((c) => c.id === 'cr-0c1d2e3f4a5b6c7d8')).toBe(false);
    expect(skipped).toContainEqual({
      id: 'cr-0c1d2e3f4a5b6c7d8',
      kind: 'capacity-block',
      reason: 'ended 2026-12-09T11:30:00.000Z',
    });
  });

  it('says the commitments are unavailable when EC2 refuses the caller', async () => {
    for (const name of ['UnauthorizedOperation', 'AccessDenied']) {
      const client = new RecordedClient({ DescribeReservedInstancesCommand: always(ec2Error(name, 403)) });
      const call = market({ ec2: client }).commitments(REGION);
      await expect(call).rejects.toBeInstanceOf(CommitmentsUnavailableError);
      await expect(call).rejects.toMatchObject({ region: REGION, code: name });
      await expect(call).rejects.toThrow(
        `commitments unavailable in us-east-1 (${name}): DescribeReservedInstances: active Reserved Instances`,
      );
    }
  });

  it('reports other failures as a cloud API error naming the call', async () => {
    const client = new RecordedClient({
      DescribeReservedInstancesCommand: always({ ReservedInstances: [] }),
      DescribeCapacityReservationsCommand: always(ec2Error('RequestLimitExceeded', 503)),
    });
    const call = market({ ec2: client }).commitments(REGION);
    await expect(call).rejects.toBeInstanceOf(CloudApiError);
    await expect(call).rejects.toMatchObject({
      operation: 'DescribeCapacityReservations',
      code: 'RequestLimitExceeded',
    });
  });
});

describe('Ec2Market.commitments: Savings Plans', () => {
  it('reads the Compute plan and the region’s EC2 Instance plan with discounts from their rates', async () => {
    const found = await market({ savingsPlans: savingsPlans() }).commitments(REGION);
    expect(found.filter((c) => c.kind === 'savings-plan')).toEqual([
      {
        kind: 'savings-plan',
        id: COMPUTE_PLAN,
        name: 'compute SP, G inference',
        planType: 'compute',
        region: null,
        hourlyCommitmentUsd: 2.5,
        // Against the recorded on-demand prices: g5.xlarge 0.6539 / 1.006, g6.xlarge 0.5151 / 0.8048
        // (rounded down), inf2.xlarge 0.5307 / 0.7582, p4d 14.2725 / 21.957642, p5 35.776 / 55.04.
        discounts: { g5: 0.35, g6: 0.3599, inf2: 0.3, p4d: 0.3499, p5: 0.35 },
        start: '2026-01-01T00:00:00.000Z',
        end: '2028-12-31T23:59:59.000Z',
      },
      {
        kind: 'savings-plan',
        id: P5_PLAN,
        planType: 'ec2-instance',
        region: REGION,
        hourlyCommitmentUsd: 20,
        discounts: { p5: 0.48 },
        start: '2026-06-01T00:00:00.000Z',
        end: '2027-05-31T23:59:59.000Z',
      },
    ]);
  });

  it('asks for active plans, pages them and their rates, and filters rates to the region’s EC2', async () => {
    const client = savingsPlans();
    await market({ savingsPlans: client }).commitments(REGION);
    const [first, second] = client.inputsOf('DescribeSavingsPlansCommand');
    expect(first).toEqual({ states: ['active'] });
    expect(second).toEqual({ states: ['active'], nextToken: 'eyJ2IjoiMSIsInNwIjoiOGIyZTVkNzAifQ==' });
    const rates = client.inputsOf('DescribeSavingsPlanRatesCommand');
    // The us-west-2 EC2 Instance plan and the SageMaker plan do not apply here: no rates asked.
    expect(rates.map((r) => [r.savingsPlanId, r.nextToken])).toEqual([
      [COMPUTE_PLAN, undefined],
      [COMPUTE_PLAN, 'eyJ2IjoiMSIsInJhdGUiOjV9'],
      [P5_PLAN, undefined],
    ]);
    expect(rates[0]?.filters).toEqual([
      { name: 'region', values: ['us-east-1'] },
      { name: 'productType', values: ['EC2'] },
    ]);
  });

  it('reads the on-demand prices once, only when a plan applies', async () => {
    const prices = pricing();
    await market({ savingsPlans: savingsPlans(), pricing: prices }).commitments(REGION);
    expect(prices.inputsOf('GetProductsCommand')).toHaveLength(2);
    const none = pricing();
    const noPlans = new RecordedClient({ DescribeSavingsPlansCommand: always({ savingsPlans: [] }) });
    await market({ savingsPlans: noPlans, pricing: none }).commitments(REGION);
    expect(none.calls).toHaveLength(0);
  });

  it('reads no Savings Plans without a Savings Plans client', async () => {
    const found = await market({}).commitments(REGION);
    expect(found.map((c) => c.kind)).not.toContain('savings-plan');
  });

  it('says the commitments are unavailable when Savings Plans refuses the caller', async () => {
    const denied = new SavingsplansServiceException({
      name: 'AccessDeniedException',
      message: 'User is not authorized to perform: savingsplans:DescribeSavingsPlans',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    const client = new RecordedClient({ DescribeSavingsPlansCommand: always(denied) });
    const call = market({ savingsPlans: client }).commitments(REGION);
    await expect(call).rejects.toBeInstanceOf(CommitmentsUnavailableError);
    await expect(call).rejects.toMatchObject({ code: 'AccessDeniedException', cause: denied });
  });

  it('skips a plan whose rates cannot be compared with an on-demand price', async () => {
    const skipped: SkippedCommitment[] = [];
    const client = new RecordedClient({
      DescribeSavingsPlansCommand: always({
        savingsPlans: [
          {
            savingsPlanId: P5_PLAN,
            savingsPlanType: 'EC2Instance',
            region: REGION,
            ec2InstanceFamily: 'p5',
            currency: 'USD',
            commitment: '20.0',
            start: '2026-06-01T00:00:00.000Z',
            end: '2027-05-31T23:59:59.000Z',
            state: 'active',
          },
        ],
      }),
      DescribeSavingsPlanRatesCommand: always({ savingsPlanId: P5_PLAN, searchResults: [] }),
    });
    const found = await market({ savingsPlans: client, skipped }).commitments(REGION);
    expect(found.map((c) => c.kind)).not.toContain('savings-plan');
    expect(skipped).toContainEqual({
      id: P5_PLAN,
      kind: 'savings-plan',
      reason: 'none of its 0 Linux rates in us-east-1 is below a known on-demand price',
    });
  });
});

describe('Ec2Market.commitments as a commitments file', () => {
  it('gives commitments the commitments-file parser accepts unchanged', async () => {
    const found = await market({ savingsPlans: savingsPlans() }).commitments(REGION);
    expect(found.map((c) => c.kind)).toEqual([
      'savings-plan',
      'savings-plan',
      'reserved-instance',
      'reserved-instance',
      'reserved-instance',
      'capacity-reservation',
      'capacity-reservation',
      'capacity-block',
    ]);
    const parsed = parseCommitments(JSON.parse(JSON.stringify({ asOf: NOW, commitments: found })));
    expect(parsed).toEqual({ ok: true, value: { asOf: NOW, commitments: found } });
  });
});
