import { createDynamoDbClient, createEc2Client, createSqsClient } from '../adapters/aws-clients.js';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import { Ec2Fleet } from '../adapters/ec2-fleet.js';
import { outgoingMessage, QUEUE_DEFINITIONS } from '../adapters/queue-definitions.js';
import { SqsJobQueues } from '../adapters/sqs-queues.js';
import type { Fleet } from '../core/cloud-ports.js';
import type { Clock, JobQueues, Ledger } from '../core/ports.js';
import type { MessageFactory } from '../core/use-cases/send-messages.js';
import { type HandlerConfig, loadConfig } from './config.js';

/** The wall clock: only handlers and adapters may read it. */
export const systemClock: Clock = { now: () => new Date() };

/** Builds queue entries with the FIFO ids each queue's definition asks for. */
export const definedMessages: MessageFactory = (queue, entryId, body, keys) =>
  outgoingMessage(QUEUE_DEFINITIONS[queue], entryId, body, keys);

/** The real adapters every handler shares, created once per execution environment. */
export interface Runtime {
  readonly config: HandlerConfig;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly queues: JobQueues;
  readonly messages: MessageFactory;
  /** The fleet of a region; one EC2 client per region, created on first use. */
  readonly fleetFor: (region: string) => Fleet;
}

/** Wires the adapters for a configuration. */
export const createRuntime = (config: HandlerConfig, clock: Clock = systemClock): Runtime => {
  const client = (region: string) => ({
    region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
  });
  const fleets = new Map<string, Fleet>();
  return {
    config,
    clock,
    ledger: new DynamoDbLedger({
      client: createDynamoDbClient(client(config.region)),
      tableName: config.tableName,
      eventsTableName: config.eventsTableName,
      clock,
    }),
    queues: new SqsJobQueues({ client: createSqsClient(client(config.region)), urls: config.queueUrls }),
    messages: definedMessages,
    fleetFor: (region) => {
      let fleet = fleets.get(region);
      if (fleet === undefined) {
        fleet = new Ec2Fleet({ client: createEc2Client(client(region)), region });
        fleets.set(region, fleet);
      }
      return fleet;
    },
  };
};

let shared: Runtime | undefined;

/** The runtime of this execution environment, from `process.env` via `loadConfig`, built once. */
export const sharedRuntime = (): Runtime => {
  shared ??= createRuntime(loadConfig());
  return shared;
};

/**
 * A Lambda entry point whose dependencies are built on the first invocation and then reused, so
 * that importing the module (tests import `makeHandler`) never reads the environment.
 */
export const lazyHandler = <E, C, R>(build: () => Promise<(event: E, context: C) => Promise<R>>) => {
  let built: Promise<(event: E, context: C) => Promise<R>> | undefined;
  return async (event: E, context: C): Promise<R> => {
    built ??= build();
    return (await built)(event, context);
  };
};
