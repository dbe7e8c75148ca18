import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { CommitmentsCommandIo, CommitmentsSourceRequest } from '../../bin/commands/commitments.js';
import { parseCommitmentsText } from '../../lambdas/core/commitments/commitments-file.js';
import { always, RecordedClient } from '../fixtures/aws/recorded-client.js';
import { RECORDED_NOW, recordedEc2, recordedSource } from '../support/recorded-commitments-source.js';
import { runCommitmentsCommand } from '../support/run-commitments-command.js';

/** `qm commitments` on the recorded responses of test/fixtures/aws (ec2/ and savingsplans/). */

const NOW = RECORDED_NOW;

const run = (args: readonly string[], io: Partial<CommitmentsCommandIo> = {}) =>
  runCommitmentsCommand(args, { source: recordedSource(), now: () => NOW, ...io });

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
      source: recordedSource(recordedEc2(), requests),
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
