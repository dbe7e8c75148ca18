import { describe, expect, it } from 'vitest';
import { InMemoryJobQueues } from '../../lambdas/adapters/in-memory-queues.js';
import { outgoingMessage, QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import { FakeClock } from '../support/fake-clock.js';
import { describeQueuesContract } from '../support/queues-contract.js';

describeQueuesContract('InMemoryJobQueues', async () => {
  const clock = new FakeClock();
  return {
    queues: new InMemoryJobQueues({ clock }),
    elapse: async (seconds) => {
      clock.advance(seconds * 1000);
    },
  };
});

describe('InMemoryJobQueues beyond the contract', () => {
  it('lets one receive take several messages of a FIFO group, in send order', async () => {
    const queues = new InMemoryJobQueues({ clock: new FakeClock() });
    const def = QUEUE_DEFINITIONS.provision;
    await queues.send(
      'provision',
      ['a1', 'a2', 'a3'].map((a, i) => outgoingMessage(def, `m${i}`, a, { jobId: 'job-1', allocationId: a })),
    );
    const received = await queues.receive('provision', { maxMessages: 10 });
    expect(received.map((m) => m.body)).toEqual(['a1', 'a2', 'a3']);
  });

  it('accepts a repeated deduplication id again once five minutes have passed', async () => {
    const clock = new FakeClock();
    const queues = new InMemoryJobQueues({ clock });
    const message = outgoingMessage(QUEUE_DEFINITIONS['job-requests'], 'm', '{}', { jobId: 'job-1' });
    await queues.send('job-requests', [message]);
    clock.advance(5 * 60_000);
    await queues.send('job-requests', [message]);
    const received = await queues.receive('job-requests', { maxMessages: 10 });
    expect(received.map((m) => m.body)).toEqual(['{}', '{}']);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(2);
  });

  it('refuses receive options outside SQS limits', async () => {
    const queues = new InMemoryJobQueues({ clock: new FakeClock() });
    await expect(queues.receive('job-events', { maxMessages: 11 })).rejects.toThrow(
      'maxMessages 11 must be 1 to 10',
    );
    await expect(queues.receive('job-events', { waitSeconds: 21 })).rejects.toThrow(/waitSeconds/);
  });
});
