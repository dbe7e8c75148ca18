import type { CommitmentsSourceRequest } from '../../bin/commands/commitments.js';
import type { Ec2Sender } from '../../lambdas/adapters/ec2-fleet.js';
import { Ec2Market, type PricingSender } from '../../lambdas/adapters/ec2-market.js';
import { type SavingsPlansSender, savingsPlansReader } from '../../lambdas/adapters/savings-plans.js';
import { ServiceQuotas, type ServiceQuotasSender } from '../../lambdas/adapters/service-quotas.js';
import { always, inOrder, RecordedClient, readAwsFixture } from '../fixtures/aws/recorded-client.js';
import { FakeClock } from './fake-clock.js';

/**
 * The account of the recorded commitment responses (test/fixtures/aws, ec2/ and savingsplans/),
 * as a `qm commitments` source: an Ec2Market on recorded clients, built the way the command's
 * default source builds it on the real ones.
 */

/** The instant the recordings are read at. */
export const RECORDED_NOW = '2026-11-26T21:15:00.000Z';

export const recordedEc2 = () =>
  new RecordedClient({
    DescribeReservedInstancesCommand: always(readAwsFixture('ec2/describe-reserved-instances.json')),
    DescribeCapacityReservationsCommand: inOrder(
      readAwsFixture('ec2/describe-capacity-reservations-page-1.json'),
      readAwsFixture('ec2/describe-capacity-reservations-page-2.json'),
    ),
  });

const savingsPlans = () => {
  const rates: Record<string, unknown[]> = {
    '3f1c9a2e-6b4d-4e8f-a1c7-5d2e9b0f4a63': [
      readAwsFixture('savingsplans/describe-savings-plan-rates-compute-page-1.json'),
      readAwsFixture('savingsplans/describe-savings-plan-rates-compute-page-2.json'),
    ],
    '8b2e5d70-1c9f-4a36-8e4b-7a0d3f6c2e91': [
      readAwsFixture('savingsplans/describe-savings-plan-rates-ec2-instance-p5.json'),
    ],
  };
  return new RecordedClient({
    DescribeSavingsPlansCommand: inOrder(
      readAwsFixture('savingsplans/describe-savings-plans-page-1.json'),
      readAwsFixture('savingsplans/describe-savings-plans-page-2.json'),
    ),
    DescribeSavingsPlanRatesCommand: (input) => rates[String(input.savingsPlanId)]?.shift(),
  });
};

/** The recorded account, as the command's default source builds it from the real clients. */
export const recordedSource =
  (ec2Client: RecordedClient = recordedEc2(), requests: CommitmentsSourceRequest[] = []) =>
  (request: CommitmentsSourceRequest) => {
    requests.push(request);
    return new Ec2Market({
      ec2For: () => ec2Client.as<Ec2Sender>(),
      pricing: new RecordedClient({
        GetProductsCommand: inOrder(
          readAwsFixture('pricing/get-products-us-east-1-page-1.json'),
          readAwsFixture('pricing/get-products-us-east-1-page-2.json'),
        ),
      }).as<PricingSender>(),
      quotas: new ServiceQuotas(() => new RecordedClient({}).as<ServiceQuotasSender>()),
      clock: new FakeClock(RECORDED_NOW),
      ...(request.savingsPlans
        ? { savingsPlans: savingsPlansReader(savingsPlans().as<SavingsPlansSender>()) }
        : {}),
      onCommitmentsSkipped: (_region, skipped) => request.onLeftOut(skipped),
    });
  };
