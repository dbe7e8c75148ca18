import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { CorruptRecordError, NotFoundError, VersionConflictError } from '../core/errors.js';
import type { JobChange } from '../core/ledger/job-change.js';
import { applyUsageStart, applyUsageStop } from '../core/ledger/usage-change.js';
import {
  isPeriod,
  type JobRecord,
  type Page,
  type PageRequest,
  type Period,
  periodOf,
  type UsageRecord,
  type UsageStart,
  type UsageStop,
  usdToMicros,
} from '../core/ports.js';
import { eventItem, jobItem, N, parseJson, S, usageItem } from './dynamodb-item-codec.js';
import { cancellationCodes, type DynamoTable, HEAD_ATTEMPTS, headRetryPause } from './dynamodb-table.js';
import { checkUsageStop } from './in-memory-ledger.js';
import { LEDGER_ATTRIBUTES as A, GSI1, GSI2, ledgerKeys as K } from './table-definition.js';

type UsageWrite = 'written' | 'exists' | 'job-moved';

/**
 * Usage intervals: one per instance, started and stopped once. Each start and stop is one
 * transaction with the job's next event (USAGE_STARTED, USAGE_STOPPED) and its new head, so a
 * usage item never exists without the chain saying so (ADR 0010).
 */
export class DynamoDbUsage {
  readonly #t: DynamoTable;
  readonly #getJob: (jobId: string) => Promise<JobRecord | undefined>;

  constructor(table: DynamoTable, getJob: (jobId: string) => Promise<JobRecord | undefined>) {
    this.#t = table;
    this.#getJob = getJob;
  }

  /** Writes the usage item, the job and its event at once: which condition failed, if any. */
  async #write(
    usage: UsageRecord,
    usageCondition: string,
    before: JobRecord,
    change: JobChange,
  ): Promise<UsageWrite> {
    try {
      await this.#t.transact([
        { Put: { TableName: this.#t.table, Item: usageItem(usage), ConditionExpression: usageCondition } },
        {
          Put: {
            TableName: this.#t.table,
            Item: jobItem(change.job),
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': N(before.version) },
          },
        },
        {
          Put: {
            TableName: this.#t.eventsTable,
            Item: eventItem(change.event),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      return 'written';
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const codes = cancellationCodes(err);
      if (codes[0] === 'ConditionalCheckFailed') return 'exists';
      // Another change of the job (a transition, another node's usage) came first: read again.
      if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict'))
        return 'job-moved';
      throw err;
    }
  }

  async #requireJob(jobId: string, instanceId: string): Promise<JobRecord> {
    const job = await this.#getJob(jobId);
    if (job === undefined) throw new NotFoundError('job', jobId, { cause: `usage of ${instanceId}` });
    return job;
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
      for (let attempt = 1; attempt <= HEAD_ATTEMPTS; attempt++) {
        const existing = await this.getUsage(start.instanceId);
        if (existing !== undefined) return { outcome: 'already-started', usage: existing } as const;
        const job = await this.#requireJob(start.jobId, start.instanceId);
        const change = applyUsageStart(job, start, this.#t.now());
        const outcome = await this.#write(usage, 'attribute_not_exists(pk)', job, change);
        if (outcome === 'written') return { outcome: 'started', usage } as const;
        if (outcome === 'exists') {
          const now = await this.getUsage(start.instanceId);
          if (now === undefined)
            throw new CorruptRecordError('usage', start.instanceId, 'exists, then vanished');
          return { outcome: 'already-started', usage: now } as const;
        }
        await headRetryPause(attempt);
      }
      throw new VersionConflictError('job', start.jobId, -1, undefined, {
        cause: `startUsage(${start.instanceId}): the job kept changing`,
      });
    });
  }

  async stopUsage(stop: UsageStop) {
    return this.#t.guard('stopUsage', stop.instanceId, async () => {
      for (let attempt = 1; attempt <= HEAD_ATTEMPTS; attempt++) {
        const usage = await this.getUsage(stop.instanceId);
        if (usage === undefined) throw new NotFoundError('usage interval of instance', stop.instanceId);
        if (usage.stoppedAt !== null) return { outcome: 'already-stopped', usage } as const;
        checkUsageStop(usage, stop);
        const stopped: UsageRecord = { ...usage, stoppedAt: stop.stoppedAt, costUsd: stop.costUsd };
        const job = await this.#requireJob(usage.jobId, usage.instanceId);
        const change = applyUsageStop(job, usage, stop, this.#t.now());
        const outcome = await this.#write(
          stopped,
          'attribute_exists(pk) AND attribute_not_exists(stoppedAt)',
          job,
          change,
        );
        if (outcome === 'written') return { outcome: 'stopped', usage: stopped } as const;
        // 'exists' here means someone else stopped it first; the next round returns what they wrote.
        if (outcome === 'job-moved') await headRetryPause(attempt);
      }
      throw new VersionConflictError('usage', stop.instanceId, -1, undefined, {
        cause: `stopUsage(${stop.instanceId}): the job kept changing`,
      });
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
