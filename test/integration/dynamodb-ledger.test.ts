import { beforeAll } from 'vitest';
import { createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { createTable, DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import { LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import { describeLedgerContract } from '../support/ledger-contract.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';

let client: ReturnType<typeof createDynamoDbClient>;
let tables = 0;

beforeAll(async () => {
  await resetMoto();
  client = createDynamoDbClient(motoClientConfig());
});

// A fresh table per test is cheaper than a reset and keeps tests independent.
describeLedgerContract('DynamoDbLedger on moto', async (clock) => {
  tables += 1;
  const tableName = await createTable(client, LEDGER_TABLE, `qm-test-${tables}${LEDGER_TABLE.nameSuffix}`);
  return new DynamoDbLedger({ client, tableName, clock });
});
