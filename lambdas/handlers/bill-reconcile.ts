import { S3Client } from '@aws-sdk/client-s3';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { s3BillFiles } from '../adapters/s3-bill-export.js';
import type { LedgerRecord } from '../core/ledger/ledger-export.js';
import type { Clock, Period } from '../core/ports.js';
import { type BillFileSource, reconcileBillPeriod } from '../core/use-cases/reconcile-bill-period.js';
import { ConfigError } from './config.js';
import { createLedger } from './ledger-wiring.js';
import { createObservability, type Observability, withObservability } from './middleware.js';
import { EXPORT_BUCKET_ENV, type ExportWriter, previousMonth, s3Writer } from './monthly-export.js';
import { type ReportLedger, reportRecords } from './report.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

/** The bucket AWS Data Exports delivers the bill to, and the export's prefix in it. */
export const BILL_EXPORT_BUCKET_ENV = 'QM_BILL_EXPORT_BUCKET';
export const BILL_EXPORT_PREFIX_ENV = 'QM_BILL_EXPORT_PREFIX';

export interface BillReconcileDeps {
  /** The ledger's export records for a month (the deployment: {@link reportRecords} of every team). */
  readonly records: (period: Period) => AsyncIterable<LedgerRecord>;
  readonly clock: Clock;
  readonly obs: Observability;
  readonly bill: BillFileSource;
  /** Names the bill in the output, e.g. `s3://bucket/prefix`. */
  readonly billSource: string;
  readonly write: ExportWriter;
}

export interface BillReconcileResult {
  readonly period: string;
  readonly files: number;
  readonly keys: readonly string[];
  readonly differences: number;
}

/**
 * The monthly bill reconciliation (schedule): last month's Data Exports files against the
 * ledger's records of the month (and the month before, for jobs received then that ran into it),
 * written to `exports/<yyyy-mm>/bill-reconciliation.json` and `.html` in the export bucket. With
 * no file of the month yet it writes nothing and says so; a re-run overwrites the same keys.
 */
export const makeHandler = (deps: BillReconcileDeps) =>
  withObservability(
    deps.obs,
    async (_event: ScheduledEvent, _context: Context): Promise<BillReconcileResult> => {
      const now = deps.clock.now();
      const month = previousMonth(now);
      const result = await reconcileBillPeriod({
        period: month.period,
        ledger: deps.records(month.period),
        bill: deps.bill,
        billSource: deps.billSource,
        generatedAt: now.toISOString(),
      });
      for (const object of result.objects) await deps.write(object);
      const differences = result.reconciliation?.differences.length ?? 0;
      if (result.reconciliation === null)
        deps.obs.logger.warn('no bill file for the period yet', {
          period: month.period,
          bill: deps.billSource,
        });
      else
        deps.obs.logger.info('bill reconciled', {
          period: month.period,
          files: result.files.length,
          differences,
          driftUsd: result.reconciliation.totals.driftUsd,
          unexplainedDriftUsd: result.reconciliation.totals.unexplainedDriftUsd,
        });
      return {
        period: month.period,
        files: result.files.length,
        keys: result.objects.map((o) => o.key),
        differences,
      };
    },
  );

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new ConfigError(`invalid handler configuration: ${name}: required`);
  return value;
};

/** The deployed entry point (created only when the construct is given a bill export). */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  const exportBucket = required(EXPORT_BUCKET_ENV);
  const billBucket = required(BILL_EXPORT_BUCKET_ENV);
  const billPrefix = process.env[BILL_EXPORT_PREFIX_ENV] ?? '';
  const endpoint = config.endpoint;
  const client = new S3Client({
    region: config.region,
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
  });
  const ledger: ReportLedger = createLedger(config, systemClock);
  const teams = [...config.budgets.teams.keys()];
  return makeHandler({
    records: (period) => reportRecords(ledger, teams, [period]),
    clock: systemClock,
    obs: createObservability('bill-reconcile'),
    bill: s3BillFiles(client, billBucket, billPrefix),
    billSource: `s3://${billBucket}/${billPrefix}`,
    write: s3Writer(client, exportBucket),
  });
});
