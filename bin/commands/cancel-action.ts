import type { Command } from 'commander';
import type { CancelFlags } from './cancel.js';
import { sendJobEvent } from './complete-action.js';
import { type PipelineIo, resolveTarget } from './pipeline-target.js';

/** `qm cancel`'s work, loaded only when the command runs (bin/commands/cancel.ts defines its flags). */
export const runCancel = async (
  jobId: string,
  flags: CancelFlags,
  command: Command,
  io: PipelineIo,
): Promise<void> => {
  const target = resolveTarget(command, flags, io);
  await sendJobEvent(command, target, io, (p) => p.cancel(jobId, flags.reason));
};
