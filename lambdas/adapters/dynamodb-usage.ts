import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CorruptRecordError, NotFoundError } from '../core/errors.js';
import {
  isPeriod,
  type Page,
  type PageRequest,
  type Period,
  periodOf,
  type UsageRecord,
  type UsageStart,
  type UsageStop,
  usdToMicros,
} from '../core/ports.js';
import { parseJson, S, usageItem } from './dynamodb-item-codec.js';
import type { DynamoTable } from './dynamodb-table.js';
import { checkUsageStop } from './in-memory-ledger.js';
import { LEDGER_ATTRIBUTES as A, GSI1, GSI2, ledgerKeys as K } from './table-definition.js';

/** Usage intervals: one per instance, started and stopped once. */
export class DynamoDbUsage {
  readonly #t: DynamoTable;

  constructor(table: DynamoTable) {
    this.#t = table;
  }

  async startUsage(start: UsageStart) {
    usdToMicros(start.unitPriceUsdPerHour, 'unitPriceUsdPerHour');
    return this.#t.guard('startUsage', start.instanceId, async () => {
      const usage: UsageRecord = {
        ...start,
        period: periodOf(start.startedAt),
        stoppedAt: null,
        costUsd: null,
      };
      try {
        await this.#t.client.send(
          new PutItemCommand({
            TableName: this.#t.table,
            Item: usageItem(usage),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { outcome: 'started', usage } as const;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const existing = await this.getUsage(start.instanceId);
        if (existing === undefined)
          throw new CorruptRecordError('usage', start.instanceId, 'exists, then vanished');
        return { outcome: 'already-started', usage: existing } as const;
      }
    });
  }

  async stopUsage(stop: UsageStop) {
    return this.#t.guard('stopUsage', stop.instanceId, async () => {
      const usage = await this.getUsage(stop.instanceId);
      if (usage === undefined) throw new NotFoundError('usage interval of instance', stop.instanceId);
      if (usage.stoppedAt !== null) return { outcome: 'already-stopped', usage } as const;
      checkUsageStop(usage, stop);
      const stopped: UsageRecord = { ...usage, stoppedAt: stop.stoppedAt, costUsd: stop.costUsd };
      try {
        await this.#t.client.send(
          new PutItemCommand({
            TableName: this.#t.table,
            Item: usageItem(stopped),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(stoppedAt)',
          }),
        );
        return { outcome: 'stopped', usage: stopped } as const;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const now = await this.getUsage(stop.instanceId);
        if (now === undefined)
          throw new NotFoundError('usage interval of instance', stop.instanceId, { cause: err });
        return { outcome: 'already-stopped', usage: now } as const;
      }
    });
  }

  async getUsage(instanceId: string): Promise<UsageRecord | undefined> {
    return this.#t.guard('getUsage', instanceId, async () => {
      const item = await this.#t.get(K.usage(instanceId));
      return item === undefined ? undefined : parseJson<UsageRecord>(item, 'record', 'usage');
    });
  }

  async listUsageByJob(jobId: string): Promise<readonly UsageRecord[]> {
    return this.#t.guard('listUsageByJob', jobId, async () => {
      const items = await this.#t.queryAll({
        IndexName: GSI1,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': A.gsi1pk },
        ExpressionAttributeValues: { ':pk': S(K.usageByJob(jobId)) },
      });
      return items.map((item) => parseJson<UsageRecord>(item, 'record', 'usage'));
    });
  }

  async listUsageByTeamAndPeriod(
    team: string,
    period: Period,
    page?: PageRequest,
  ): Promise<Page<UsageRecord>> {
    if (!isPeriod(period))
      throw new TypeError(`listUsageByTeamAndPeriod: period ${JSON.stringify(period)} is not yyyy-mm`);
    return this.#t.guard('listUsageByTeamAndPeriod', `${team}/${period}`, async () => {
      const out = await this.#t.queryPage(
        GSI2,
        [A.gsi2pk, A.gsi2sk],
        K.teamPeriod(team, period),
        K.usageTeamPrefix,
        page,
      );
      const items = out.items.map((item) => parseJson<UsageRecord>(item, 'record', 'usage'));
      return out.cursor === undefined ? { items } : { items, cursor: out.cursor };
    });
  }
}
