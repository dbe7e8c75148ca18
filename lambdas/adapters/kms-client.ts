import { KMSClient } from '@aws-sdk/client-kms';
import { type AwsClientConfig, sdkClientOptions } from './aws-client-config.js';

/** A KMS client for digest signing and public key export. Create once per execution environment. */
export const createKmsClient = (config: AwsClientConfig): KMSClient =>
  new KMSClient(sdkClientOptions(config));
