import { describe, expect, it } from 'vitest';
import {
  createDynamoDbClient,
  createEc2Client,
  createSqsClient,
} from '../../lambdas/adapters/aws-clients.js';
import { motoEndpoint, resetMoto } from '../support/moto.js';

describe('moto harness', () => {
  it('provides a loopback endpoint that answers and can be reset', async () => {
    expect(motoEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(resetMoto()).resolves.toBeUndefined();
  });

  it('gives test workers fake credentials only', () => {
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('testing');
  });
});

describe('AWS client factories', () => {
  it('point clients at the configured endpoint without reading the environment', async () => {
    const client = createDynamoDbClient({ region: 'eu-west-1', endpoint: motoEndpoint(), maxAttempts: 1 });
    const endpoint = await client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe(motoEndpoint());
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('refuse a malformed config, naming the field', () => {
    expect(() => createSqsClient({ region: 'Europe' })).toThrow(
      'AwsClientConfig.region: "Europe" is not an AWS region code',
    );
    expect(() => createEc2Client({ region: 'us-east-1', endpoint: 'localhost:5000' })).toThrow(/endpoint/);
    expect(() => createSqsClient({ region: 'us-east-1', maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
