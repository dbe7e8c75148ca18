import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { LaunchClaimInput } from '../core/ports.js';
import { keyItem, S } from './dynamodb-item-codec.js';
import type { DynamoTable } from './dynamodb-table.js';
import { checkLaunchClaim, leaseUntil } from './in-memory-ledger.js';
import { ledgerKeys as K } from './table-definition.js';

/**
 * Launch claims: one item per allocation, written with a condition only one concurrent writer can
 * pass (absent, or its lease over), so only one provision delivery ever calls CreateFleet for
 * an allocation while its lease runs.
 */
export class DynamoDbLaunchClaims {
  readonly #t: DynamoTable;

  constructor(table: DynamoTable) {
    this.#t = table;
  }

  async claimLaunch(input: LaunchClaimInput): Promise<'claimed' | 'held'> {
    checkLaunchClaim(input);
    return this.#t.guard('claimLaunch', input.allocationId, async () => {
      try {
        await this.#t.client.send(
          new PutItemCommand({
            TableName: this.#t.table,
            Item: {
              ...keyItem(K.launchClaim(input.allocationId)),
              kind: S('LAUNCH_CLAIM'),
              jobId: S(input.jobId),
              claimedAt: S(input.at),
              // ISO instants in UTC compare as strings.
              until: S(leaseUntil(input)),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #until <= :at',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':at': S(input.at) },
          }),
        );
        return 'claimed';
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return 'held';
        throw err;
      }
    });
  }
}
