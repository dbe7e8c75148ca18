import type { ScheduledEvent } from 'aws-lambda';
import { type ReconcileDeps, type ReconcileReport, reconcile } from '../core/use-cases/reconcile.js';
import { createFleetFor } from './fleet-wiring.js';
import { createLedger } from './ledger-wiring.js';
import {
  createObservability,
  type MetricsSink,
  MetricUnit,
  type Observability,
  withObservability,
} from './middleware.js';
import { createQueues } from './queues-wiring.js';
import { definedMessages, lazyHandler, sharedConfig, systemClock } from './runtime.js';

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
  readonly deadlineMoves: number;
  readonly errors: number;
}

/**
 * The metric the per-team budget alarm reads (lib/monitoring.ts `BUDGET_USED_METRIC`), in the
 * namespace `createObservability` sets, with exactly this one dimension. Spelled out here because
 * handlers may not import the CDK code; a test keeps the two in step.
 */
export const BUDGET_USED_METRIC = 'BudgetUsedFraction';
export const BUDGET_TEAM_DIMENSION = 'team';

/**
 * Publishes each team's used fraction as its own metric with only the team dimension (the alarm
 * matches dimensions exactly, so the default `service` dimension is dropped). A zero limit with
 * spend has an infinite fraction, which CloudWatch cannot hold: it is logged instead.
 */
const publishBudgetUse = (obs: Observability, metrics: MetricsSink, report: ReconcileReport) => {
  for (const b of report.budgets) {
    if (!Number.isFinite(b.usedFraction)) {
      obs.logger.warn('budget used fraction is not finite; not published', { ...b, usedFraction: null });
      continue;
    }
    const single = metrics.singleMetric?.();
    if (single === undefined) return;
    single.clearDefaultDimensions();
    single.addDimension(BUDGET_TEAM_DIMENSION, b.team);
    single.addMetric(BUDGET_USED_METRIC, MetricUnit.NoUnit, b.usedFraction);
  }
};

/**
 * The reconcile Lambda (schedule): orphans, stuck allocations and overruns. Overruns under the
 * `alert` policy are logged and counted (`Overrun` metric, for an alarm); they are not job events,
 * because the ledger's event chain records state changes only. The budget guard's actions are
 * logged and counted the same way (`BudgetAlert`, `BudgetStopAdmitting`, `BudgetJobTerminated`),
 * and each team's used fraction is published as `BudgetUsedFraction` per team.
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
      for (const jobId of report.deadlineMoves)
        logger.info('spot job moved to on-demand to keep its deadline', { jobId });
      for (const a of report.budgetActions) logger.warn('budget guard action', a);
      for (const e of report.errors)
        logger.error('reconcile step failed', { subject: e.subject, error: e.error });
      metrics.addMetric('OrphansTerminated', MetricUnit.Count, report.orphansTerminated.length);
      metrics.addMetric('Overrun', MetricUnit.Count, report.overruns.length);
      metrics.addMetric('DeadlineMoves', MetricUnit.Count, report.deadlineMoves.length);
      metrics.addMetric('ReconcileErrors', MetricUnit.Count, report.errors.length);
      const count = (kind: string) => report.budgetActions.filter((a) => a.kind === kind).length;
      metrics.addMetric('BudgetAlert', MetricUnit.Count, count('alert'));
      metrics.addMetric('BudgetStopAdmitting', MetricUnit.Count, count('stop-admitting'));
      metrics.addMetric('BudgetJobTerminated', MetricUnit.Count, count('terminated'));
      publishBudgetUse(deps.obs, metrics, report);
      return {
        orphansTerminated: report.orphansTerminated.length,
        adopted: report.adopted.length,
        resent: report.resent.length,
        released: report.released.length,
        promoted: report.promoted.length,
        overruns: report.overruns.length,
        deadlineMoves: report.deadlineMoves.length,
        errors: report.errors.length,
      };
    },
  );

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  return makeHandler({
    ledger: createLedger(config, systemClock),
    clock: systemClock,
    fleetFor: createFleetFor(config),
    queues: createQueues(config),
    messages: definedMessages,
    regions: config.regions,
    stuckAfterMinutes: config.stuckAfterMinutes,
    intervalMinutes: config.reconcileMinutes,
    maxRuntimeFactor: config.maxRuntimeFactor,
    overrunAction: config.overrunAction,
    budgetGuard: { policy: config.budgetPolicy, thresholds: config.budgetThresholds },
    budgetTeams: [...config.budgets.teams.keys()],
    obs: createObservability('reconcile'),
  });
});
