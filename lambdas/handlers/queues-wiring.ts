import { createSqsClient } from '../adapters/sqs-client.js';
import { SqsJobQueues } from '../adapters/sqs-queues.js';
import type { JobQueues } from '../core/ports.js';
import type { HandlerConfig } from './config.js';
import { clientConfig } from './runtime.js';

/** The SQS work queues of a configuration (URLs from its environment), on one SQS client. */
export const createQueues = (config: HandlerConfig): JobQueues =>
  new SqsJobQueues({ client: createSqsClient(clientConfig(config)), urls: config.queueUrls });
