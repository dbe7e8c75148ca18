import type { Command } from 'commander';
import { readTextLines } from '../../lambdas/adapters/ledger-export-file.js';
import { explainJob, formatExplanation } from '../../lambdas/core/audit/audit-explain.js';
import { parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { inputErrorMessage, REPORT_INPUT_ERROR_EXIT_CODE } from './report.js';

/** What the command needs from the process; tests pass their own. */
export interface ExplainCommandIo {
  /** Streams the lines of a file. @default readTextLines */
  readonly readLines?: (path: string) => AsyncIterable<string>;
  readonly write?: (text: string) => void;
}

const FORMATS = ['text', 'json'] as const;

const fail = (command: Command, message: string): never => {
  command.error(`qm explain: ${message}`, { exitCode: REPORT_INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

/** Registers `qm explain JOB_ID`: the decision records behind a job's placement. */
export const registerExplainCommand = (program: Command, io: ExplainCommandIo = {}): Command =>
  program
    .command('explain')
    .description(
      'why a job runs where it runs: candidates and prices considered, the choice, the binding constraint, the price book',
    )
    .argument('<jobId>', 'the job to explain')
    .requiredOption('--ledger <file>', 'ledger export (JSONL)')
    .option('--format <format>', `output: ${FORMATS.join(' | ')}`, 'text')
    .action(async (jobId: string, opts: { ledger: string; format: string }, command: Command) => {
      const write = io.write ?? ((text: string) => process.stdout.write(text));
      if (!(FORMATS as readonly string[]).includes(opts.format))
        fail(command, `--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
      let explanation: Awaited<ReturnType<typeof explainJob>>;
      try {
        const lines = (io.readLines ?? readTextLines)(opts.ledger);
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
    });
