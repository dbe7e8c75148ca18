import {
  type Clock,
  type DeleteResult,
  type JobQueues,
  MAX_BATCH_SIZE,
  type OutgoingMessage,
  QUEUE_KEYS,
  type QueueId,
  type QueueKey,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendResult,
} from '../core/ports.js';
import { deadLetterOf, QUEUE_DEFINITIONS, type QueueDefinition } from './queue-definitions.js';

/** SQS drops a FIFO message whose deduplication id was seen in the last five minutes. */
const DEDUP_WINDOW_MS = 5 * 60_000;
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly groupId: string | undefined;
  receiveCount: number;
  visibleAt: number;
  receiptHandle: string | undefined;
}

interface QueueState {
  readonly fifo: boolean;
  readonly visibilityMs: number;
  /** Where messages go after too many receives; absent for dead-letter queues. */
  readonly redrive: { readonly to: QueueId; readonly maxReceiveCount: number } | undefined;
  readonly messages: StoredMessage[];
  readonly dedup: Map<string, { readonly at: number; readonly messageId: string }>;
}

/** Checks a batch the way SQS does before sending anything. */
export const checkBatch = (operation: string, queue: string, entries: readonly string[]): void => {
  if (entries.length === 0 || entries.length > MAX_BATCH_SIZE) {
    throw new RangeError(
      `${operation}(${queue}): a batch holds 1 to ${MAX_BATCH_SIZE} entries, got ${entries.length}`,
    );
  }
  if (new Set(entries).size !== entries.length) {
    throw new TypeError(`${operation}(${queue}): batch entry ids must be unique`);
  }
};

/** Checks one outgoing message against its queue's kind. */
export const checkOutgoing = (queue: QueueKey, fifo: boolean, message: OutgoingMessage): void => {
  if (!ENTRY_ID.test(message.id)) {
    throw new TypeError(
      `send(${queue}): entry id ${JSON.stringify(message.id)} must be 1–80 of A-Z a-z 0-9 - _`,
    );
  }
  if (fifo && (message.groupId === undefined || message.deduplicationId === undefined)) {
    throw new TypeError(
      `send(${queue}): entry ${message.id} needs groupId and deduplicationId on a FIFO queue`,
    );
  }
  if (!fifo && (message.groupId !== undefined || message.deduplicationId !== undefined)) {
    throw new TypeError(`send(${queue}): entry ${message.id} has FIFO ids but ${queue} is a standard queue`);
  }
};

/** Checks receive options against SQS's limits. */
export const checkReceive = (queue: QueueId, options: ReceiveOptions): void => {
  const max = options.maxMessages ?? MAX_BATCH_SIZE;
  if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH_SIZE) {
    throw new RangeError(`receive(${queue}): maxMessages ${max} must be 1 to ${MAX_BATCH_SIZE}`);
  }
  const wait = options.waitSeconds ?? 0;
  if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
    throw new RangeError(`receive(${queue}): waitSeconds ${wait} must be 0 to 20`);
  }
  const visibility = options.visibilityTimeoutSeconds;
  if (visibility !== undefined && (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200)) {
    throw new RangeError(`receive(${queue}): visibilityTimeoutSeconds ${visibility} must be 0 to 43200`);
  }
};

export interface InMemoryJobQueuesOptions {
  readonly clock: Clock;
  readonly definitions?: Readonly<Record<QueueKey, QueueDefinition>>;
}

/**
 * The queues in memory, with the SQS behaviour handlers depend on: per-entry batch results,
 * FIFO deduplication and per-group ordering, visibility timeouts on the injected clock, receive
 * counts and redrive to the dead-letter queue. Passes the same contract as `SqsJobQueues`.
 * Long polling returns at once: there is nobody else to wait for.
 */
export class InMemoryJobQueues implements JobQueues {
  readonly #clock: Clock;
  readonly #queues = new Map<QueueId, QueueState>();
  #nextId = 0;

