import { beforeEach, describe, expect, it } from 'vitest';
import { outgoingMessage, QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import type { JobQueues, OutgoingMessage } from '../../lambdas/core/ports.js';

/** A fresh set of empty queues, and a way to let time pass for them. */
export interface QueuesUnderTest {
  readonly queues: JobQueues;
  /** Lets `seconds` pass as the queues see it (a fake clock, or real waiting). */
  elapse(seconds: number): Promise<void>;
}

const standard = (n: number, prefix = 'body'): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ id: `e${i}`, body: `${prefix}-${i}` }));

const jobRequest = (entryId: string, jobId: string) =>
  outgoingMessage(QUEUE_DEFINITIONS['job-requests'], entryId, JSON.stringify({ jobId }), { jobId });

/**
 * The behaviour every `JobQueues` adapter must have. Run once per adapter with a factory that
 * returns empty queues for each test.
 */
export const describeQueuesContract = (name: string, make: () => Promise<QueuesUnderTest>): void => {
  describe(`${name} (queues contract)`, () => {
    let subject: QueuesUnderTest;
    let queues: JobQueues;

    beforeEach(async () => {
      subject = await make();
      queues = subject.queues;
    });

    it('sends a batch of ten with one result per message, in order', async () => {
      const results = await queues.send('job-events', standard(10));
      expect(results.map((r) => r.id)).toEqual(standard(10).map((m) => m.id));
      for (const result of results) expect(result).toMatchObject({ ok: true, messageId: expect.any(String) });
    });

    it('receives what was sent and deletes it for good', async () => {
      await queues.send('job-events', standard(3));
      const received = await queues.receive('job-events', { maxMessages: 10 });
      expect(received.map((m) => m.body).sort()).toEqual(['body-0', 'body-1', 'body-2']);
      for (const message of received) expect(message.receiveCount).toBe(1);
      const deleted = await queues.delete(
        'job-events',
        received.map((m) => m.receiptHandle),
      );
      expect(deleted.every((d) => d.ok)).toBe(true);
      expect(await queues.receive('job-events', { visibilityTimeoutSeconds: 0 })).toEqual([]);
    });

    it('refuses an empty batch or one over ten entries, naming the queue', async () => {
      await expect(queues.send('job-events', [])).rejects.toThrow(
        'send(job-events): a batch holds 1 to 10 entries, got 0',
      );
      await expect(queues.send('job-events', standard(11))).rejects.toThrow(/got 11/);
      await expect(queues.delete('job-events', [])).rejects.toThrow(RangeError);
    });

    it('refuses FIFO messages without group and deduplication ids, and FIFO ids on standard queues', async () => {
      await expect(queues.send('job-requests', [{ id: 'a', body: '{}' }])).rejects.toThrow(
        'entry a needs groupId and deduplicationId',
      );
      await expect(
        queues.send('job-events', [{ id: 'a', body: '{}', groupId: 'g', deduplicationId: 'd' }]),
      ).rejects.toThrow(/standard queue/);
      await expect(queues.send('job-events', [{ id: 'bad id!', body: '{}' }])).rejects.toThrow(/entry id/);
    });

    it('drops a repeated job request: the deduplication id is the jobId', async () => {
      const first = await queues.send('job-requests', [
        jobRequest('a', 'train-1'),
        jobRequest('b', 'train-2'),
      ]);
      const again = await queues.send('job-requests', [jobRequest('c', 'train-1')]);
      expect([...first, ...again].every((r) => r.ok)).toBe(true);
      const received = await queues.receive('job-requests', { maxMessages: 10 });
      expect(received.map((m) => JSON.parse(m.body).jobId).sort()).toEqual(['train-1', 'train-2']);
      expect(received.map((m) => m.groupId).sort()).toEqual(['train-1', 'train-2']);
    });

    it('holds back later messages of a FIFO group while an earlier one is in flight', async () => {
      const provision = QUEUE_DEFINITIONS.provision;
      const step = (entryId: string, allocationId: string) =>
        outgoingMessage(provision, entryId, allocationId, { jobId: 'job-1', allocationId });
      await queues.send('provision', [step('a', 'job-1-a1'), step('b', 'job-1-a2')]);
      const first = await queues.receive('provision', { maxMessages: 1 });
      expect(first.map((m) => m.body)).toEqual(['job-1-a1']);
      expect(await queues.receive('provision', { maxMessages: 10 })).toEqual([]);
      await queues.delete('provision', [first[0]?.receiptHandle ?? '']);
      const second = await queues.receive('provision', { maxMessages: 10 });
      expect(second.map((m) => m.body)).toEqual(['job-1-a2']);
    });

    it('hides a received message until its visibility timeout passes, then counts the redelivery', async () => {
      await queues.send('job-events', standard(1));
      const [first] = await queues.receive('job-events', { visibilityTimeoutSeconds: 1 });
      expect(first).toMatchObject({ body: 'body-0', receiveCount: 1 });
      expect(await queues.receive('job-events')).toEqual([]);
      await subject.elapse(1.2);
      const [second] = await queues.receive('job-events');
      expect(second).toMatchObject({ messageId: first?.messageId, receiveCount: 2 });
    });

    it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
      const { maxReceiveCount } = QUEUE_DEFINITIONS['job-events'];
      await queues.send('job-events', [{ id: 'p', body: 'poison' }]);
      for (let i = 1; i <= maxReceiveCount; i++) {
        const [message] = await queues.receive('job-events', { visibilityTimeoutSeconds: 0 });
        expect(message).toMatchObject({ body: 'poison', receiveCount: i });
      }
      expect(await queues.receive('job-events', { visibilityTimeoutSeconds: 0 })).toEqual([]);
      const dead = await queues.receive('job-events-dlq');
      expect(dead.map((m) => m.body)).toEqual(['poison']);
    });

    it('redrives FIFO job requests to a FIFO dead-letter queue too', async () => {
      const { maxReceiveCount } = QUEUE_DEFINITIONS['job-requests'];
      await queues.send('job-requests', [jobRequest('a', 'bad-1')]);
      for (let i = 1; i <= maxReceiveCount; i++) {
        expect(await queues.receive('job-requests', { visibilityTimeoutSeconds: 0 })).toHaveLength(1);
      }
      expect(await queues.receive('job-requests', { visibilityTimeoutSeconds: 0 })).toEqual([]);
      const dead = await queues.receive('job-requests-dlq');
      expect(dead.map((m) => JSON.parse(m.body).jobId)).toEqual(['bad-1']);
    });

    it('reports a bad receipt handle per entry without failing the others', async () => {
      await queues.send('job-events', standard(1));
      const [message] = await queues.receive('job-events');
      const handle = message?.receiptHandle ?? '';
      const results = await queues.delete('job-events', [handle, 'not-a-receipt-handle']);
      expect(results[0]).toEqual({ receiptHandle: handle, ok: true });
      expect(results[1]).toMatchObject({
        receiptHandle: 'not-a-receipt-handle',
        ok: false,
        code: expect.any(String),
      });
    });
  });
};
