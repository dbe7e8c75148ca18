import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ec2Fleet } from '../../lambdas/adapters/ec2-fleet.js';
import { LaunchInProgressError } from '../../lambdas/core/errors.js';
import { ALLOCATION_ID_TAG } from '../../lambdas/core/jobs/managed-tags.js';
import { intakeMessage } from '../../lambdas/core/use-cases/intake-message.js';
import { provisionAllocation } from '../../lambdas/core/use-cases/provision-allocation.js';
import { runSolve } from '../../lambdas/core/use-cases/run-solve.js';
import { motoClientConfig, resetMoto, TEST_REGION } from '../support/moto.js';
import { CountingFleet, motoPipeline } from './handlers-world.js';

const N = 10;

beforeAll(async () => {
  await resetMoto();
});

/**
 * Ten provision deliveries of one allocation at the same moment, on moto's DynamoDB and EC2:
 * moto has no ClientToken idempotency and the tag lookup cannot see a launch still in flight, so
 * only the ledger's launch claim stands between them and ten fleets.
 */
describe('one winner per allocation, on moto', () => {
  it(`launches once for ${N} concurrent deliveries; the others adopt its instances or come back later`, async () => {
    const p = await motoPipeline(motoClientConfig(), 'qm-race');
    // Each delivery is a separate invocation: its own fleet adapter, so no in-process state is shared.
    const fleets = Array.from(
      { length: N },
      () => new CountingFleet(new Ec2Fleet({ client: p.ec2, region: TEST_REGION })),
    );
    await intakeMessage(p, {
      messageId: 'm-1',
      body: JSON.stringify({
        jobId: 'race-1',
        team: 'vision',
        project: 'detector',
        resources: { gpus: 4, gpuModels: ['A10G'], regions: [TEST_REGION] },
        runtime: { estimatedHours: 0.5, interruptible: true, checkpointMinutes: 10 },
      }),
    });
    const solved = await runSolve(p.solveDeps);
    expect(solved.allocated).toHaveLength(1);
    const message = solved.allocated[0] as { jobId: string; allocationId: string };

    const outcomes = await Promise.allSettled(
      fleets.map((fleet) => provisionAllocation({ ...p.provisionDeps, fleetFor: () => fleet }, message)),
    );
    const created = fleets.reduce((sum, f) => sum + f.created, 0);
    expect(created).toBe(1);
    const described = await p.ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: `tag:${ALLOCATION_ID_TAG}`, Values: [message.allocationId] }],
      }),
    );
    const instances = (described.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(instances).toHaveLength(1);
    // Every loser either saw the result or was told to retry; none failed otherwise.
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const ok =
          o.reason instanceof LaunchInProgressError || (o.reason as Error).name === 'VersionConflictError';
        expect(ok, String(o.reason)).toBe(true);
      }
    }
    expect(
      outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'provisioned'),
    ).not.toHaveLength(0);
    const job = await p.ledger.getJob(message.jobId);
    expect(job?.state).toBe('PROVISIONING');
    expect(job?.runtime.instanceIds).toEqual(instances.map((i) => i.InstanceId));

    // A redelivery after the race: nothing more is launched.
    const again = await provisionAllocation(
      { ...p.provisionDeps, fleetFor: () => fleets[0] as CountingFleet },
      message,
    );
    expect(again.kind).toBe('already-provisioned');
    expect(fleets.reduce((sum, f) => sum + f.created, 0)).toBe(1);
  });
});
