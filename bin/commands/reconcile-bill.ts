import type { Command } from 'commander';

/** What the command needs from the process; tests pass their own. */
export interface ReconcileBillCommandIo {
  /** Streams the lines of the ledger (standard input for `-`). @default readInputLines */
  readonly readLines?: (path: string) => AsyncIterable<string>;
  /** Standard output. */
  readonly write?: (text: string) => void;
  /** The instant shown as "generated" on the HTML page. @default new Date().toISOString() */
  readonly now?: () => string;
}

export const RECONCILE_BILL_FORMATS = ['table', 'json', 'csv', 'html'] as const;

export interface ReconcileBillOptions {
  ledger: string;
  bill: string;
  format: string;
  out?: string;
}

/**
 * Registers `qm reconcile-bill`: the ledger held against an AWS Data Exports bill. The work loads
 * when the command runs (reconcile-bill-action.ts).
 */
export const registerReconcileBillCommand = (program: Command, io: ReconcileBillCommandIo = {}): Command =>
  program
    .command('reconcile-bill')
    .description(
      'hold a ledger export against the AWS bill (CUR 2.0 or FOCUS 1.2; CSV, gzip or Parquet): drift per job, team and day, leaks, missing lines, explained price differences',
    )
    .requiredOption('--ledger <file>', 'ledger export (JSONL); - for standard input')
    .requiredOption(
      '--bill <file>',
      'AWS Data Exports file, hourly: CUR 2.0 or FOCUS 1.2, CSV (optionally gzip) or Parquet; - for standard input (CSV or gzip)',
    )
    .option('--format <format>', `output: ${RECONCILE_BILL_FORMATS.join(' | ')}`, 'table')
    .option(
      '--out <file>',
      'write to a file instead of standard output (only once complete; - for standard output)',
    )
    .action(async (opts: ReconcileBillOptions, command: Command) => {
      const { runReconcileBill } = await import('./reconcile-bill-action.js');
      await runReconcileBill(opts, command, io);
    });
