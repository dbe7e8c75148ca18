import type { Command } from 'commander';
import { sendJobEvent } from './complete.js';
import { type PipelineIo, resolveTarget, type TargetFlags, withTargetFlags } from './pipeline-target.js';

interface CancelFlags extends TargetFlags {
  readonly reason: string;
}

/** Registers `qm cancel JOB_ID`: withdraw a job; any capacity it holds is terminated. */
export const registerCancelCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('cancel')
      .description('cancel a job; its instances are terminated and its budget settled or released')
      .argument('<jobId>', 'the job')
      .option('--reason <text>', 'recorded in the job history', 'cancelled with qm cancel'),
  ).action(async (jobId: string, flags: CancelFlags, command: Command) => {
    const target = resolveTarget(command, flags, io);
    await sendJobEvent(command, target, io, (p) => p.cancel(jobId, flags.reason));
  });
