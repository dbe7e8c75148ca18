import type { ScheduledEvent } from 'aws-lambda';
import { HighsMilpSolver } from '../adapters/highs-milp-solver.js';
import { priceBookAssetLoader } from '../adapters/price-book-asset.js';
import { type RunSolveDeps, runSolve, type SolveReport } from '../core/use-cases/run-solve.js';
import { createFleetFor } from './fleet-wiring.js';
import { createLedger } from './ledger-wiring.js';
import { createObservability, MetricUnit, type Observability, withObservability } from './middleware.js';
import { createQueues } from './queues-wiring.js';
import { definedMessages, lazyHandler, sharedConfig, systemClock } from './runtime.js';

export interface SolveHandlerDeps extends RunSolveDeps {
  readonly obs: Observability;
}

/** What the invocation returns (visible in the console and in tests). */
export interface SolveSummary {
  readonly pending: number;
  readonly allocated: number;
  readonly skipped: number;
  readonly unsent: number;
  readonly waiting: number;
  readonly errors: number;
  readonly priceBookId: string | null;
}

/** Waiting jobs grouped by binding constraint: one log line per constraint, not one per job. */
const waitingByConstraint = (report: SolveReport): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const w of report.waiting) counts[w.binding.constraint] = (counts[w.binding.constraint] ?? 0) + 1;
  return counts;
};

/**
 * The solve Lambda (EventBridge schedule): one batch decision over the pending jobs, allocations
 * written transactionally and queued for provisioning. Per-job storage errors are logged and
 * left for the next run; they do not fail the invocation (the schedule retries anyway).
 */
export const makeHandler = (deps: SolveHandlerDeps) =>
  withObservability(
    deps.obs,
    async (_event: ScheduledEvent | Record<string, never>): Promise<SolveSummary> => {
      const report = await runSolve(deps);
      const { logger, metrics } = deps.obs;
      for (const e of report.errors) logger.error('allocation failed', { jobId: e.jobId, error: e.error });
      for (const s of report.skipped) logger.info('allocation skipped', s);
      for (const u of report.unsent) logger.warn('provision message not sent; reconcile will resend', u);
      for (const p of report.preemption?.preempted ?? []) logger.info('job preempted', { ...p });
      for (const s of report.preemption?.skipped ?? []) logger.info('preemption skipped', s);
      for (const e of report.preemption?.errors ?? [])
        logger.error('preemption failed', { jobId: e.jobId, error: e.error });
      if (report.waiting.length > 0)
        logger.info('jobs waiting', { byConstraint: waitingByConstraint(report) });
      const unknownTypes = report.usageHistory?.unknownInstanceTypes ?? {};
      if (Object.keys(unknownTypes).length > 0)
        logger.warn('usage of instance types not in the price book left out of the fair-share history', {
          byInstanceType: unknownTypes,
        });
      metrics.addMetric('JobsAllocated', MetricUnit.Count, report.allocated.length);
      metrics.addMetric('JobsWaiting', MetricUnit.Count, report.waiting.length);
      if (report.preemption !== undefined)
        metrics.addMetric('JobsPreempted', MetricUnit.Count, report.preemption.preempted.length);
      if (report.priceBookSource === 'fallback')
        metrics.addMetric('StaticPriceBookUsed', MetricUnit.Count, 1);
      return {
        pending: report.pending,
        allocated: report.allocated.length,
        skipped: report.skipped.length,
        unsent: report.unsent.length,
        waiting: report.waiting.length,
        errors: report.errors.length,
        priceBookId: report.priceBookId,
      };
    },
  );

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  const ledger = createLedger(config, systemClock);
  return makeHandler({
    ledger,
    queues: createQueues(config),
    messages: definedMessages,
    solver: await HighsMilpSolver.create(),
    clock: systemClock,
    // Read from the file shipped beside the bundle when first needed, not inlined into the code.
    fallbackPriceBook: priceBookAssetLoader(),
    quotas: config.quotas,
    commitments: config.commitments,
    budgets: config.budgets,
    regions: config.regions,
    maxPendingJobs: config.maxPendingJobs,
    timeLimitSeconds: config.solveTimeLimitSeconds,
    usageHalfLifeHours: config.usageHalfLifeHours,
    budgetGuard: { policy: config.budgetPolicy, thresholds: config.budgetThresholds },
    ...(config.preemption === 'off'
      ? {}
      : {
          preemption: {
            mode: config.preemption,
            ledger,
            clock: systemClock,
            fleetFor: createFleetFor(config),
          },
        }),
    obs: createObservability('solve'),
  });
});
