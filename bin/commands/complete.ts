import type { Command } from 'commander';
import { type PipelineIo, type TargetFlags, withTargetFlags } from './pipeline-target.js';

export interface CompleteFlags extends TargetFlags {
  readonly failed?: boolean;
  readonly reason?: string;
}

/**
 * Registers `qm complete JOB_ID [--failed]`: the workload ended; the job's capacity is released.
 * The SQS client loads when the command runs (complete-action.ts).
 */
export const registerCompleteCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('complete')
      .description("report that a job's workload ended (SUCCEEDED, or FAILED with --failed)")
      .argument('<jobId>', 'the job')
      .option('--failed', 'the workload failed')
      .option('--reason <text>', 'recorded in the job history'),
  ).action(async (jobId: string, flags: CompleteFlags, command: Command) => {
    const { runComplete } = await import('./complete-action.js');
    await runComplete(jobId, flags, command, io);
  });
