import type { Command } from 'commander';
import { BillFileError, openBillExport } from '../../lambdas/adapters/bill-export-file.js';
import { BillInputError } from '../../lambdas/core/accounting/bill-line.js';
import { reconcileBill } from '../../lambdas/core/accounting/bill-reconciliation.js';
import { LedgerParseError, parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import {
  billReconciliationCsvLines,
  formatBillReconciliationTable,
} from '../../lambdas/core/reports/bill-reconciliation-format.js';
import { renderBillReconciliationPage } from '../../lambdas/core/reports/bill-reconciliation-page.js';
import { USAGE_EXIT } from '../cli/exit-code.js';
import { readInputLines, stdinTwice } from '../cli/input-file.js';
import { OutputFileError, writeOutputLines, writeOutputText } from '../cli/output-file.js';
import {
  RECONCILE_BILL_FORMATS as FORMATS,
  type ReconcileBillCommandIo,
  type ReconcileBillOptions,
} from './reconcile-bill.js';

const fail = (command: Command, message: string): never => {
  command.error(`qm reconcile-bill: ${message}`, { exitCode: USAGE_EXIT, code: 'qm.input' });
  throw new Error(message);
};

const FILE_CODES = ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'];

/** The exit-2 message for what bad input caused; undefined for anything else. */
const inputErrorMessage = (error: unknown, opts: ReconcileBillOptions): string | undefined => {
  if (error instanceof LedgerParseError) return `invalid --ledger ${error.message}`;
  if (error instanceof BillInputError) return `invalid --bill ${error.message}`;
  if (error instanceof BillFileError) return `invalid --bill ${error.message}`;
  if (error instanceof OutputFileError) return `--out: ${error.message}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FILE_CODES.includes(code)) {
    const path = (error as { path?: unknown }).path;
    // The file system names the path it could not open (the bill is opened first).
    const flag = path !== undefined && path === opts.bill ? 'bill' : 'ledger';
    return `cannot read --${flag} ${flag === 'bill' ? opts.bill : opts.ledger}: ${(error as Error).message}`;
  }
  return undefined;
};

/** `qm reconcile-bill`'s work, loaded only when the command runs (reconcile-bill.ts defines its flags). */
export const runReconcileBill = async (
  opts: ReconcileBillOptions,
  command: Command,
  io: ReconcileBillCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  if (!(FORMATS as readonly string[]).includes(opts.format))
    fail(command, `--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
  const twice = stdinTwice({ '--ledger': opts.ledger, '--bill': opts.bill });
  if (twice !== undefined) fail(command, twice);
  try {
    const bill = await openBillExport(opts.bill);
    const ledger = parseLedgerLines((io.readLines ?? readInputLines)(opts.ledger), opts.ledger);
    const report = await reconcileBill(ledger, bill);
    const emit = async (lines: Iterable<string>) => {
      if (opts.out !== undefined) await writeOutputLines(opts.out, lines);
      else for (const line of lines) write(`${line}\n`);
    };
    if (opts.format === 'json') await emit([JSON.stringify(report, null, 2)]);
    else if (opts.format === 'csv') await emit(billReconciliationCsvLines(report));
    else if (opts.format === 'table')
      await emit([formatBillReconciliationTable(report, process.stdout.columns ?? 120)]);
    else {
      const html = renderBillReconciliationPage(report, {
        ledger: opts.ledger,
        generatedAt: (io.now ?? (() => new Date().toISOString()))(),
      });
      if (opts.out !== undefined) await writeOutputText(opts.out, html);
      else write(html);
    }
  } catch (error) {
    const message = inputErrorMessage(error, opts);
    if (message === undefined) throw error;
    fail(command, message);
  }
};
