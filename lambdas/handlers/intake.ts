import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type IntakeDeps, intakeMessage } from '../core/use-cases/intake-message.js';
import { createLedger } from './ledger-wiring.js';
import {
  createObservability,
  MetricUnit,
  type Observability,
  processSqsBatch,
  withObservability,
} from './middleware.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

export interface IntakeHandlerDeps extends IntakeDeps {
  readonly obs: Observability;
}

/**
 * The intake Lambda (SQS job-requests, `reportBatchItemFailures`): each valid request becomes a
 * PENDING job, each invalid one a REJECTED record that is *not* reported as failed (retrying
 * cannot make it valid); only storage failures send a message back for redelivery.
 */
export const makeHandler = (deps: IntakeHandlerDeps) =>
  withObservability(
    deps.obs,
    async (event: SQSEvent): Promise<SQSBatchResponse> =>
      processSqsBatch(event, deps.obs, async (record) => {
        const outcome = await intakeMessage(deps, { messageId: record.messageId, body: record.body });
        if (outcome.kind === 'rejected') {
          deps.obs.logger.warn('job request rejected', {
            messageId: record.messageId,
            reason: outcome.reason,
            record: outcome.record,
          });
          deps.obs.metrics.addMetric('JobRejected', MetricUnit.Count, 1);
        } else {
          deps.obs.metrics.addMetric(
            outcome.kind === 'created' ? 'JobReceived' : 'JobDuplicate',
            MetricUnit.Count,
            1,
          );
        }
      }),
  );

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  return makeHandler({
    ledger: createLedger(config, systemClock),
    clock: systemClock,
    obs: createObservability('intake'),
  });
});
