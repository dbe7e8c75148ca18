import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../../lambdas/adapters/dynamodb-ledger.js';
import { Ec2Fleet } from '../../../lambdas/adapters/ec2-fleet.js';
import { SqsJobQueues } from '../../../lambdas/adapters/sqs-queues.js';
import { loadConfig } from '../../../lambdas/handlers/config.js';
import { createFleetFor } from '../../../lambdas/handlers/fleet-wiring.js';
import { createLedger } from '../../../lambdas/handlers/ledger-wiring.js';
import { createQueues } from '../../../lambdas/handlers/queues-wiring.js';
import { clientConfig, lazyHandler, systemClock } from '../../../lambdas/handlers/runtime.js';

const config = loadConfig({
  AWS_REGION: 'eu-west-1',
  QM_TABLE_NAME: 'qm-ledger',
  QM_EVENTS_TABLE_NAME: 'qm-events',
});
const onMoto = loadConfig({
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
  QM_TABLE_NAME: 'qm-ledger',
  QM_EVENTS_TABLE_NAME: 'qm-events',
});

describe('per-handler wiring', () => {
  it('connects SDK clients to the home region, or to the region asked for, with the endpoint override', () => {
    expect(clientConfig(config)).toEqual({ region: 'eu-west-1' });
    expect(clientConfig(config, 'us-west-2')).toEqual({ region: 'us-west-2' });
    expect(clientConfig(onMoto)).toEqual({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
  });

  it('builds the DynamoDB ledger and the SQS queues each on its own client', () => {
    expect(createLedger(config, systemClock)).toBeInstanceOf(DynamoDbLedger);
    expect(createQueues(config)).toBeInstanceOf(SqsJobQueues);
  });

  it('creates one fleet per region on first use and reuses it', () => {
    const fleetFor = createFleetFor(config);
    const west = fleetFor('us-west-2');
    expect(west).toBeInstanceOf(Ec2Fleet);
    expect(fleetFor('us-west-2')).toBe(west);
    expect(fleetFor('eu-west-1')).not.toBe(west);
  });

  it('rejects a region that is not a region code, naming it', () => {
    expect(() => createFleetFor(config)('mars-1')).toThrow(
      'AwsClientConfig.region: "mars-1" is not an AWS region code',
    );
  });

  it('builds a lazy handler once, on the first invocation, and reuses it', async () => {
    let builds = 0;
    const handler = lazyHandler(async () => {
      builds += 1;
      return async (event: number, _context: unknown) => event * 2;
    });
    expect(builds).toBe(0);
    expect(await handler(2, {})).toBe(4);
    expect(await handler(3, {})).toBe(6);
    expect(builds).toBe(1);
  });
});
