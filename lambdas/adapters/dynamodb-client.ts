import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientConfig, sdkClientOptions } from './aws-client-config.js';

/** A DynamoDB client for the ledger. Create once per execution environment and reuse. */
export const createDynamoDbClient = (config: AwsClientConfig): DynamoDBClient =>
  new DynamoDBClient(sdkClientOptions(config));
