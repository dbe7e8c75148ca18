import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptRecordError } from '../core/errors.js';
import { canonicalJson, type JsonObject } from '../core/ledger/event-chain.js';
import {
  type BudgetRecord,
  type BudgetReservation,
  type JobEvent,
  type JobRecord,
  microsToUsd,
  type UsageRecord,
} from '../core/ports.js';
import type { Offer } from '../core/pricing/offer.js';
import { LEDGER_ATTRIBUTES as A, ledgerKeys as K } from './table-definition.js';

/** Items of the ledger tables and the records they hold, shared by every part of the DynamoDB ledger. */
export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });

/** Offers per price-book chunk are bounded by bytes: DynamoDB items hold at most 400 KB. */
const CHUNK_BYTES = 300_000;

export const str = (item: Item, name: string, where: string): string => {
  const value = item[name]?.S;
  if (value === undefined)
    throw new CorruptRecordError(where, item[A.pk]?.S ?? '?', `missing string ${name}`);
  return value;
};

export const num = (item: Item, name: string, where: string): number => {
  const value = item[name]?.N;
  if (value === undefined)
    throw new CorruptRecordError(where, item[A.pk]?.S ?? '?', `missing number ${name}`);
  return Number(value);
};

export const optionalNum = (item: Item, name: string): number | null => {
  const value = item[name]?.N;
  return value === undefined ? null : Number(value);
};

export const optionalStr = (item: Item, name: string): string | null => item[name]?.S ?? null;

export const parseJson = <T>(item: Item, name: string, where: string): T =>
  JSON.parse(str(item, name, where)) as T;

export const encodeCursor = (key: Item): string => {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) plain[name] = value.S;
  }
  return Buffer.from(JSON.stringify(plain), 'utf8').toString('base64url');
};

export const decodeCursor = (cursor: string): Item => {
  let plain: unknown;
  try {
    plain = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is not a cursor this ledger issued`, {
      cause: err,
    });
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is not a cursor this ledger issued`);
  }
  const key: Item = {};
  for (const [name, value] of Object.entries(plain)) {
    if (typeof value !== 'string') throw new TypeError(`page.cursor: ${JSON.stringify(cursor)} is malformed`);
    key[name] = S(value);
  }
  return key;
};

export const jobItem = (job: JobRecord): Item => ({
  ...keyItem(K.job(job.jobId)),
  [A.gsi1pk]: S(K.jobsByState(job.state)),
  [A.gsi1sk]: S(K.jobStateSort(job.priority, job.createdAt, job.jobId)),
  [A.gsi2pk]: S(K.teamPeriod(job.team, job.period)),
  [A.gsi2sk]: S(K.jobTeamSort(job.createdAt, job.jobId)),
  kind: S('JOB'),
  jobId: S(job.jobId),
  state: S(job.state),
  version: N(job.version),
  record: S(JSON.stringify(job)),
});

/** An event item; `key` for chains that are not a job's (a budget's). */
export const eventItem = (
  event: JobEvent,
  key: { readonly pk: string; readonly sk: string } = K.event(event.jobId, event.seq),
): Item => ({
  ...keyItem(key),
  kind: S('EVENT'),
  jobId: S(event.jobId),
  seq: N(event.seq),
  type: S(event.type),
  at: S(event.at),
  // Canonical JSON, so the stored bytes are exactly what was hashed.
  data: S(canonicalJson(event.data)),
  prevHash: S(event.prevHash),
  hash: S(event.hash),
});

export const toEvent = (item: Item): JobEvent => ({
  jobId: str(item, 'jobId', 'event'),
  seq: num(item, 'seq', 'event'),
  type: str(item, 'type', 'event'),
  at: str(item, 'at', 'event'),
  data: parseJson<JsonObject>(item, 'data', 'event'),
  prevHash: str(item, 'prevHash', 'event'),
  hash: str(item, 'hash', 'event'),
});

export const usageItem = (usage: UsageRecord): Item => ({
  ...keyItem(K.usage(usage.instanceId)),
  [A.gsi1pk]: S(K.usageByJob(usage.jobId)),
  [A.gsi1sk]: S(K.usageByJobSort(usage.startedAt, usage.instanceId)),
  [A.gsi2pk]: S(K.teamPeriod(usage.team, usage.period)),
  [A.gsi2sk]: S(K.usageTeamSort(usage.startedAt, usage.instanceId)),
  kind: S('USAGE'),
  instanceId: S(usage.instanceId),
  jobId: S(usage.jobId),
  ...(usage.stoppedAt === null ? {} : { stoppedAt: S(usage.stoppedAt) }),
  record: S(JSON.stringify(usage)),
});

export function keyItem(key: { readonly pk: string; readonly sk: string }): Item {
  return { [A.pk]: S(key.pk), [A.sk]: S(key.sk) };
}

export const toBudget = (item: Item): BudgetRecord => {
  const eventCount = optionalNum(item, 'eventCount');
  const headHash = optionalStr(item, 'headHash');
  return {
    team: str(item, 'team', 'budget'),
    period: str(item, 'period', 'budget'),
    limitUsd: microsToUsd(num(item, 'limitMicros', 'budget')),
    reservedUsd: microsToUsd(num(item, 'reservedMicros', 'budget')),
    spentUsd: microsToUsd(num(item, 'spentMicros', 'budget')),
    availableUsd: microsToUsd(num(item, 'availableMicros', 'budget')),
    // Budgets unchanged since before they had chains have no head.
    ...(eventCount !== null && headHash !== null ? { eventCount, headHash } : {}),
  };
};

export const toReservation = (item: Item): BudgetReservation => {
  const actual = optionalNum(item, 'actualMicros');
  return {
    team: str(item, 'team', 'reservation'),
    period: str(item, 'period', 'reservation'),
    allocationId: str(item, 'allocationId', 'reservation'),
    jobId: str(item, 'jobId', 'reservation'),
    amountUsd: microsToUsd(num(item, 'amountMicros', 'reservation')),
    status: str(item, 'status', 'reservation') as BudgetReservation['status'],
    actualUsd: actual === null ? null : microsToUsd(actual),
    reservedAt: str(item, 'reservedAt', 'reservation'),
    closedAt: optionalStr(item, 'closedAt'),
  };
};

/** Splits offers into chunks whose JSON stays well under the item size limit. */
export const chunkOffers = (offers: readonly Offer[]): Offer[][] => {
  const chunks: Offer[][] = [];
  let current: Offer[] = [];
  let bytes = 0;
  for (const offer of offers) {
    const size = Buffer.byteLength(JSON.stringify(offer), 'utf8') + 1;
    if (current.length > 0 && bytes + size > CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(offer);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};
