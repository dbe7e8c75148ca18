import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { formatIssues } from '../core/jobs/job-request.js';
import { parseProvisionMessage } from '../core/use-cases/pipeline-messages.js';
import { type ProvisionDeps, provisionAllocation } from '../core/use-cases/provision-allocation.js';
import { createFleetFor } from './fleet-wiring.js';
import { createLedger } from './ledger-wiring.js';
import {
  createObservability,
  MetricUnit,
  type Observability,
  processSqsBatch,
  withObservability,
} from './middleware.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

export interface ProvisionHandlerDeps extends ProvisionDeps {
  readonly obs: Observability;
}

/**
 * The provision Lambda (SQS provision, FIFO per job): launches each allocation's capacity,
 * idempotently. A malformed message is kept as a rejection; cloud failures are redelivered.
 */
export const makeHandler = (deps: ProvisionHandlerDeps) =>
  withObservability(
    deps.obs,
    async (event: SQSEvent): Promise<SQSBatchResponse> =>
      processSqsBatch(event, deps.obs, async (record) => {
        const parsed = parseProvisionMessage(record.body);
        if (!parsed.ok) {
          const reason = `provision message: ${formatIssues(parsed.issues)}`;
          await deps.ledger.recordRejection({
            messageId: record.messageId,
            rawBody: record.body,
            reason,
            issues: parsed.issues,
            at: deps.clock.now().toISOString(),
          });
          deps.obs.logger.error('malformed provision message rejected', {
            messageId: record.messageId,
            reason,
          });
          return;
        }
        const outcome = await provisionAllocation(deps, parsed.value);
        deps.obs.logger.info('provision', { ...parsed.value, outcome });
        deps.obs.metrics.addMetric(`Provision_${outcome.kind}`, MetricUnit.Count, 1);
      }),
  );

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  const lt = config.defaultLaunchTemplate;
  return makeHandler({
    ledger: createLedger(config, systemClock),
    clock: systemClock,
    fleetFor: createFleetFor(config),
    ...(lt === undefined ? {} : { defaultLaunchTemplate: lt }),
    ...(config.subnetIds === undefined ? {} : { subnetIds: config.subnetIds }),
    unavailableTtlMinutes: config.unavailableTtlMinutes,
    obs: createObservability('provision'),
  });
});
