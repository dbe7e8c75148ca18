import type { AwsClientConfig } from '../adapters/aws-client-config.js';
import { outgoingMessage, QUEUE_DEFINITIONS } from '../adapters/queue-definitions.js';
import type { Clock } from '../core/ports.js';
import type { MessageFactory } from '../core/use-cases/send-messages.js';
import { type HandlerConfig, loadConfig } from './config.js';

/**
 * What every handler shares: the clock, the configuration and the lazy entry point. The adapters
 * are wired per handler by small factories (`ledger-wiring.ts`, `queues-wiring.ts`,
 * `fleet-wiring.ts`), each importing only its own SDK client, so a function's bundle holds only
 * the clients it uses (intake: DynamoDB; no EC2, no SQS).
 */

/** The wall clock: only handlers and adapters may read it. */
export const systemClock: Clock = { now: () => new Date() };

/** Builds queue entries with the FIFO ids each queue's definition asks for. */
export const definedMessages: MessageFactory = (queue, entryId, body, keys) =>
  outgoingMessage(QUEUE_DEFINITIONS[queue], entryId, body, keys);

/** SDK client settings for `region` under a configuration (its endpoint override, e.g. moto). */
export const clientConfig = (config: HandlerConfig, region: string = config.region): AwsClientConfig => ({
  region,
  ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
});

let shared: HandlerConfig | undefined;

/** The configuration of this execution environment, from `process.env` via `loadConfig`, read once. */
export const sharedConfig = (): HandlerConfig => {
  shared ??= loadConfig();
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
