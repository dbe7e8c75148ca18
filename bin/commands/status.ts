import type { Command } from 'commander';
import { type PipelineIo, type TargetFlags, withTargetFlags } from './pipeline-target.js';

export interface StatusFlags extends TargetFlags {
  readonly json?: boolean;
}

/**
 * Registers `qm status JOB_ID`: a job's state, allocation and event history from the ledger. The
 * DynamoDB client loads when the command runs (status-action.ts).
 */
export const registerStatusCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('status')
      .description("show a job's state, allocation and event history")
      .argument('<jobId>', 'the job')
      .option('--json', 'print the job record and its events as JSON'),
  ).action(async (jobId: string, flags: StatusFlags, command: Command) => {
    const { runStatus } = await import('./status-action.js');
    await runStatus(jobId, flags, command, io);
  });
