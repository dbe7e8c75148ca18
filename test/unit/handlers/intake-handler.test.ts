import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../lambdas/handlers/intake.js';
import { quietObservability } from '../../../lambdas/handlers/middleware.js';
import { hostileIntakeCorpus } from '../../support/hostile-intake-corpus.js';
import { makeWorld, overriding, requestBody } from '../use-cases/world.js';
import { lambdaContext, recordingMetrics, sqsEvent } from './lambda-fixtures.js';

const setup = async () => {
  const w = await makeWorld();
  const metrics = recordingMetrics();
  const obs = { ...quietObservability(), metrics };
  return { w, metrics, obs };
};

describe('intake handler', () => {
  it('creates jobs from a batch and reports no failures', async () => {
    const { w, obs } = await setup();
    const handler = makeHandler({ ledger: w.ledger, clock: w.clock, obs });
    const result = await handler(
      sqsEvent([
        { messageId: 'm1', body: requestBody('job-1'), groupId: 'job-1' },
        { messageId: 'm2', body: requestBody('job-2'), groupId: 'job-2' },
      ]),
      lambdaContext(),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await w.ledger.listJobsByState('PENDING')).items).toHaveLength(2);
  });

  it('records a poison message as REJECTED without failing it or the rest of its batch', async () => {
    const { w, obs, metrics } = await setup();
    const handler = makeHandler({ ledger: w.ledger, clock: w.clock, obs });
    const result = await handler(
      sqsEvent([
        { messageId: 'm1', body: requestBody('job-1'), groupId: 'job-1' },
        { messageId: 'bad', body: '{"jobId":', groupId: 'junk' },
        { messageId: 'm3', body: requestBody('job-3'), groupId: 'job-3' },
      ]),
      lambdaContext(),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect((await w.ledger.getRejection('bad'))?.rawBody).toBe('{"jobId":');
    expect((await w.ledger.listJobsByState('PENDING')).items.map((j) => j.jobId).sort()).toEqual([
      'job-1',
      'job-3',
    ]);
    expect(metrics.added).toContainEqual({ name: 'JobRejected', value: 1 });
    expect(metrics.published()).toBe(1);
  });

  it('reports only the message whose write failed, and the later messages of its FIFO group', async () => {
    const { w, obs } = await setup();
    const ledger = overriding(w.ledger, {
      putJobIfAbsent: async (job) => {
        if (job.request.jobId === 'job-2') throw new Error('ProvisionedThroughputExceeded');
        return w.ledger.putJobIfAbsent(job);
      },
    });
    const handler = makeHandler({ ledger, clock: w.clock, obs });
    const result = await handler(
      sqsEvent([
        { messageId: 'm1', body: requestBody('job-1'), groupId: 'g1' },
        { messageId: 'm2', body: requestBody('job-2'), groupId: 'g2' },
        { messageId: 'm3', body: requestBody('job-3'), groupId: 'g2' },
        { messageId: 'm4', body: requestBody('job-4'), groupId: 'g3' },
      ]),
      lambdaContext(),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }]);
    expect(await w.ledger.getJob('job-3')).toBeUndefined();
    expect(await w.ledger.getJob('job-4')).toBeDefined();
  });

  it('counts a redelivered request as a duplicate', async () => {
    const { w, obs, metrics } = await setup();
    const handler = makeHandler({ ledger: w.ledger, clock: w.clock, obs });
    const event = sqsEvent([{ messageId: 'm1', body: requestBody('job-1'), groupId: 'job-1' }]);
    await handler(event, lambdaContext());
    await handler(event, lambdaContext());
    expect(metrics.added.map((m) => m.name)).toEqual(['JobReceived', 'JobDuplicate']);
  });

  it('takes the 1,000-case hostile corpus in batches of 10 with no batch failure and nothing lost', async () => {
    const { w, obs } = await setup();
    const handler = makeHandler({ ledger: w.ledger, clock: w.clock, obs });
    const corpus = hostileIntakeCorpus(1000);
    for (let i = 0; i < corpus.length; i += 10) {
      const batch = corpus.slice(i, i + 10);
      const result = await handler(
        sqsEvent(
          batch.map((c) => ({ messageId: c.messageId, body: c.body, groupId: c.jobId ?? c.messageId })),
        ),
        lambdaContext(),
      );
      expect(result, `batch ${i / 10}`).toEqual({ batchItemFailures: [] });
    }
    for (const c of corpus)
      if (c.jobId !== null) expect((await w.ledger.getJob(c.jobId))?.state, c.messageId).toBe('PENDING');
      else expect((await w.ledger.getRejection(c.messageId))?.reason, c.messageId).toBeTruthy();
  }, 120_000);
});
