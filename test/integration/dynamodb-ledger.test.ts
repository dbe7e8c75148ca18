import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { createTable, DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import { EVENTS_TABLE, LEDGER_TABLE, ledgerKeys } from '../../lambdas/adapters/table-definition.js';
import type { QuotaLimit } from '../../lambdas/core/pricing/offer.js';
import { FakeClock } from '../support/fake-clock.js';
import { describeLedgerContract } from '../support/ledger-contract.js';
import { priceBook } from '../support/ledger-fixtures.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';

let client: ReturnType<typeof createDynamoDbClient>;
let tables = 0;

beforeAll(async () => {
  await resetMoto();
  client = createDynamoDbClient(motoClientConfig());
});

const freshTables = async (): Promise<{ tableName: string; eventsTableName: string }> => {
  tables += 1;
  const [tableName, eventsTableName] = await Promise.all([
    createTable(client, LEDGER_TABLE, `qm-test-${tables}${LEDGER_TABLE.nameSuffix}`),
    createTable(client, EVENTS_TABLE, `qm-test-${tables}${EVENTS_TABLE.nameSuffix}`),
  ]);
  return { tableName, eventsTableName };
};

// Fresh tables per test are cheaper than a reset and keep tests independent.
describeLedgerContract('DynamoDbLedger on moto', async (clock) => {
  const { tableName, eventsTableName } = await freshTables();
  return new DynamoDbLedger({ client, tableName, eventsTableName, clock });
});

describe('DynamoDbLedger price book storage', () => {
  it('keeps quotas as one JSON string on the meta item, and writes no attribute without them', async () => {
    const { tableName, eventsTableName } = await freshTables();
    const ledger = new DynamoDbLedger({ client, tableName, eventsTableName, clock: new FakeClock() });
    const quotas: QuotaLimit[] = [
      { region: 'us-east-1', quotaCode: 'L-3819A6DF', quotaClass: 'spot/G', vcpus: 64, isDefault: false },
    ];
    await ledger.putPriceBook({ ...priceBook('with', 1), quotas });
    await ledger.putPriceBook(priceBook('without', 1));
    const meta = async (id: string) => {
      const key = ledgerKeys.priceBookMeta(id);
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
      );
      return out.Item ?? {};
    };
    expect(JSON.parse((await meta('with')).quotas?.S ?? 'null')).toEqual(quotas);
    expect(await meta('without')).not.toHaveProperty('quotas');
  });
});
