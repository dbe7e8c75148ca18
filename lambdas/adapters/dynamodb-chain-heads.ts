import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { chainHeadsIn, type HeadEvent } from '../core/audit/chain-heads-in.js';
import type { ChainHead, ChainInterval } from '../core/ports.js';
import { num, S, str } from './dynamodb-item-codec.js';
import type { DynamoTable } from './dynamodb-table.js';

/**
 * Every chain's head in an interval, read from the events table (job and budget chains share
 * it). A Scan: the table has no index by time, and a digest once an hour reads it whole, which
 * costs one read unit per 4 KB of events per digest (docs/audit.md). The filter is widened by a
 * second either side because stored instants compare as strings and need not all have
 * milliseconds; `chainHeadsIn` then decides exactly, as the verifier does.
 */
export const scanChainHeads = async (table: DynamoTable, interval: ChainInterval): Promise<ChainHead[]> => {
  const widened = (iso: string, deltaMs: number) => new Date(Date.parse(iso) + deltaMs).toISOString();
  const values: Record<string, AttributeValue> = { ':hi': S(widened(interval.until, 1000)) };
  if (interval.after !== null) values[':lo'] = S(widened(interval.after, -1000));
  const events: HeadEvent[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await table.client.send(
      new ScanCommand({
        TableName: table.eventsTable,
        ProjectionExpression: 'jobId, seq, #hash, #at',
        FilterExpression: interval.after === null ? '#at <= :hi' : '#at > :lo AND #at <= :hi',
        ExpressionAttributeNames: { '#hash': 'hash', '#at': 'at' },
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const item of out.Items ?? [])
      events.push({
        jobId: str(item, 'jobId', 'event'),
        seq: num(item, 'seq', 'event'),
        hash: str(item, 'hash', 'event'),
        at: str(item, 'at', 'event'),
      });
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return chainHeadsIn(events, interval);
};
