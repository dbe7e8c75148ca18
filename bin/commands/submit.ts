import type { Command } from 'commander';
import { type PipelineIo, type TargetFlags, withTargetFlags } from './pipeline-target.js';

export interface SubmitFlags extends TargetFlags {
  readonly json?: boolean;
}

/**
 * Registers `qm submit FILE`: validates every line of a JSONL file first (exit 2 naming each bad
 * line and field, nothing sent), then sends the requests in batches of ten and prints one result
 * per job. Exit 1 when SQS refused any message (sending again is safe: jobId is the idempotency key).
 * The validator and SQS client load when the command runs (submit-action.ts).
 */
export const registerSubmitCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('submit')
      .description('validate a JSONL file of job requests and send them to the job-requests queue')
      .argument('<file>', 'job requests, one JSON object per line; - for standard input')
      .option('--json', 'print the per-message results as JSON'),
  ).action(async (file: string, flags: SubmitFlags, command: Command) => {
    const { runSubmit } = await import('./submit-action.js');
    await runSubmit(file, flags, command, io);
  });
