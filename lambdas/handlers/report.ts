import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import {
  buildCostReport,
  GROUP_BYS,
  type GroupBy,
  periodsIn,
  ReportOptionError,
  reportWindow,
} from '../core/accounting/cost-report.js';
import type { Commitment } from '../core/commitments/commitment.js';
import type { LedgerRecord } from '../core/ledger/ledger-export.js';
import { resolveCommitmentRates } from '../core/planning/commitment-offers.js';
import type { Clock, Period, PriceBookStore } from '../core/ports.js';
import { costReportCsvLines } from '../core/reports/cost-report-format.js';
import { focusCsvLines } from '../core/reports/focus-export.js';
import { renderHtmlReport } from '../core/reports/html-report.js';
import { type ExportableLedger, exportLedgerPeriod } from '../core/use-cases/ledger-export-period.js';
import { acceleratorsOfBook } from '../core/use-cases/report-accelerators.js';
import { ConfigError } from './config.js';
import { createLedger } from './ledger-wiring.js';
import { createObservability, type Observability, withObservability } from './middleware.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

/** Output formats of the report endpoint. */
export const REPORT_FORMATS = ['json', 'csv', 'focus', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Longest window one request may ask for; a year keeps a response within Lambda's 6 MB. */
export const MAX_REPORT_DAYS = 366;

export interface ReportRequest {
  readonly from: string;
  readonly to: string;
  readonly groupBy: GroupBy;
  readonly format: ReportFormat;
}

/** The ledger reads a report needs. */
/** What a report reads: the export records, and the stored book for each type's GPUs. */
export type ReportLedger = ExportableLedger & Partial<Pick<PriceBookStore, 'getLatestPriceBook'>>;

/** The month before `period` (`yyyy-mm`). */
export const previousPeriod = (period: Period): Period => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

/**
 * The export records of `teams` for the report periods. Jobs are listed by the month they were
 * received in, so the month before the first period is read too: a job received then whose
 * instances ran into the window is charged for the part inside it (the builders clip to the
 * window, and read budgets and estimates of the window's months only).
 */
export async function* reportRecords(
  ledger: ReportLedger,
  teams: readonly string[],
  periods: readonly Period[],
): AsyncGenerator<LedgerRecord> {
  const first = periods[0];
  if (first === undefined) return;
  for (const period of [previousPeriod(first), ...periods]) yield* exportLedgerPeriod(ledger, teams, period);
}

export interface ReportHandlerDeps {
  readonly ledger: ReportLedger;
  /** Teams the report covers (the deployment's configured teams). */
  readonly teams: readonly string[];
  /**
   * The account's commitments (`QM_COMMITMENTS`): the FOCUS export adds their rows, and the cost
   * report charges their unused part to teams. @default none
   */
  readonly commitments?: readonly Commitment[];
  readonly clock: Clock;
  readonly obs: Observability;
}

const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  focus: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

const respond = (statusCode: number, contentType: string, body: string): LambdaFunctionURLResult => ({
  statusCode,
  headers: { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  body,
});

const clientError = (message: string) => respond(400, 'application/json', JSON.stringify({ error: message }));

const oneOf = <T extends string>(
  option: string,
  allowed: readonly T[],
  value: string | undefined,
  fallback: T,
): T => {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ReportOptionError(option, `must be one of ${allowed.join(', ')}; got "${value.slice(0, 40)}"`);
};

/**
 * Reads `from`, `to`, `groupBy` and `format` from the query string. `from`/`to` default to the
 * current month so far; `groupBy` to team; `format` to json.
 * @throws ReportOptionError naming the bad parameter
 */
export const parseReportRequest = (
  query: Readonly<Record<string, string | undefined>> | undefined,
  now: Date,
): ReportRequest => {
  const q = query ?? {};
  const today = now.toISOString().slice(0, 10);
  const from = q.from ?? `${today.slice(0, 7)}-01`;
  const to = q.to ?? today;
  const window = reportWindow(from, to);
  const days = Math.round((window.endMs - window.startMs) / 86_400_000);
  if (days > MAX_REPORT_DAYS) {
    throw new ReportOptionError('to', `the window is ${days} days; at most ${MAX_REPORT_DAYS} per request`);
  }
  return {
    from,
    to,
    groupBy: oneOf('groupBy', GROUP_BYS, q.groupBy, 'team'),
    format: oneOf('format', REPORT_FORMATS, q.format, 'json'),
  };
};

/**
 * The configured commitments with each capacity reservation's rate from the stored price book
 * where the configuration states none.
 * @throws ConfigError naming a commitment whose unused hours cannot be valued
 */
const pricedCommitments = async (
  deps: Pick<ReportHandlerDeps, 'ledger' | 'commitments'>,
): Promise<readonly Commitment[]> => {
  const list = deps.commitments ?? [];
  if (list.length === 0) return list;
  const book = await deps.ledger.getLatestPriceBook?.();
  const priced = book === undefined ? list : resolveCommitmentRates(list, book);
  const unpriced = priced.find(
    (c) =>
      (c.kind === 'capacity-reservation' && c.unitPriceUsdPerHour === null) ||
      (c.kind === 'capacity-block' && c.priceUsd === null),
  );
  if (unpriced !== undefined)
    throw new ConfigError(
      `invalid handler configuration: QM_COMMITMENTS: ${unpriced.id} states no price and the stored price book gives none; set its unitPriceUsdPerHour or priceUsd`,
    );
  return priced;
};

const collect = async (lines: AsyncIterable<string>): Promise<string> => {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return `${out.join('\n')}\n`;
};

/** The body of one report in the requested format. */
export const renderReport = async (
  request: ReportRequest,
  deps: Pick<ReportHandlerDeps, 'ledger' | 'teams' | 'commitments'>,
  meta: { readonly accountId: string; readonly generatedAt: string },
): Promise<string> => {
  const window = reportWindow(request.from, request.to);
  // The cost report compares with as many days before `from`: it reads those months too.
  const previousFrom = new Date(2 * window.startMs - window.endMs).toISOString().slice(0, 10);
  const periods = periodsIn(request.format === 'focus' ? window : reportWindow(previousFrom, request.to));
  const records = () => reportRecords(deps.ledger, deps.teams, periods);
  if (request.format === 'focus') {
    const commitments = await pricedCommitments(deps);
    return collect(
      focusCsvLines(records(), {
        from: request.from,
        to: request.to,
        billingAccountId: meta.accountId,
        billingAccountName: meta.accountId,
        ...(commitments.length === 0 ? {} : { commitments }),
      }),
    );
  }
  // GPU-hours from the stored book's types; without a stored book the report has none.
  const book = await deps.ledger.getLatestPriceBook?.();
  const commitments = await pricedCommitments(deps);
  const report = await buildCostReport(records(), {
    from: request.from,
    to: request.to,
    groupBy: request.groupBy,
    ...(book === undefined ? {} : { acceleratorsOf: acceleratorsOfBook(book) }),
    ...(commitments.length === 0 ? {} : { commitments }),
  });
  switch (request.format) {
    case 'json':
      return JSON.stringify(report);
    case 'csv':
      // The same columns (and TOTAL line) as `qm report --format csv`.
      return `${costReportCsvLines(report).join('\n')}\n`;
    case 'html':
      return renderHtmlReport(report, { source: 'DynamoDB ledger', generatedAt: meta.generatedAt });
  }
};

/** The account id in a Lambda function ARN (`arn:aws:lambda:region:account:function:name`). */
export const accountOf = (functionArn: string): string => functionArn.split(':')[4] ?? 'unknown';

/**
 * The report Lambda behind an IAM-authenticated Function URL:
 * `GET ?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=team|project|job|day|month|region|instance-type&format=json|csv|focus|html`.
 * Bad parameters get a 400 naming the parameter; anything else a generic 500, logged once with
 * its cause.
 */
export const makeHandler = (deps: ReportHandlerDeps) =>
  withObservability(
    deps.obs,
    async (event: LambdaFunctionURLEvent, context: Context): Promise<LambdaFunctionURLResult> => {
      const method = event.requestContext?.http?.method ?? 'GET';
      if (method !== 'GET')
        return respond(405, 'application/json', JSON.stringify({ error: 'only GET is supported' }));
      let request: ReportRequest;
      try {
        request = parseReportRequest(event.queryStringParameters, deps.clock.now());
      } catch (err) {
        if (err instanceof ReportOptionError) return clientError(err.message);
        throw err;
      }
      try {
        const body = await renderReport(request, deps, {
          accountId: accountOf(context.invokedFunctionArn),
          generatedAt: deps.clock.now().toISOString(),
        });
        return respond(200, CONTENT_TYPES[request.format], body);
      } catch (err) {
        if (err instanceof ReportOptionError) return clientError(err.message);
        deps.obs.logger.error('report failed', { error: err as Error, request });
        return respond(500, 'application/json', JSON.stringify({ error: 'internal error' }));
      }
    },
  );

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  return makeHandler({
    ledger: createLedger(config, systemClock),
    teams: [...config.budgets.teams.keys()],
    commitments: config.commitments,
    clock: systemClock,
    obs: createObservability('report'),
  });
});
