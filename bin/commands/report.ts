import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readTextLines, writeLinesToFile } from '../../lambdas/adapters/ledger-export-file.js';
import {
  buildCostReport,
  GROUP_BYS,
  type GroupBy,
  ReportOptionError,
} from '../../lambdas/core/accounting/cost-report.js';
import { LedgerParseError, parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { costReportCsvLines, formatCostReportTable } from '../../lambdas/core/reports/cost-report-format.js';
import { focusCsvLines } from '../../lambdas/core/reports/focus-export.js';
import { renderHtmlReport } from '../../lambdas/core/reports/html-report.js';

/** What the command needs from the process; tests pass their own. */
export interface ReportCommandIo {
  /** Streams the lines of a file. @default readTextLines */
  readonly readLines?: (path: string) => AsyncIterable<string>;
  /** Standard output. */
  readonly write?: (text: string) => void;
  /** Writes `--out` a line at a time. @default writeLinesToFile */
  readonly writeLines?: (path: string, lines: AsyncIterable<string> | Iterable<string>) => Promise<unknown>;
  /** The instant shown as "generated" in the HTML report. @default new Date().toISOString() */
  readonly now?: () => string;
}

const FORMATS = ['table', 'json', 'csv', 'focus', 'html'] as const;
type Format = (typeof FORMATS)[number];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Exit code for bad input (files or flags), distinct from 1 for a failure. */
export const REPORT_INPUT_ERROR_EXIT_CODE = 2;

interface ReportOptions {
  ledger: string;
  from: string;
  to: string;
  groupBy: string;
  format: string;
  out?: string;
  billingAccountId?: string;
  billingAccountName?: string;
  top: string;
}

const fail = (command: Command, message: string): never => {
  command.error(`qm report: ${message}`, { exitCode: REPORT_INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

/** Turns the errors bad input causes into exit-2 messages naming the flag; rethrows the rest. */
export const inputErrorMessage = (error: unknown, ledgerPath: string): string | undefined => {
  if (error instanceof LedgerParseError) return `invalid --ledger ${error.message}`;
  if (error instanceof ReportOptionError)
    return `--${error.option}: ${error.message.slice(error.option.length + 2)}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ENOENT', 'EACCES', 'EISDIR'].includes(code))
    return `cannot read --ledger ${ledgerPath}: ${(error as Error).message}`;
  return undefined;
};

/** Registers `qm report`: cost reports from a ledger export, as a table, JSON, CSV, FOCUS 1.2 or HTML. */
export const registerReportCommand = (program: Command, io: ReportCommandIo = {}): Command =>
  program
    .command('report')
    .description(
      'cost report from a ledger export: per team, project, job, day or month; FOCUS 1.2 CSV; HTML with charts',
    )
    .requiredOption('--ledger <file>', 'ledger export (JSONL: job, event, usage and budget records)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (UTC)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (UTC), inclusive')
    .option('--group-by <key>', `rows per ${GROUP_BYS.join(' | ')}`, 'team')
    .option('--format <format>', `output: ${FORMATS.join(' | ')}`, 'table')
    .option('--out <file>', 'write to a file instead of standard output')
    .option(
      '--billing-account-id <id>',
      'FOCUS BillingAccountId: the payer account (required with --format focus)',
    )
    .option('--billing-account-name <name>', 'FOCUS BillingAccountName (required with --format focus)')
    .option('--top <n>', 'jobs in the top-jobs list', '10')
    .action(async (opts: ReportOptions, command: Command) => {
      const write = io.write ?? ((text: string) => process.stdout.write(text));
      const writeLines = io.writeLines ?? writeLinesToFile;
      const readLines = io.readLines ?? readTextLines;
      const read = (path: string) => parseLedgerLines(readLines(path), path);
      for (const flag of ['from', 'to'] as const)
        if (!DAY.test(opts[flag]) || Number.isNaN(Date.parse(`${opts[flag]}T00:00:00Z`)))
          fail(command, `--${flag} must be a date YYYY-MM-DD; got "${opts[flag]}"`);
      if (!(GROUP_BYS as readonly string[]).includes(opts.groupBy))
        fail(command, `--group-by must be one of ${GROUP_BYS.join(', ')}; got "${opts.groupBy}"`);
      if (!(FORMATS as readonly string[]).includes(opts.format))
        fail(command, `--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 1 || top > 100)
        fail(command, `--top must be a whole number from 1 to 100; got "${opts.top}"`);
      const format = opts.format as Format;
      const emit = async (lines: AsyncIterable<string> | Iterable<string>) => {
        if (opts.out !== undefined) {
          await writeLines(opts.out, lines);
          return;
        }
        for await (const line of lines) write(`${line}\n`);
      };

      try {
        if (format === 'focus') {
          const billingAccountId = opts.billingAccountId?.trim() ?? '';
          const billingAccountName = opts.billingAccountName?.trim() ?? '';
          if (billingAccountId === '') fail(command, '--billing-account-id is required with --format focus');
          if (billingAccountName === '')
            fail(command, '--billing-account-name is required with --format focus');
          await emit(
            focusCsvLines(read(opts.ledger), {
              from: opts.from,
              to: opts.to,
              billingAccountId,
              billingAccountName,
            }),
          );
          return;
        }
        const report = await buildCostReport(read(opts.ledger), {
          from: opts.from,
          to: opts.to,
          groupBy: opts.groupBy as GroupBy,
          topJobs: top,
        });
        if (format === 'json') await emit([JSON.stringify(report, null, 2)]);
        else if (format === 'csv') await emit(costReportCsvLines(report));
        else if (format === 'table') await emit([formatCostReportTable(report)]);
        else {
          const html = renderHtmlReport(report, {
            source: opts.ledger,
            generatedAt: (io.now ?? (() => new Date().toISOString()))(),
          });
          if (opts.out !== undefined && io.writeLines === undefined) await writeFile(opts.out, html, 'utf8');
          else await emit([html.trimEnd()]);
        }
      } catch (error) {
        const message = inputErrorMessage(error, opts.ledger);
        if (message === undefined) throw error;
        fail(command, message);
      }
    });
