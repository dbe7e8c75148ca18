import { type JobQueues, MAX_BATCH_SIZE, type OutgoingMessage, type QueueKey } from '../ports.js';

/** Keys a message is grouped and deduplicated by on FIFO queues. */
export interface MessageKeys {
  readonly jobId: string;
  readonly allocationId?: string;
}

/**
 * Builds the outgoing entry for a queue (FIFO group and deduplication ids follow the queue's
 * definition). Injected, because the queue definitions belong to the adapters.
 */
export type MessageFactory = (
  queue: QueueKey,
  entryId: string,
  body: string,
  keys: MessageKeys,
) => OutgoingMessage;

export interface Outgoing {
  readonly body: string;
  readonly keys: MessageKeys;
}

export type SendOutcome =
  | { readonly ok: true; readonly keys: MessageKeys; readonly messageId: string }
  | { readonly ok: false; readonly keys: MessageKeys; readonly error: string };

/**
 * Sends messages in batches of ten and reports each one; a failed batch call is reported on each
 * of its entries instead of stopping the others.
 */
export const sendAll = async (
  queues: Pick<JobQueues, 'send'>,
  factory: MessageFactory,
  queue: QueueKey,
  items: readonly Outgoing[],
): Promise<SendOutcome[]> => {
  const outcomes: SendOutcome[] = [];
  for (let start = 0; start < items.length; start += MAX_BATCH_SIZE) {
    const batch = items.slice(start, start + MAX_BATCH_SIZE);
    const entries = batch.map((item, i) => factory(queue, `m${i}`, item.body, item.keys));
    try {
      const results = await queues.send(queue, entries);
      batch.forEach((item, i) => {
        const result = results[i];
        if (result?.ok === true) outcomes.push({ ok: true, keys: item.keys, messageId: result.messageId });
        else
          outcomes.push({
            ok: false,
            keys: item.keys,
            error: result === undefined ? 'no result reported' : `${result.code}: ${result.message}`,
          });
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      for (const item of batch) outcomes.push({ ok: false, keys: item.keys, error });
    }
  }
  return outcomes;
};
