import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { QUEUE_DEFINITIONS } from '../adapters/queue-definitions.js';
import type { ManagedInstance } from '../core/cloud-ports.js';
import type { FieldIssue } from '../core/jobs/job-request.js';
import { formatIssues } from '../core/jobs/job-request.js';
import { parseEc2Event } from '../core/use-cases/ec2-event.js';
import { handleEc2Event } from '../core/use-cases/handle-ec2-event.js';
import { handleJobEvent } from '../core/use-cases/handle-job-event.js';
import type { CapacityDeps } from '../core/use-cases/job-capacity.js';
import { parseJobEventMessage } from '../core/use-cases/pipeline-messages.js';
import { createFleetFor } from './fleet-wiring.js';
import { createLedger } from './ledger-wiring.js';
import {
  createObservability,
  MetricUnit,
  type Observability,
  processSqsBatch,
  RetryLaterError,
  withObservability,
} from './middleware.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

/** Deliveries of an EC2 event before SQS moves it to the dead-letter queue. */
const EC2_EVENTS_MAX_RECEIVES = QUEUE_DEFINITIONS['ec2-events'].maxReceiveCount;

export interface EventsHandlerDeps extends CapacityDeps {
  readonly obs: Observability;
}

/** EventBridge envelopes carry `detail-type`; job messages carry `type`. */
const isEc2Envelope = (body: string): boolean => {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && 'detail-type' in value;
  } catch {
    return false;
  }
};

/**
 * The events Lambda, on both the ec2-events queue (EventBridge `aws.ec2` events) and the
 * job-events queue (completion, failure and cancel messages). A message that cannot apply is kept
 * as a rejection with its reason, not retried; an instance that runs before its allocation is
 * written is deferred (redelivered later); storage or cloud failures are redelivered.
 */
export const makeHandler = (deps: EventsHandlerDeps) => {
  const { logger, metrics } = deps.obs;
  /**
   * Locating an instance by id lists the region's managed instances; within one batch that list
   * is read once per region, so a batch of ten running events costs one DescribeInstances, not
   * ten. An event is emitted only after its instance exists, so a list read while handling the
   * batch holds every instance the batch names.
   */
  const perBatch = (): CapacityDeps => {
    const snapshots = new Map<string, Promise<readonly ManagedInstance[]>>();
    return {
      ...deps,
      fleetFor: (region) => {
        const fleet = deps.fleetFor(region);
        return {
          launch: (r) => fleet.launch(r),
          findByAllocation: (id) => fleet.findByAllocation(id),
          terminate: (ids) => fleet.terminate(ids),
          findManaged: () => {
            let snapshot = snapshots.get(region);
            if (snapshot === undefined) {
              snapshot = fleet.findManaged();
              snapshots.set(region, snapshot);
            }
            return snapshot;
          },
        };
      },
    };
  };
  const reject = async (
    messageId: string,
    body: string,
    reason: string,
    issues: readonly FieldIssue[] = [],
  ) => {
    await deps.ledger.recordRejection({
      messageId,
      rawBody: body,
      reason,
      issues,
      at: deps.clock.now().toISOString(),
    });
    logger.warn('event message rejected', { messageId, reason });
    metrics.addMetric('EventRejected', MetricUnit.Count, 1);
  };
  return withObservability(deps.obs, async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchDeps = perBatch();
    return processSqsBatch(event, deps.obs, async (record) => {
      if (isEc2Envelope(record.body)) {
        const parsed = parseEc2Event(record.body);
        if (!parsed.ok)
          return reject(
            record.messageId,
            record.body,
            `ec2 event: ${formatIssues(parsed.issues)}`,
            parsed.issues,
          );
        const outcome = await handleEc2Event(batchDeps, parsed.value);
        logger.info('ec2 event', { event: parsed.value, outcome });
        metrics.addMetric(`Ec2Event_${outcome.kind}`, MetricUnit.Count, 1);
        if (outcome.kind === 'retry') {
          // Its last delivery: the dead-letter queue would only raise an alarm. Reconcile adopts an
          // allocation whose instances run before it was recorded, so the event is left to it.
          if (Number(record.attributes.ApproximateReceiveCount) >= EC2_EVENTS_MAX_RECEIVES) {
            logger.warn('ec2 event left to reconcile', { event: parsed.value, reason: outcome.reason });
            metrics.addMetric('Ec2EventLeftToReconcile', MetricUnit.Count, 1);
            return;
          }
          throw new RetryLaterError(outcome.reason);
        }
        return;
      }
      const parsed = parseJobEventMessage(record.body);
      if (!parsed.ok)
        return reject(
          record.messageId,
          record.body,
          `job event: ${formatIssues(parsed.issues)}`,
          parsed.issues,
        );
      const outcome = await handleJobEvent(batchDeps, parsed.value);
      logger.info('job event', { message: parsed.value, outcome });
      metrics.addMetric(`JobEvent_${outcome.kind}`, MetricUnit.Count, 1);
      if (outcome.kind === 'refused') {
        await reject(record.messageId, record.body, `job event: ${outcome.reason}`, [
          { field: 'jobId', message: outcome.reason },
        ]);
      }
    });
  });
};

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  return makeHandler({
    ledger: createLedger(config, systemClock),
    clock: systemClock,
    fleetFor: createFleetFor(config),
    obs: createObservability('events'),
  });
});
