/**
 * The four work queues and their dead-letter queues, described once. `createQueues` (tests, local
 * use) and the CDK construct both build queues from these objects. Why each queue is FIFO or
 * standard: docs/adr/0001-ledger-table-design.md.
 */

import { MAX_REQUEST_BYTES } from '../core/jobs/job-request.js';
import type { QueueKey } from '../core/ports.js';

/** The dead-letter queue id of a work queue. */
export const deadLetterOf = (key: QueueKey): `${QueueKey}-dlq` => `${key}-dlq`;

/** Everything needed to create one queue and its DLQ, independent of any SDK or CDK type. */
export interface QueueDefinition {
  readonly key: QueueKey;
  readonly fifo: boolean;
  /** Appended to a deployment prefix; ends in `.fifo` for FIFO queues, as SQS requires. */
  readonly nameSuffix: string;
  readonly deadLetterNameSuffix: string;
  /**
   * The consuming Lambda's timeout. Visibility is six times this, as AWS recommends for event
   * source mappings, so a message is not redelivered while a slow invocation still holds it.
   */
  readonly consumerTimeoutSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  readonly retentionSeconds: number;
  /** Longer than the source's retention, so a message cannot expire on its way to inspection. */
  readonly deadLetterRetentionSeconds: number;
  /** What the sender uses as MessageDeduplicationId (FIFO only). */
  readonly deduplication: 'jobId' | 'allocationId' | 'none';
  /**
   * SQS `MaximumMessageSize`: what the consumer accepts, so a message it could only reject is
   * refused at send time, where the sender still has it, instead of being taken in.
   */
  readonly maximumMessageBytes: number;
}

/** SQS's largest message, and EventBridge's largest event. */
const SQS_MAX_MESSAGE_BYTES = 262_144;

const DAY = 86_400;

const define = (
  key: QueueKey,
  fifo: boolean,
  consumerTimeoutSeconds: number,
  deduplication: QueueDefinition['deduplication'],
  maximumMessageBytes: number = MAX_REQUEST_BYTES,
): QueueDefinition => {
  const suffix = fifo ? '.fifo' : '';
  return {
    key,
    fifo,
    nameSuffix: `-${key}${suffix}`,
    deadLetterNameSuffix: `-${key}-dlq${suffix}`,
    consumerTimeoutSeconds,
    visibilityTimeoutSeconds: consumerTimeoutSeconds * 6,
    maxReceiveCount: 5,
    retentionSeconds: 4 * DAY,
    deadLetterRetentionSeconds: 14 * DAY,
    deduplication,
    maximumMessageBytes,
  };
};

/** The queues, keyed by their logical name. */
export const QUEUE_DEFINITIONS: Readonly<Record<QueueKey, QueueDefinition>> = {
  // FIFO: producers retry; a MessageDeduplicationId of jobId drops repeats within five minutes
  // before they cost an intake invocation (the ledger's conditional write catches the rest).
  'job-requests': define('job-requests', true, 30, 'jobId'),
  // FIFO: deduplicated by allocation id, so a solve retry does not trigger a second launch attempt.
  provision: define('provision', true, 120, 'allocationId'),
  // Standard: completion messages come from running jobs with plain SendMessage; handlers are
  // idempotent through versioned transitions, so ordering buys nothing.
  'job-events': define('job-events', false, 30, 'none'),
  // Standard: EventBridge targets a standard queue without a message group id, and EC2 state
  // changes are not delivered in order anyway.
  'ec2-events': define('ec2-events', false, 30, 'none', SQS_MAX_MESSAGE_BYTES),
};

/** Full queue names for a deployment prefix, e.g. `qm-dev` → `qm-dev-job-requests.fifo`. */
export const queueNames = (prefix: string, def: QueueDefinition) => ({
  name: `${prefix}${def.nameSuffix}`,
  deadLetterName: `${prefix}${def.deadLetterNameSuffix}`,
});

/** Keys a message may be deduplicated and grouped by. */
export interface MessageKeys {
  readonly jobId: string;
  readonly allocationId?: string;
}

/**
 * A message for `def`'s queue with the right FIFO group and deduplication ids: the group is the
 * job (ordering per job, no head-of-line blocking across jobs); deduplication follows the
 * definition. Standard queues get neither.
 * @example outgoingMessage(QUEUE_DEFINITIONS['job-requests'], 'm0', body, { jobId: 'train-42' })
 */
export const outgoingMessage = (def: QueueDefinition, entryId: string, body: string, keys: MessageKeys) => {
  if (!def.fifo) return { id: entryId, body };
  const deduplicationId = def.deduplication === 'allocationId' ? keys.allocationId : keys.jobId;
  if (deduplicationId === undefined) {
    throw new TypeError(`outgoingMessage(${def.key}): an allocationId is needed to deduplicate this queue`);
  }
  return { id: entryId, body, groupId: keys.jobId, deduplicationId };
};
