import { createDynamoDbClient } from '../adapters/dynamodb-client.js';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import type { ChainHeadSource, Clock, Ledger } from '../core/ports.js';
import type { HandlerConfig } from './config.js';
import { clientConfig } from './runtime.js';

/** The DynamoDB ledger of a configuration: its own DynamoDB client in the home region. */
export const createLedger = (config: HandlerConfig, clock: Clock): Ledger & ChainHeadSource =>
  new DynamoDbLedger({
    client: createDynamoDbClient(clientConfig(config)),
    tableName: config.tableName,
    eventsTableName: config.eventsTableName,
    clock,
  });
