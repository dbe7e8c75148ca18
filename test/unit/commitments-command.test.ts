import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  type CommitmentsCommandIo,
  type CommitmentsSourceRequest,
  registerCommitmentsCommand,
} from '../../bin/commands/commitments.js';
import type { Ec2Sender } from '../../lambdas/adapters/ec2-fleet.js';
import { Ec2Market, type PricingSender } from '../../lambdas/adapters/ec2-market.js';
import { type SavingsPlansSender, savingsPlansReader } from '../../lambdas/adapters/savings-plans.js';
import { ServiceQuotas, type ServiceQuotasSender } from '../../lambdas/adapters/service-quotas.js';
import { parseCommitmentsText } from '../../lambdas/core/commitments/commitments-file.js';
import { always, inOrder, RecordedClient, readAwsFixture } from '../fixtures/aws/recorded-client.js';
import { FakeClock } from '../support/fake-clock.js';

/** `qm commitments` on the recorded responses of test/fixtures/aws (ec2/ and savingsplans/). */

const NOW = '2026-11-26T21:15:00.000Z';

const ec2 = () =>
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
const recordedSource =
  (ec2Client: RecordedClient = ec2(), requests: CommitmentsSourceRequest[] = []) =>
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
      clock: new FakeClock(NOW),
      ...(request.savingsPlans
        ? { savingsPlans: savingsPlansReader(savingsPlans().as<SavingsPlansSender>()) }
        : {}),
      onCommitmentsSkipped: (_region, skipped) => request.onLeftOut(skipped),
    });
  };

const run = async (args: readonly string[], io: Partial<CommitmentsCommandIo> = {}) => {
  let out = '';
  let err = '';
  const program = new Command('qm').exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  registerCommitmentsCommand(program, {
    env: {},
    write: (s) => {
      out += s;
    },
    warn: (s) => {
      err += s;
    },
    source: recordedSource(),
    now: () => NOW,
    ...io,
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', 'commitments', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};

describe('qm commitments', () => {
  it('prints a commitments file the file parser accepts, every kind in file order', async () => {
    const { out, exitCode } = await run(['--region', 'us-east-1']);
    expect(exitCode).toBe(0);
    const parsed = parseCommitmentsText(out);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.value.asOf).toBe(NOW);
    expect(parsed.value.commitments.map((c) => `${c.kind} ${c.id}`)).toEqual([
      'savings-plan 3f1c9a2e-6b4d-4e8f-a1c7-5d2e9b0f4a63',
      'savings-plan 8b2e5d70-1c9f-4a36-8e4b-7a0d3f6c2e91',
      'reserved-instance 0b7d4c1a-93e6-4f25-8a1d-6c2e5f9b3a08',
      'reserved-instance 9a3e6f20-4b8c-4d17-b5e2-7f0c1d8a6e94',
      'reserved-instance e5a2ff3b-7d14-4b92-9a0c-3f1e8d6b2c47',
      'capacity-reservation cr-05e6f7a8b9c0d1e23',
      'capacity-reservation cr-0a1b2c3d4e5f60718',
      'capacity-block cr-0c1d2e3f4a5b6c7d8',
    ]);
    expect(JSON.parse(out).description).toMatch(/^Active commitments read from the account in us-east-1 at /);
  });

  it('names on standard error what it left out and why', async () => {
    const { err } = await run(['--region', 'us-east-1']);
    expect(err.split('\n').filter((l) => l !== '')).toEqual([
      'qm commitments: left out reserved-instance c81f2d57-0e3a-4b6c-9f48-2a5d7e1b0c36: Windows: the planner prices Linux hours only',
      'qm commitments: left out capacity-reservation cr-0f9e8d7c6b5a40312: targeted: only launches that name the reservation use it, and provisioning names none',
    ]);
  });

  it('takes the region and endpoint from the environment, and reads no Savings Plans when told', async () => {
    const requests: CommitmentsSourceRequest[] = [];
    const { out, exitCode } = await run(['--no-savings-plans'], {
      env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' },
      source: recordedSource(ec2(), requests),
    });
    expect(exitCode).toBe(0);
    expect(requests.map((r) => [r.region, r.endpoint, r.savingsPlans])).toEqual([
      ['us-east-1', 'http://127.0.0.1:5000', false],
    ]);
    const kinds = (JSON.parse(out) as { commitments: { kind: string }[] }).commitments.map((c) => c.kind);
    expect(kinds).not.toContain('savings-plan');
    expect(kinds).toHaveLength(6);
  });

  it('leaves out what has ended by --now and stamps the file with it', async () => {
    const { out, err } = await run(['--region', 'us-east-1', '--now', '2026-12-10T00:00:00Z']);
    const file = JSON.parse(out) as { asOf: string; commitments: { id: string }[] };
    expect(file.asOf).toBe('2026-12-10T00:00:00.000Z');
    expect(file.commitments.map((c) => c.id)).not.toContain('cr-0c1d2e3f4a5b6c7d8');
    expect(err).toContain('left out capacity-block cr-0c1d2e3f4a5b6c7d8: ended 2026-12-09T11:30:00.000Z');
  });

  it('exits 2 without a region or with a bad --now', async () => {
    const noRegion = await run([]);
    expect(noRegion.exitCode).toBe(2);
    expect(noRegion.err).toContain('qm commitments: no AWS region: pass --region or set AWS_REGION');
    const badNow = await run(['--region', 'us-east-1', '--now', 'yesterday']);
    expect(badNow.exitCode).toBe(2);
    expect(badNow.err).toContain('--now: "yesterday" is not an ISO instant');
  });

  it('exits 1 naming the refused call when the account may not read commitments', async () => {
    const denied = new RecordedClient({
      DescribeReservedInstancesCommand: always(
        new EC2ServiceException({
          name: 'UnauthorizedOperation',
          message: 'You are not authorized to perform this operation.',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
        }),
      ),
    });
    const { out, err, exitCode } = await run(['--region', 'us-east-1'], { source: recordedSource(denied) });
    expect(exitCode).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(
      'qm commitments: commitments unavailable in us-east-1 (UnauthorizedOperation): DescribeReservedInstances: active Reserved Instances',
    );
  });
});
