import type { ScheduledEvent } from 'aws-lambda';
import { type ReconcileDeps, reconcile } from '../core/use-cases/reconcile.js';
import { createObservability, MetricUnit, type Observability, withObservability } from './middleware.js';
import { lazyHandler, sharedRuntime } from './runtime.js';

export interface ReconcileHandlerDeps extends ReconcileDeps {
  readonly obs: Observability;
}

export interface ReconcileSummary {
  readonly orphansTerminated: number;
  readonly adopted: number;
  readonly resent: number;
  readonly released: number;
  readonly promoted: number;
  readonly overruns: number;
  readonly errors: number;
}

/**
 * The reconcile Lambda (schedule): orphans, stuck allocations and overruns. Overruns under the
 * `alert` policy are logged and counted (`Overrun` metric, for an alarm); they are not job events,
 * because the ledger's event chain records state changes only.
 */
export const makeHandler = (deps: ReconcileHandlerDeps) =>
  withObservability(
    deps.obs,
    async (_event: ScheduledEvent | Record<string, never>): Promise<ReconcileSummary> => {
      const report = await reconcile(deps);
      const { logger, metrics } = deps.obs;
      for (const o of report.orphansTerminated) logger.warn('orphan instance terminated', o);
      for (const a of report.adopted) logger.warn('launched instances adopted', a);
      for (const r of report.released) logger.warn('allocation released', r);
      for (const o of report.overruns) logger.warn('job overrun', o);
      for (const e of report.errors)
        logger.error('reconcile step failed', { subject: e.subject, error: e.error });
      metrics.addMetric('OrphansTerminated', MetricUnit.Count, report.orphansTerminated.length);
      metrics.addMetric('Overrun', MetricUnit.Count, report.overruns.length);
      metrics.addMetric('ReconcileErrors', MetricUnit.Count, report.errors.length);
      return {
        orphansTerminated: report.orphansTerminated.length,
        adopted: report.adopted.length,
        resent: report.resent.length,
        released: report.released.length,
        promoted: report.promoted.length,
        overruns: report.overruns.length,
        errors: report.errors.length,
      };
    },
  );

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const rt = sharedRuntime();
  const { config } = rt;
  return makeHandler({
    ledger: rt.ledger,
    clock: rt.clock,
    fleetFor: rt.fleetFor,
    queues: rt.queues,
    messages: rt.messages,
    regions: config.regions,
    stuckAfterMinutes: config.stuckAfterMinutes,
    maxRuntimeFactor: config.maxRuntimeFactor,
    overrunAction: config.overrunAction,
    obs: createObservability('reconcile'),
  });
});
