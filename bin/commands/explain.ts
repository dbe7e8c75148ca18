import type { Command } from 'commander';

/** What the command needs from the process; tests pass their own. */
export interface ExplainCommandIo {
  /** Streams the lines of a file (standard input for `-`). @default readInputLines */
  readonly readLines?: (path: string) => AsyncIterable<string>;
  readonly write?: (text: string) => void;
}

export const EXPLAIN_FORMATS = ['text', 'json'] as const;

export interface ExplainOptions {
  ledger: string;
  format: string;
}

/**
 * Registers `qm explain JOB_ID`: the decision records behind a job's placement. The ledger reader
 * loads when the command runs (explain-action.ts).
 */
export const registerExplainCommand = (program: Command, io: ExplainCommandIo = {}): Command =>
  program
    .command('explain')
    .description(
      'why a job runs where it runs: candidates and prices considered, the choice, the binding constraint, the price book',
    )
    .argument('<jobId>', 'the job to explain')
    .requiredOption('--ledger <file>', 'ledger export (JSONL); - for standard input')
    .option('--format <format>', `output: ${EXPLAIN_FORMATS.join(' | ')}`, 'text')
    .action(async (jobId: string, opts: ExplainOptions, command: Command) => {
      const { runExplain } = await import('./explain-action.js');
      await runExplain(jobId, opts, command, io);
    });
