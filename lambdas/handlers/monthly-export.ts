import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Commitment } from '../core/commitments/commitment.js';
import type { Clock } from '../core/ports.js';
import { ConfigError } from './config.js';
import { createLedger } from './ledger-wiring.js';
import { createObservability, type Observability, withObservability } from './middleware.js';
import { accountOf, type ReportLedger, renderReport } from './report.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

/** Environment variable naming the export bucket (set by the CDK construct). */
export const EXPORT_BUCKET_ENV = 'QM_EXPORT_BUCKET';

/** Where one export file goes. */
export interface ExportObject {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
}

/** Writes an export file; S3 in the deployment, a recorder in tests. */
export type ExportWriter = (object: ExportObject) => Promise<void>;

export interface MonthlyExportDeps {
  readonly ledger: ReportLedger;
  readonly teams: readonly string[];
  /** The account's commitments, whose rows the FOCUS file adds. @default none */
  readonly commitments?: readonly Commitment[];
  readonly clock: Clock;
  readonly obs: Observability;
  readonly write: ExportWriter;
}

export interface MonthlyExportResult {
  readonly period: string;
  readonly keys: readonly string[];
}

/** The calendar month before `now` (UTC) as `{ period, from, to }`. */
export const previousMonth = (now: Date): { period: string; from: string; to: string } => {
  const firstOfThisMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const lastDay = new Date(firstOfThisMonth - 86_400_000);
  const to = lastDay.toISOString().slice(0, 10);
  return { period: to.slice(0, 7), from: `${to.slice(0, 7)}-01`, to };
};

/**
 * The monthly export Lambda (schedule): last month's FOCUS 1.2 CSV and the HTML report, written
 * to `exports/<yyyy-mm>/focus.csv` and `exports/<yyyy-mm>/report.html`. Re-running overwrites the
 * same keys (the bucket is versioned, so earlier runs stay readable).
 */
export const makeHandler = (deps: MonthlyExportDeps) =>
  withObservability(
    deps.obs,
    async (_event: ScheduledEvent, context: Context): Promise<MonthlyExportResult> => {
      const now = deps.clock.now();
      const month = previousMonth(now);
      const meta = { accountId: accountOf(context.invokedFunctionArn), generatedAt: now.toISOString() };
      const base = { from: month.from, to: month.to, groupBy: 'team' as const };
      const files: ExportObject[] = [
        {
          key: `exports/${month.period}/focus.csv`,
          body: await renderReport({ ...base, format: 'focus' }, deps, meta),
          contentType: 'text/csv; charset=utf-8',
        },
        {
          key: `exports/${month.period}/report.html`,
          body: await renderReport({ ...base, format: 'html' }, deps, meta),
          contentType: 'text/html; charset=utf-8',
        },
      ];
      for (const file of files) await deps.write(file);
      deps.obs.logger.info('monthly export written', { period: month.period, keys: files.map((f) => f.key) });
      return { period: month.period, keys: files.map((f) => f.key) };
    },
  );

/** An {@link ExportWriter} putting objects in `bucket` (the bucket's default KMS encryption applies). */
export const s3Writer =
  (client: S3Client, bucket: string): ExportWriter =>
  async (object) => {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.contentType,
      }),
    );
  };

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  // Read here rather than in config.ts: only this function has an export bucket.
  const bucket = process.env[EXPORT_BUCKET_ENV];
  if (bucket === undefined || bucket === '')
    throw new ConfigError(`invalid handler configuration: ${EXPORT_BUCKET_ENV}: required`);
  const endpoint = config.endpoint;
  const client = new S3Client({
    region: config.region,
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
  });
  return makeHandler({
    ledger: createLedger(config, systemClock),
    teams: [...config.budgets.teams.keys()],
    commitments: config.commitments,
    clock: systemClock,
    obs: createObservability('monthly-export'),
    write: s3Writer(client, bucket),
  });
});