  constructor(options: InMemoryJobQueuesOptions) {
    this.#clock = options.clock;
    const definitions = options.definitions ?? QUEUE_DEFINITIONS;
    for (const key of QUEUE_KEYS) {
      const def = definitions[key];
      const dlq = deadLetterOf(key);
      const base = { fifo: def.fifo, visibilityMs: def.visibilityTimeoutSeconds * 1000 };
      this.#queues.set(key, {
        ...base,
        redrive: { to: dlq, maxReceiveCount: def.maxReceiveCount },
        messages: [],
        dedup: new Map(),
      });
      this.#queues.set(dlq, { ...base, redrive: undefined, messages: [], dedup: new Map() });
    }
  }

  #queue(id: QueueId): QueueState {
    const queue = this.#queues.get(id);
    if (queue === undefined) throw new TypeError(`unknown queue ${JSON.stringify(id)}`);
    return queue;
  }

  #id(prefix: string): string {
    this.#nextId += 1;
    return `${prefix}-${this.#nextId.toString(36).padStart(6, '0')}`;
  }

  async send(queue: QueueKey, messages: readonly OutgoingMessage[]): Promise<readonly SendResult[]> {
    const state = this.#queue(queue);
    checkBatch(
      'send',
      queue,
      messages.map((m) => m.id),
    );
    for (const message of messages) checkOutgoing(queue, state.fifo, message);
    const now = this.#clock.now().getTime();
    return messages.map((message) => {
      if (message.deduplicationId !== undefined) {
        const seen = state.dedup.get(message.deduplicationId);
        if (seen !== undefined && now - seen.at < DEDUP_WINDOW_MS) {
          return { id: message.id, ok: true, messageId: seen.messageId } as const;
        }
      }
      const messageId = this.#id('msg');
      if (message.deduplicationId !== undefined)
        state.dedup.set(message.deduplicationId, { at: now, messageId });
      state.messages.push({
        messageId,
        body: message.body,
        groupId: message.groupId,
        receiveCount: 0,
        visibleAt: now,
        receiptHandle: undefined,
      });
      return { id: message.id, ok: true, messageId } as const;
    });
  }

  async receive(queue: QueueId, options: ReceiveOptions = {}): Promise<readonly ReceivedMessage[]> {
    checkReceive(queue, options);
    const state = this.#queue(queue);
    const now = this.#clock.now().getTime();
    const max = options.maxMessages ?? MAX_BATCH_SIZE;
    const visibilityMs =
      options.visibilityTimeoutSeconds === undefined
        ? state.visibilityMs
        : options.visibilityTimeoutSeconds * 1000;
    // A FIFO group is blocked while any of its messages is in flight from an earlier receive, so
    // order within it holds; one receive may still take several of its messages, in order.
    const blocked = new Set(
      state.fifo ? state.messages.filter((m) => m.visibleAt > now).map((m) => m.groupId) : [],
    );
    const received: ReceivedMessage[] = [];
    for (const message of [...state.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now || blocked.has(message.groupId)) continue;
      if (state.redrive !== undefined && message.receiveCount >= state.redrive.maxReceiveCount) {
        this.#moveToDeadLetter(state, message, state.redrive.to);
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + visibilityMs;
      message.receiptHandle = this.#id(`rh-${message.messageId}`);
      received.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        receiveCount: message.receiveCount,
        ...(message.groupId === undefined ? {} : { groupId: message.groupId }),
      });
    }
    return received;
  }

  #moveToDeadLetter(from: QueueState, message: StoredMessage, to: QueueId): void {
    from.messages.splice(from.messages.indexOf(message), 1);
    this.#queue(to).messages.push({ ...message, receiptHandle: undefined });
  }

  async delete(queue: QueueId, receiptHandles: readonly string[]): Promise<readonly DeleteResult[]> {
    checkBatch('delete', queue, receiptHandles);
    const state = this.#queue(queue);
    return receiptHandles.map((receiptHandle) => {
      const index = state.messages.findIndex((m) => m.receiptHandle === receiptHandle);
      if (index < 0) {
        return {
          receiptHandle,
          ok: false,
          code: 'ReceiptHandleIsInvalid',
          message: `no message in ${queue} holds receipt handle ${receiptHandle}`,
        } as const;
      }
      state.messages.splice(index, 1);
      return { receiptHandle, ok: true } as const;
    });
  }
}
