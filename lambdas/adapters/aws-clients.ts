/**
 * Every SDK client factory in one import, for the CLI and tests. Lambda handlers import the
 * one-client files instead (`dynamodb-client.js`, …) so each bundle carries only the clients its
 * handler creates (docs/adr/0008-infrastructure.md, bundle budget).
 */
export type { AwsClientConfig } from './aws-client-config.js';
export { createDynamoDbClient } from './dynamodb-client.js';
export { createEc2Client } from './ec2-client.js';
export { createSqsClient } from './sqs-client.js';
