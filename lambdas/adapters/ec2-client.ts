import { EC2Client } from '@aws-sdk/client-ec2';
import { type AwsClientConfig, sdkClientOptions } from './aws-client-config.js';

/** An EC2 client for fleets and instances, one per region. */
export const createEc2Client = (config: AwsClientConfig): EC2Client =>
  new EC2Client(sdkClientOptions(config));
