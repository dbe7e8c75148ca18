import type { Command } from 'commander';

/** What the command needs from the process; tests pass their own. */
export interface ReportCommandIo {
  /** Streams the lines of a file (standard input for `-`). @default readInputLines */
  readonly readLines?: (path: string) => AsyncIterable<string>;
  /** Standard output. */
  readonly write?: (text: string) => void;
  /** Writes `--out` a line at a time (standard output for `-`), whole or not at all. @default writeOutputLines */
  readonly writeLines?: (path: string, lines: AsyncIterable<string> | Iterable<string>) => Promise<unknown>;
  /** The instant shown as "generated" in the HTML report. @default new Date().toISOString() */
  readonly now?: () => string;
  /** Standard error, for notes beside the report. @default process.stderr */
  readonly warn?: (text: string) => void;
}

export const REPORT_FORMATS = ['table', 'json', 'csv', 'focus', 'html'] as const;
/**
 * The cost report's `GROUP_BYS`, spelled out so that `qm --help` need not load the report code;
 * report-action.ts fails to compile if the two lists ever differ.
 */
export const REPORT_GROUP_BYS = [
  'team',
  'project',
  'job',
  'day',
  'month',
  'region',
  'instance-type',
  'gpu-model',
] as const;
/** Exit code for bad input (files or flags), distinct from 1 for a failure. */
export const REPORT_INPUT_ERROR_EXIT_CODE = 2;

export interface ReportOptions {
  ledger: string;
  from: string;
  to: string;
  groupBy: string;
  asOf?: string;
  format: string;
  out?: string;
  billingAccountId?: string;
  billingAccountName?: string;
  commitments?: string;
  top: string;
  fromChain?: boolean;
}

/**
 * Registers `qm report`: cost reports from a ledger export, as a table, JSON, CSV, FOCUS 1.2 or
 * HTML. The report code loads when the command runs (report-action.ts).
 */
export const registerReportCommand = (program: Command, io: ReportCommandIo = {}): Command =>
  program
    .command('report')
    .description(
      'cost report from a ledger export: per team, project, job, day, month, region, instance type, GPU model or tag, with the previous period and a forecast; FOCUS 1.2 CSV; HTML with charts',
    )
    .requiredOption(
      '--ledger <file>',
      'ledger export (JSONL: job, event, usage and budget records); - for standard input',
    )
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (UTC)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (UTC), inclusive')
    .option(
      '--group-by <key>',
      `rows per ${REPORT_GROUP_BYS.join(' | ')} | tag:KEY (a job tag, e.g. tag:cost-center)`,
      'team',
    )
    .option(
      '--as-of <iso>',
      'the instant the ledger is known up to, for the run-rate forecast to --to (default: now)',
    )
    .option('--format <format>', `output: ${REPORT_FORMATS.join(' | ')}`, 'table')
    .option(
      '--out <file>',
      'write to a file instead of standard output (only once complete; - for standard output)',
    )
    .option(
      '--billing-account-id <id>',
      'FOCUS BillingAccountId: the payer account (required with --format focus)',
    )
    .option('--billing-account-name <name>', 'FOCUS BillingAccountName (required with --format focus)')
    .option(
      '--commitments <file>',
      "the account's commitments (JSON, as for qm plan): each one's used and unused cost, the unused part charged to teams; with --format focus their used, unused and purchase rows",
    )
    .option('--top <n>', 'jobs in the top-jobs list', '10')
    .option(
      '--from-chain',
      'build the report from the chained events alone (job, usage and budget facts), not from the records beside them',
    )
    .action(async (opts: ReportOptions, command: Command) => {
      const { runReport } = await import('./report-action.js');
      await runReport(opts, command, io);
    });
