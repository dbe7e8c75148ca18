import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type FieldIssue, parseJobRequestText, toFieldIssues } from '../core/jobs/job-request.js';
import { MAX_BATCH_SIZE, type QueueId, type QueueKey } from '../core/ports.js';
import { type JobEventMessageInput, JobEventMessageSchema } from '../core/use-cases/pipeline-messages.js';
import type { AwsClientConfig } from './aws-client-config.js';
import { outgoingMessage, QUEUE_DEFINITIONS, queueNames } from './queue-definitions.js';
// The one-client file, not the aws-clients barrel: that would load the EC2 client into every producer.
import { createSqsClient } from './sqs-client.js';
import { SqsJobQueues } from './sqs-queues.js';

/** What happened to one message a producer sent. */
export type SendReport =
  | {
      readonly index: number;
      readonly jobId: string | null;
      readonly status: 'accepted';
      readonly messageId: string;
    }
  /** Not sent: it would have been rejected by intake anyway. */
  | {
      readonly index: number;
      readonly jobId: string | null;
      readonly status: 'invalid';
      readonly issues: readonly FieldIssue[];
    }
  /** Valid but SQS did not take it; safe to send again (the jobId is the idempotency key). */
  | {
      readonly index: number;
      readonly jobId: string | null;
      readonly status: 'failed';
      readonly error: string;
    };

/** The two queues a producer writes to. */
export interface ProducerQueueUrls {
  readonly jobRequests: string;
  readonly jobEvents: string;
}

export interface ProducerClientOptions {
  readonly client: SQSClient;
  readonly urls: ProducerQueueUrls;
}

const jobIdOf = (value: unknown): string | null =>
  typeof value === 'object' && value !== null && typeof (value as { jobId?: unknown }).jobId === 'string'
    ? (value as { jobId: string }).jobId
    : null;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The typed client producer services use instead of writing queue messages by hand. Every message
 * is validated with the same schema intake uses before it is sent, so a bad request fails in the
 * producer, with field-level issues, instead of ending as a REJECTED record. Sends go out in
 * batches of ten; each message gets its own result.
 *
 * @example
 * const client = ProducerClient.connect({ region: 'us-east-1' }, { jobRequests: url1, jobEvents: url2 });
 * const [result] = await client.submit([{ jobId: 'train-42', team: 'vision', project: 'detector',
 *   resources: { gpus: 8, gpuModels: ['H100'] }, runtime: { estimatedHours: 6, interruptible: true } }]);
 * if (result?.status !== 'accepted') console.error(result);
 */
export class ProducerClient {
  readonly #queues: SqsJobQueues;

  constructor(options: ProducerClientOptions) {
    const urls: Record<QueueId, string> = {
      'job-requests': options.urls.jobRequests,
      'job-events': options.urls.jobEvents,
      provision: '',
      'ec2-events': '',
      'job-requests-dlq': '',
      'provision-dlq': '',
      'job-events-dlq': '',
      'ec2-events-dlq': '',
    };
    this.#queues = new SqsJobQueues({ client: options.client, urls });
  }

  /** A client with its own SQS client. */
  static connect(config: AwsClientConfig, urls: ProducerQueueUrls): ProducerClient {
    return new ProducerClient({ client: createSqsClient(config), urls });
  }

  /** Validates and sends job requests; results are in input order. */
  async submit(requests: readonly unknown[]): Promise<SendReport[]> {
    const reports: SendReport[] = new Array(requests.length);
    const valid: { index: number; jobId: string; body: string }[] = [];
    requests.forEach((request, index) => {
      const text = typeof request === 'string' ? request : JSON.stringify(request);
      const parsed = parseJobRequestText(text ?? 'undefined');
      if (!parsed.ok) {
        reports[index] = { index, jobId: jobIdOf(request), status: 'invalid', issues: parsed.issues };
        return;
      }
      // The request as intake will store it (defaults applied), so what is sent is what runs.
      valid.push({ index, jobId: parsed.value.jobId, body: JSON.stringify(parsed.value) });
    });
    await this.#sendAll('job-requests', valid, reports);
    return reports;
  }

  /** Asks for a job to be cancelled; its capacity is terminated. */
  async cancel(jobId: string, reason: string): Promise<SendReport> {
    return this.#event({ type: 'cancel', jobId, reason });
  }

  /** Reports that a job's workload ended (`failed: true` when it did not succeed). */
  async complete(
    jobId: string,
    options: { readonly failed?: boolean; readonly reason?: string } = {},
  ): Promise<SendReport> {
    return this.#event({
      type: 'complete',
      jobId,
      ...(options.failed === undefined ? {} : { failed: options.failed }),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    });
  }

  async #event(message: JobEventMessageInput): Promise<SendReport> {
    const parsed = JobEventMessageSchema.safeParse(message);
    if (!parsed.success) {
      return {
        index: 0,
        jobId: message.jobId,
        status: 'invalid',
        issues: toFieldIssues(parsed.error.issues),
      };
    }
    const reports: SendReport[] = [];
    await this.#sendAll(
      'job-events',
      [{ index: 0, jobId: message.jobId, body: JSON.stringify(parsed.data) }],
      reports,
    );
    const [report] = reports;
    if (report === undefined) throw new Error('ProducerClient: no result for the message');
    return report;
  }

  async #sendAll(
    queue: QueueKey,
    items: readonly { index: number; jobId: string; body: string }[],
    reports: SendReport[],
  ): Promise<void> {
    const def = QUEUE_DEFINITIONS[queue];
    for (let start = 0; start < items.length; start += MAX_BATCH_SIZE) {
      const batch = items.slice(start, start + MAX_BATCH_SIZE);
      try {
        const results = await this.#queues.send(
          queue,
          batch.map((item, i) => outgoingMessage(def, `m${i}`, item.body, { jobId: item.jobId })),
        );
        batch.forEach((item, i) => {
          const result = results[i];
          reports[item.index] =
            result?.ok === true
              ? { index: item.index, jobId: item.jobId, status: 'accepted', messageId: result.messageId }
              : {
                  index: item.index,
                  jobId: item.jobId,
                  status: 'failed',
                  error: result === undefined ? 'no result reported' : `${result.code}: ${result.message}`,
                };
        });
      } catch (err) {
        for (const item of batch)
          reports[item.index] = {
            index: item.index,
            jobId: item.jobId,
            status: 'failed',
            error: errorText(err),
          };
      }
    }
  }
}

/**
 * The URLs of a deployment's job-requests and job-events queues, from its name prefix
 * (`<prefix>-job-requests.fifo`, `<prefix>-job-events`).
 * @throws Error naming the queue that does not exist
 */
export const resolveProducerQueueUrls = async (
  client: SQSClient,
  prefix: string,
): Promise<ProducerQueueUrls> => {
  const urlOf = async (key: QueueKey): Promise<string> => {
    const { name } = queueNames(prefix, QUEUE_DEFINITIONS[key]);
    try {
      const out = await client.send(new GetQueueUrlCommand({ QueueName: name }));
      if (out.QueueUrl === undefined) throw new Error('SQS returned no URL');
      return out.QueueUrl;
    } catch (err) {
      throw new Error(`queue ${name} (prefix ${JSON.stringify(prefix)}) not found: ${errorText(err)}`, {
        cause: err,
      });
    }
  };
  return { jobRequests: await urlOf('job-requests'), jobEvents: await urlOf('job-events') };
};
