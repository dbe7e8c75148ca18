import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchCommandOutput,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type DeleteResult,
  type JobQueues,
  type OutgoingMessage,
  QUEUE_KEYS,
  type QueueId,
  type QueueKey,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendResult,
} from '../core/ports.js';
import { checkBatch, checkOutgoing, checkReceive } from './in-memory-queues.js';
import { deadLetterOf, QUEUE_DEFINITIONS, type QueueDefinition, queueNames } from './queue-definitions.js';

/** The URL of every work queue and dead-letter queue. */
export type QueueUrls = Readonly<Record<QueueId, string>>;

export interface SqsJobQueuesOptions {
  readonly client: SQSClient;
  readonly urls: QueueUrls;
  readonly definitions?: Readonly<Record<QueueKey, QueueDefinition>>;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$/;

const describeError = (operation: string, queue: string, err: unknown): Error =>
  new Error(`SqsJobQueues.${operation}(${queue}): ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });

/**
 * The work queues on SQS. Batch calls report per entry, in the order given; a failure of the
 * whole call (throttling, permissions) is rethrown with the queue as context.
 */
export class SqsJobQueues implements JobQueues {
  readonly #client: SQSClient;
  readonly #urls: QueueUrls;
  readonly #definitions: Readonly<Record<QueueKey, QueueDefinition>>;

  constructor(options: SqsJobQueuesOptions) {
    this.#client = options.client;
    this.#urls = options.urls;
    this.#definitions = options.definitions ?? QUEUE_DEFINITIONS;
  }

  #url(queue: QueueId): string {
    const url = this.#urls[queue];
    if (url === undefined || url.length === 0)
      throw new TypeError(`SqsJobQueues: no URL configured for ${queue}`);
    return url;
  }

  async send(queue: QueueKey, messages: readonly OutgoingMessage[]): Promise<readonly SendResult[]> {
    checkBatch(
      'send',
      queue,
      messages.map((m) => m.id),
    );
    const fifo = this.#definitions[queue].fifo;
    for (const message of messages) checkOutgoing(queue, fifo, message);
    let out: SendMessageBatchCommandOutput;
    try {
      out = await this.#client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#url(queue),
          Entries: messages.map((m) => ({
            Id: m.id,
            MessageBody: m.body,
            ...(m.groupId === undefined ? {} : { MessageGroupId: m.groupId }),
            ...(m.deduplicationId === undefined ? {} : { MessageDeduplicationId: m.deduplicationId }),
          })),
        }),
      );
    } catch (err) {
      throw describeError('send', queue, err);
    }
    const succeeded = new Map((out.Successful ?? []).map((s) => [s.Id, s.MessageId]));
    const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
    return messages.map((m): SendResult => {
      const messageId = succeeded.get(m.id);
      if (messageId !== undefined) return { id: m.id, ok: true, messageId };
      const failure = failed.get(m.id);
      return {
        id: m.id,
        ok: false,
        code: failure?.Code ?? 'Unreported',
        message: failure?.Message ?? 'SQS reported neither success nor failure for this entry',
        senderFault: failure?.SenderFault ?? false,
      };
    });
  }

  async receive(queue: QueueId, options: ReceiveOptions = {}): Promise<readonly ReceivedMessage[]> {
    checkReceive(queue, options);
    try {
      const out = await this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#url(queue),
          MaxNumberOfMessages: options.maxMessages ?? 10,
          WaitTimeSeconds: options.waitSeconds ?? 0,
          ...(options.visibilityTimeoutSeconds === undefined
            ? {}
            : { VisibilityTimeout: options.visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
        }),
      );
      return (out.Messages ?? []).map((m): ReceivedMessage => {
        if (m.MessageId === undefined || m.ReceiptHandle === undefined || m.Body === undefined) {
          throw new Error('SQS returned a message without id, receipt handle or body');
        }
        const groupId = m.Attributes?.MessageGroupId;
        return {
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body: m.Body,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
          ...(groupId === undefined ? {} : { groupId }),
        };
      });
    } catch (err) {
      throw describeError('receive', queue, err);
    }
  }

  async delete(queue: QueueId, receiptHandles: readonly string[]): Promise<readonly DeleteResult[]> {
    checkBatch('delete', queue, receiptHandles);
    let out: DeleteMessageBatchCommandOutput;
    try {
      out = await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#url(queue),
          Entries: receiptHandles.map((ReceiptHandle, i) => ({ Id: `d${i}`, ReceiptHandle })),
        }),
      );
    } catch (err) {
      throw describeError('delete', queue, err);
    }
    const ok = new Set((out.Successful ?? []).map((s) => s.Id));
    const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
    return receiptHandles.map((receiptHandle, i): DeleteResult => {
      if (ok.has(`d${i}`)) return { receiptHandle, ok: true };
      const failure = failed.get(`d${i}`);
      return {
        receiptHandle,
        ok: false,
        code: failure?.Code ?? 'Unreported',
        message: failure?.Message ?? 'SQS reported neither success nor failure for this entry',
      };
    });
  }
}

/**
 * Creates every queue and its DLQ for a deployment prefix (tests, local use), wiring the redrive
 * policy from the definitions. Idempotent: SQS returns the existing queue when attributes match.
 */
export const createQueues = async (
  client: SQSClient,
  definitions: Readonly<Record<QueueKey, QueueDefinition>>,
  prefix: string,
): Promise<QueueUrls> => {
  const urls: Partial<Record<QueueId, string>> = {};
  for (const key of QUEUE_KEYS) {
    const def = definitions[key];
    const names = queueNames(prefix, def);
    for (const name of [names.name, names.deadLetterName]) {
      if (!QUEUE_NAME.test(name) || name.length > 80) {
        throw new TypeError(
          `createQueues: queue name ${JSON.stringify(name)} from prefix ${JSON.stringify(prefix)} is invalid`,
        );
      }
    }
    const fifo = def.fifo ? { FifoQueue: 'true' } : {};
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: names.deadLetterName,
        Attributes: { ...fifo, MessageRetentionPeriod: String(def.deadLetterRetentionSeconds) },
      }),
    );
    if (dlq.QueueUrl === undefined)
      throw new Error(`createQueues: SQS returned no URL for ${names.deadLetterName}`);
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = attributes.Attributes?.QueueArn;
    if (dlqArn === undefined)
      throw new Error(`createQueues: SQS returned no ARN for ${names.deadLetterName}`);
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: names.name,
        Attributes: {
          ...fifo,
          VisibilityTimeout: String(def.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(def.retentionSeconds),
          MaximumMessageSize: String(def.maximumMessageBytes),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: def.maxReceiveCount,
          }),
        },
      }),
    );
    if (main.QueueUrl === undefined) throw new Error(`createQueues: SQS returned no URL for ${names.name}`);
    urls[key] = main.QueueUrl;
    urls[deadLetterOf(key)] = dlq.QueueUrl;
  }
  return urls as QueueUrls;
};
