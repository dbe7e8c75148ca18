import type { Command } from 'commander';
import { explainJob, formatExplanation } from '../../lambdas/core/audit/audit-explain.js';
import { parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { readInputLines } from '../cli/input-file.js';
import { type ExplainCommandIo, type ExplainOptions, EXPLAIN_FORMATS as FORMATS } from './explain.js';
import { REPORT_INPUT_ERROR_EXIT_CODE } from './report.js';
import { inputErrorMessage } from './report-action.js';

const fail = (command: Command, message: string): never => {
  command.error(`qm explain: ${message}`, { exitCode: REPORT_INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

/** `qm explain`'s work, loaded only when the command runs (bin/commands/explain.ts defines its flags). */
export const runExplain = async (
  jobId: string,
  opts: ExplainOptions,
  command: Command,
  io: ExplainCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  if (!(FORMATS as readonly string[]).includes(opts.format))
    fail(command, `--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
  let explanation: Awaited<ReturnType<typeof explainJob>>;
  try {
    const lines = (io.readLines ?? readInputLines)(opts.ledger);
    explanation = await explainJob(parseLedgerLines(lines, opts.ledger), jobId);
  } catch (error) {
    const message = inputErrorMessage(error, opts.ledger);
    if (message === undefined) throw error;
    return fail(command, message);
  }
  if (explanation === undefined)
    return fail(command, `job ${JSON.stringify(jobId)} is not in --ledger ${opts.ledger}`);
  write(
    opts.format === 'json'
      ? `${JSON.stringify(explanation, null, 2)}\n`
      : `${formatExplanation(explanation)}\n`,
  );
};
