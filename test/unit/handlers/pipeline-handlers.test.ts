import { describe, expect, it } from 'vitest';
import { makeHandler as makeEvents } from '../../../lambdas/handlers/events.js';
import { quietObservability } from '../../../lambdas/handlers/middleware.js';
import { makeHandler as makeProvision } from '../../../lambdas/handlers/provision.js';
import { makeHandler as makeReconcile } from '../../../lambdas/handlers/reconcile.js';
import { makeHandler as makeSolve } from '../../../lambdas/handlers/solve.js';
import {
  intakeAndSolve,
  makeWorld,
  REGION,
  reconcileDeps,
  requestBody,
  runningJob,
} from '../use-cases/world.js';
import { lambdaContext, sqsEvent } from './lambda-fixtures.js';

const obs = quietObservability();

const ec2Envelope = (detailType: string, detail: object, time: string) =>
  JSON.stringify({
    version: '0',
    id: 'e-1',
    'detail-type': detailType,
    source: 'aws.ec2',
    account: '123456789012',
    time,
    region: REGION,
    resources: [],
    detail,
  });

describe('solve handler', () => {
  it('returns a summary of the batch decision', async () => {
    const w = await makeWorld();
    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(w, { messageId: 'm', body: requestBody('job-1') });
    const summary = await makeSolve({ ...w.solveDeps, obs })({}, lambdaContext());
    expect(summary).toMatchObject({
      pending: 1,
      allocated: 1,
      waiting: 0,
      errors: 0,
      priceBookId: 'test-book',
    });
  });
});

describe('provision handler', () => {
  it('provisions valid messages and keeps a malformed one as a rejection without failing the batch', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const result = await makeProvision({ ...w.provisionDeps, obs })(
      sqsEvent([
        {
          messageId: 'p1',
          body: JSON.stringify({ jobId: 'job-1', allocationId: 'job-1.a1' }),
          groupId: 'job-1',
        },
        { messageId: 'p2', body: JSON.stringify({ jobId: 'job-2' }), groupId: 'job-2' },
      ]),
      lambdaContext(),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PROVISIONING');
    expect((await w.ledger.getRejection('p2'))?.reason).toMatch(/allocationId/);
  });

  it('reports a message for redelivery when the cloud call fails', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const broken = {
      ...w.provisionDeps,
      fleetFor: () => {
        throw new Error('RequestLimitExceeded');
      },
    };
    const result = await makeProvision({ ...broken, obs })(
      sqsEvent([
        {
          messageId: 'p1',
          body: JSON.stringify({ jobId: 'job-1', allocationId: 'job-1.a1' }),
          groupId: 'job-1',
        },
      ]),
      lambdaContext(),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'p1' }]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('ALLOCATED');
  });
});

describe('events handler', () => {
  it('handles EC2 envelopes and job messages from one batch, rejecting the unusable ones', async () => {
    const w = await makeWorld();
    const { instanceIds } = await runningJob(w, 'job-1');
    const id = instanceIds[0] as string;
    const handler = makeEvents({ ...w.capacity, obs });
    const at = w.clock.advance(3_600_000);
    const result = await handler(
      sqsEvent([
        { messageId: 'c1', body: JSON.stringify({ type: 'complete', jobId: 'job-1' }) },
        {
          messageId: 'e1',
          body: ec2Envelope(
            'EC2 Instance State-change Notification',
            { 'instance-id': id, state: 'terminated' },
            at,
          ),
        },
        { messageId: 'junk', body: JSON.stringify({ type: 'explode', jobId: 'job-1' }) },
        { messageId: 'ghost', body: JSON.stringify({ type: 'complete', jobId: 'ghost' }) },
      ]),
      lambdaContext(),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect((await w.ledger.getJob('job-1'))?.state).toBe('SUCCEEDED');
    expect((await w.ledger.getReservation('vision', 'job-1.a1'))?.status).toBe('SETTLED');
    expect((await w.ledger.getRejection('junk'))?.reason).toMatch(/^job event: type/);
    expect((await w.ledger.getRejection('ghost'))?.reason).toMatch(/unknown/);
  });

  it('defers a running event that arrives before its allocation is written', async () => {
    const w = await makeWorld();
    await intakeAndSolve(w, [requestBody('job-1')]);
    const launched = await w.fleet.launch({
      allocationId: 'job-1.a1',
      jobId: 'job-1',
      offer: {
        offerId: 'x',
        instanceType: 'p4de.24xlarge',
        region: REGION,
        availabilityZone: null,
        purchaseOption: 'spot',
      },
      fallbacks: [],
      nodes: 1,
      launchTemplate: { id: 'lt-0123456789abcdef0', version: '1' },
      tags: {
        'quartermaster:managed-by': 'quartermaster',
        'quartermaster:job-id': 'job-1',
        'quartermaster:allocation-id': 'job-1.a1',
      },
    });
    if (launched.outcome !== 'launched') throw new Error('launch');
    const body = ec2Envelope(
      'EC2 Instance State-change Notification',
      { 'instance-id': launched.instanceIds[0], state: 'running' },
      w.clock.now().toISOString(),
    );
    const result = await makeEvents({ ...w.capacity, obs })(
      sqsEvent([{ messageId: 'e1', body }]),
      lambdaContext(),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'e1' }]);
    // Its last delivery before the dead-letter queue: acknowledged, and left to reconcile.
    const last = sqsEvent([{ messageId: 'e1', body }]);
    const record = last.Records[0];
    if (record === undefined) throw new Error('no record');
    record.attributes.ApproximateReceiveCount = '5';
    expect((await makeEvents({ ...w.capacity, obs })(last, lambdaContext())).batchItemFailures).toEqual([]);
    w.clock.advance(16 * 60_000);
    const summary = await makeReconcile({ ...reconcileDeps(w), obs })({}, lambdaContext());
    expect(summary).toMatchObject({ adopted: 1, promoted: 1 });
    expect((await w.ledger.getJob('job-1'))?.state).toBe('RUNNING');
  });
});

describe('reconcile handler', () => {
  it('returns counts of what it repaired', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1');
    const summary = await makeReconcile({ ...reconcileDeps(w), obs })({}, lambdaContext());
    expect(summary).toEqual({
      orphansTerminated: 0,
      adopted: 0,
      resent: 0,
      released: 0,
      promoted: 0,
      overruns: 0,
      deadlineMoves: 0,
      errors: 0,
    });
  });
});
