import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { FieldIssue } from '../core/jobs/job-request.js';
import { boundRejection } from '../core/ledger/bounded-rejection.js';
import type { Rejection, RejectionInput } from '../core/ports.js';
import { keyItem, N, num, parseJson, S, str } from './dynamodb-item-codec.js';
import type { DynamoTable } from './dynamodb-table.js';
import { ledgerKeys as K } from './table-definition.js';

/** REJECTED records: invalid requests with their (bounded) raw body, reason and issues. */
export class DynamoDbRejections {
  readonly #t: DynamoTable;

  constructor(table: DynamoTable) {
    this.#t = table;
  }

  async recordRejection(input: RejectionInput): Promise<'recorded' | 'duplicate'> {
    return this.#t.guard('recordRejection', input.messageId, async () => {
      // Bounded so the item fits DynamoDB's 400 KB whatever the message (as the in-memory ledger does).
      const r = boundRejection(input);
      try {
        await this.#t.client.send(
          new PutItemCommand({
            TableName: this.#t.table,
            Item: {
              ...keyItem(K.rejection(input.messageId)),
              kind: S('REJECTED'),
              messageId: S(r.messageId),
              rawBody: S(r.rawBody),
              reason: S(r.reason),
              issues: S(JSON.stringify(r.issues)),
              at: S(r.at),
              issueCount: N(r.issueCount ?? r.issues.length),
              rawBodyBytes: N(r.rawBodyBytes ?? 0),
              rawBodySha256: S(r.rawBodySha256 ?? ''),
              rawBodyTruncated: { BOOL: r.rawBodyTruncated === true },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'recorded';
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return 'duplicate';
        throw err;
      }
    });
  }

  async getRejection(messageId: string): Promise<Rejection | undefined> {
    return this.#t.guard('getRejection', messageId, async () => {
      const item = await this.#t.get(K.rejection(messageId));
      if (item === undefined) return undefined;
      return {
        messageId: str(item, 'messageId', 'rejection'),
        rawBody: str(item, 'rawBody', 'rejection'),
        reason: str(item, 'reason', 'rejection'),
        issues: parseJson<FieldIssue[]>(item, 'issues', 'rejection'),
        at: str(item, 'at', 'rejection'),
        ...(item.issueCount === undefined
          ? {}
          : {
              issueCount: num(item, 'issueCount', 'rejection'),
              rawBodyBytes: num(item, 'rawBodyBytes', 'rejection'),
              rawBodySha256: str(item, 'rawBodySha256', 'rejection'),
              rawBodyTruncated: item.rawBodyTruncated?.BOOL === true,
            }),
      };
    });
  }
}
