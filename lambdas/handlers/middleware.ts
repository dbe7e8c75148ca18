import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export { MetricUnit };

/** A metric published on its own with dimensions of its own (Powertools `singleMetric()`). */
export interface DimensionedMetric {
  /** Drops the inherited `service` dimension, so the dimensions are exactly those added. */
  clearDefaultDimensions(): void;
  addDimension(name: string, value: string): void;
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
}

/** The metric calls handlers make; Powertools `Metrics` satisfies it, tests pass a recorder. */
export interface MetricsSink {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
  publishStoredMetrics(): void;
  /** For metrics with per-item dimensions (e.g. per team); sinks that record nothing may omit it. */
  singleMetric?(): DimensionedMetric;
}

/**
 * Logging and metrics of one handler. Tracing is the function's X-Ray active tracing (set by the
 * CDK construct), without Powertools Tracer: the X-Ray SDK it loads cost ~127 KB and 25–55 ms of
 * cold import per function for per-call subsegments of the SDK requests
 * (docs/adr/0008-infrastructure.md, "Tracing").
 */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: MetricsSink;
}

/** Powertools instances for a handler, created once per cold start. */
export const createObservability = (serviceName: string): Observability => ({
  logger: new Logger({ serviceName }),
  metrics: new Metrics({ serviceName, namespace: 'Quartermaster' }),
});

/** Observability that records nothing anywhere: tests and the embedded mode. */
export const quietObservability = (serviceName = 'test'): Observability => ({
  logger: new Logger({ serviceName, logLevel: 'SILENT' }),
  metrics: { addMetric: () => undefined, publishStoredMetrics: () => undefined },
});

/**
 * Publishes the metrics an invocation stored, after success and after failure alike. A small
 * middleware of our own rather than Powertools' `logMetrics`, so handlers accept any `MetricsSink`.
 */
const publishMetrics = (metrics: MetricsSink): middy.MiddlewareObj => ({
  after: () => metrics.publishStoredMetrics(),
  onError: () => metrics.publishStoredMetrics(),
});

/** Wraps a handler with context-aware logs and metric publishing. */
export const withObservability = <E, R>(
  obs: Observability,
  handler: (event: E, context: Context) => Promise<R>,
): MiddyfiedHandler<E, R, Error, Context> =>
  middy<E, R, Error, Context>()
    .use(injectLambdaContext(obs.logger))
    .use(publishMetrics(obs.metrics))
    .handler(handler);

/** What a record handler says about one SQS record. */
export type RecordResult = 'done' | 'retry';

/**
 * Thrown by a record handler when the record must come back later (its turn has not come yet,
 * e.g. an instance running before its allocation is written). Logged at info, not as an error.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/**
 * Runs `handle` on each record of an SQS batch and reports failures per record
 * (`reportBatchItemFailures`): one bad record never fails the others. A record whose handler
 * throws is reported for redelivery; after the queue's maxReceiveCount it lands in the DLQ.
 *
 * On a FIFO queue, once a record of a message group fails, the later records of that group in the
 * batch are reported too without being processed, so the group's order holds.
 */
export const processSqsBatch = async (
  event: SQSEvent,
  obs: Observability,
  handle: (record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> => {
  const failures: { itemIdentifier: string }[] = [];
  const failedGroups = new Set<string>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId;
    if (group !== undefined && failedGroups.has(group)) {
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await handle(record);
    } catch (err) {
      if (err instanceof RetryLaterError)
        obs.logger.info('record deferred', { messageId: record.messageId, reason: err.message });
      else
        obs.logger.error('record failed; reported for redelivery', {
          messageId: record.messageId,
          error: err as Error,
        });
      obs.metrics.addMetric('RecordFailed', MetricUnit.Count, 1);
      failures.push({ itemIdentifier: record.messageId });
      if (group !== undefined) failedGroups.add(group);
    }
  }
  return { batchItemFailures: failures };
};
