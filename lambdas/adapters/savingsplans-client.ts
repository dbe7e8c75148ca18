import { SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { type AwsClientConfig, sdkClientOptions } from './aws-client-config.js';

/**
 * A Savings Plans client. The API has one global endpoint (plans belong to the account, not to a
 * region), which the SDK picks for `us-east-1`; the region asked for is ignored for that reason.
 */
export const createSavingsPlansClient = (config: Omit<AwsClientConfig, 'region'>): SavingsplansClient =>
  new SavingsplansClient(sdkClientOptions({ ...config, region: 'us-east-1' }));
