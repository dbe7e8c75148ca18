import type { Command } from 'commander';
import { type PipelineIo, type TargetFlags, withTargetFlags } from './pipeline-target.js';

export interface CancelFlags extends TargetFlags {
  readonly reason: string;
}

/**
 * Registers `qm cancel JOB_ID`: withdraw a job; any capacity it holds is terminated. The SQS
 * client loads when the command runs (cancel-action.ts).
 */
export const registerCancelCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('cancel')
      .description('cancel a job; its instances are terminated and its budget settled or released')
      .argument('<jobId>', 'the job')
      .option('--reason <text>', 'recorded in the job history', 'cancelled with qm cancel'),
  ).action(async (jobId: string, flags: CancelFlags, command: Command) => {
    const { runCancel } = await import('./cancel-action.js');
    await runCancel(jobId, flags, command, io);
  });
