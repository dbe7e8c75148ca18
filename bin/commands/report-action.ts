import type { Command } from 'commander';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import {
  buildCostReport,
  GROUP_BYS,
  type GroupBy,
  isGroupBy,
  ReportOptionError,
} from '../../lambdas/core/accounting/cost-report.js';
import type { AcceleratorsOf } from '../../lambdas/core/accounting/instance-accelerators.js';
import type { Commitment } from '../../lambdas/core/commitments/commitment.js';
import { parseCommitmentsText } from '../../lambdas/core/commitments/commitments-file.js';
import { recordsFromChains, type UnchainedRecords } from '../../lambdas/core/ledger/chain-records.js';
import { LedgerParseError, parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { resolveCommitmentRates } from '../../lambdas/core/planning/commitment-offers.js';
import { costReportCsvLines, formatCostReportTable } from '../../lambdas/core/reports/cost-report-format.js';
import { focusCsvLines } from '../../lambdas/core/reports/focus-export.js';
import { renderHtmlReport } from '../../lambdas/core/reports/html-report.js';
import { acceleratorsOfBook } from '../../lambdas/core/use-cases/report-accelerators.js';
import { readInputLines } from '../cli/input-file.js';
import { OutputFileError, writeOutputLines, writeOutputText } from '../cli/output-file.js';
import {
  REPORT_FORMATS as FORMATS,
  type REPORT_GROUP_BYS,
  REPORT_INPUT_ERROR_EXIT_CODE,
  type ReportCommandIo,
  type ReportOptions,
} from './report.js';

// The flag's help lists REPORT_GROUP_BYS; this stops compiling if the cost report's list differs.
GROUP_BYS satisfies typeof REPORT_GROUP_BYS;

type Format = (typeof FORMATS)[number];

/**
 * The accelerators of each instance type in the bundled price book: the ledger names instance
 * types only, and the book is where the CLI knows their GPU model and count from.
 */
export const bundledAccelerators = (): AcceleratorsOf => acceleratorsOfBook(loadStaticPriceBook());
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The commitments file, with each capacity reservation's rate filled from the bundled price book
 * where the file gives none (what AWS bills its hours at).
 */
const readCommitments = async (
  command: Command,
  path: string,
  io: ReportCommandIo,
): Promise<Commitment[]> => {
  let text = '';
  try {
    for await (const line of (io.readLines ?? readInputLines)(path)) text += `${line}\n`;
  } catch (error) {
    fail(
      command,
      `cannot read --commitments ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = parseCommitmentsText(text);
  if (!parsed.ok)
    return fail(
      command,
      `invalid --commitments ${path}: ${parsed.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    );
  const resolved = resolveCommitmentRates(parsed.value.commitments, loadStaticPriceBook());
  const unpriced = resolved.find(
    (c) =>
      (c.kind === 'capacity-reservation' && c.unitPriceUsdPerHour === null) ||
      (c.kind === 'capacity-block' && c.priceUsd === null),
  );
  if (unpriced !== undefined)
    fail(
      command,
      `--commitments ${path}: ${unpriced.id} states no price, and its unused hours cannot be valued without one${
        unpriced.kind === 'capacity-reservation'
          ? ' (the bundled price book has no on-demand rate for its type in its region)'
          : ''
      }`,
    );
  return resolved;
};

const fail = (command: Command, message: string): never => {
  command.error(`qm report: ${message}`, { exitCode: REPORT_INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

/** Turns the errors bad input causes into exit-2 messages naming the flag; rethrows the rest. */
export const inputErrorMessage = (error: unknown, ledgerPath: string): string | undefined => {
  if (error instanceof LedgerParseError) return `invalid --ledger ${error.message}`;
  if (error instanceof OutputFileError) return `--out: ${error.message}`;
  if (error instanceof ReportOptionError)
    return `--${error.option}: ${error.message.slice(error.option.length + 2)}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ENOENT', 'EACCES', 'EISDIR'].includes(code))
    return `cannot read --ledger ${ledgerPath}: ${(error as Error).message}`;
  return undefined;
};

/** `qm report`'s work, loaded only when the command runs (bin/commands/report.ts defines its flags). */
export const runReport = async (
  opts: ReportOptions,
  command: Command,
  io: ReportCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const writeLines = io.writeLines ?? writeOutputLines;
  const readLines = io.readLines ?? readInputLines;
  const unchained: UnchainedRecords = { usage: 0, budget: 0, job: 0 };
  // With --from-chain the records beside the chains are only counted, never used (ADR 0010).
  const read = (path: string) =>
    opts.fromChain === true
      ? recordsFromChains(parseLedgerLines(readLines(path), path), unchained)
      : parseLedgerLines(readLines(path), path);
  for (const flag of ['from', 'to'] as const)
    if (!DAY.test(opts[flag]) || Number.isNaN(Date.parse(`${opts[flag]}T00:00:00Z`)))
      fail(command, `--${flag} must be a date YYYY-MM-DD; got "${opts[flag]}"`);
  if (
    opts.asOf !== undefined &&
    (!/([zZ]|[+-]\d\d:\d\d)$/.test(opts.asOf) || Number.isNaN(Date.parse(opts.asOf)))
  )
    fail(command, `--as-of must be an ISO 8601 date-time with Z or an offset; got "${opts.asOf}"`);
  if (!isGroupBy(opts.groupBy))
    fail(command, `--group-by must be one of ${GROUP_BYS.join(', ')} or tag:KEY; got "${opts.groupBy}"`);
  if (!(FORMATS as readonly string[]).includes(opts.format))
    fail(command, `--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
  const top = Number(opts.top);
  if (!Number.isInteger(top) || top < 1 || top > 100)
    fail(command, `--top must be a whole number from 1 to 100; got "${opts.top}"`);
  const format = opts.format as Format;
  if (opts.fromChain === true && format === 'focus')
    fail(
      command,
      '--from-chain does not go with --format focus: its account, name and tag columns are in no chain',
    );
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
      if (billingAccountName === '') fail(command, '--billing-account-name is required with --format focus');
      const commitments =
        opts.commitments === undefined ? undefined : await readCommitments(command, opts.commitments, io);
      await emit(
        focusCsvLines(read(opts.ledger), {
          from: opts.from,
          to: opts.to,
          billingAccountId,
          billingAccountName,
          ...(commitments === undefined ? {} : { commitments }),
        }),
      );
      return;
    }
    const commitments =
      opts.commitments === undefined ? undefined : await readCommitments(command, opts.commitments, io);
    const report = await buildCostReport(read(opts.ledger), {
      ...(commitments === undefined ? {} : { commitments }),
      from: opts.from,
      to: opts.to,
      groupBy: opts.groupBy as GroupBy,
      topJobs: top,
      acceleratorsOf: bundledAccelerators(),
      // The forecast runs from now; a closed period's is its actual.
      asOf: opts.asOf ?? (io.now ?? (() => new Date().toISOString()))(),
    });
    const left = unchained.usage + unchained.budget + unchained.job;
    if (opts.fromChain === true && left > 0)
      (io.warn ?? ((text: string) => process.stderr.write(text)))(
        `qm report: --from-chain left out ${unchained.job} job, ${unchained.usage} usage and ${unchained.budget} budget record(s) no chain in ${opts.ledger} states (written before ADR 0010?)\n`,
      );
    if (format === 'json') await emit([JSON.stringify(report, null, 2)]);
    else if (format === 'csv') await emit(costReportCsvLines(report));
    else if (format === 'table') await emit([formatCostReportTable(report)]);
    else {
      const html = renderHtmlReport(report, {
        source: opts.ledger,
        generatedAt: (io.now ?? (() => new Date().toISOString()))(),
      });
      if (opts.out !== undefined && io.writeLines === undefined) await writeOutputText(opts.out, html);
      else await emit([html.trimEnd()]);
    }
  } catch (error) {
    const message = inputErrorMessage(error, opts.ledger);
    if (message === undefined) throw error;
    fail(command, message);
  }
};
