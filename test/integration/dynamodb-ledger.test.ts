import { beforeAll } from 'vitest';
import { createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { createTable, DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import { describeLedgerContract } from '../support/ledger-contract.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';

let client: ReturnType<typeof createDynamoDbClient>;
let tables = 0;

beforeAll(async () => {
  await resetMoto();
  client = createDynamoDbClient(motoClientConfig());
});

// Fresh tables per test are cheaper than a reset and keep tests independent.
describeLedgerContract('DynamoDbLedger on moto', async (clock) => {
  tables += 1;
  const [tableName, eventsTableName] = await Promise.all([
    createTable(client, LEDGER_TABLE, `qm-test-${tables}${LEDGER_TABLE.nameSuffix}`),
    createTable(client, EVENTS_TABLE, `qm-test-${tables}${EVENTS_TABLE.nameSuffix}`),
  ]);
  return new DynamoDbLedger({ client, tableName, eventsTableName, clock });
});
