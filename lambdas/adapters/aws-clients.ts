import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Where and how SDK clients connect. Adapters never read `process.env`: handlers and the CLI
 * build this once in their config module (e.g. `endpoint` from `AWS_ENDPOINT_URL` for moto).
 */
export interface AwsClientConfig {
  readonly region: string;
  /** Override endpoint (moto, LocalStack); the SDK's regional default when absent. */
  readonly endpoint?: string;
  /** Attempts per call including the first; the SDK default (3) when absent. */
  readonly maxAttempts?: number;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

const sdkConfig = (config: AwsClientConfig) => {
  if (!REGION.test(config.region)) {
    throw new TypeError(`AwsClientConfig.region: ${JSON.stringify(config.region)} is not an AWS region code`);
  }
  if (config.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(config.endpoint)) {
    throw new TypeError(`AwsClientConfig.endpoint: ${JSON.stringify(config.endpoint)} is not an http(s) URL`);
  }
  if (
    config.maxAttempts !== undefined &&
    !(Number.isInteger(config.maxAttempts) && config.maxAttempts >= 1)
  ) {
    throw new TypeError(`AwsClientConfig.maxAttempts: ${config.maxAttempts} must be an integer ≥ 1`);
  }
  return {
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.maxAttempts === undefined ? {} : { maxAttempts: config.maxAttempts }),
  };
};

/** A DynamoDB client for the ledger. Create once per execution environment and reuse. */
export const createDynamoDbClient = (config: AwsClientConfig): DynamoDBClient =>
  new DynamoDBClient(sdkConfig(config));

/** An SQS client for the work queues. */
export const createSqsClient = (config: AwsClientConfig): SQSClient => new SQSClient(sdkConfig(config));

/** An EC2 client for fleets and instances. */
export const createEc2Client = (config: AwsClientConfig): EC2Client => new EC2Client(sdkConfig(config));
