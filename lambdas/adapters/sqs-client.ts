import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientConfig, sdkClientOptions } from './aws-client-config.js';

/** An SQS client for the work queues. Create once per execution environment and reuse. */
export const createSqsClient = (config: AwsClientConfig): SQSClient =>
  new SQSClient(sdkClientOptions(config));
