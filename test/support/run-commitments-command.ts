import { type CommitmentsCommandIo, registerCommitmentsCommand } from '../../bin/commands/commitments.js';
import { type CommandRun, runRegisteredCommand } from './run-command.js';

/**
 * Runs `qm commitments` in-process with an empty environment; returns what it wrote to standard
 * output and error and its exit code, 0 unless commander stopped it.
 */
export const runCommitmentsCommand = (
  args: readonly string[],
  io: Partial<CommitmentsCommandIo> = {},
): Promise<CommandRun> =>
  runRegisteredCommand('commitments', args, (program, output) =>
    registerCommitmentsCommand(program, { env: {}, ...output, ...io }),
  );
