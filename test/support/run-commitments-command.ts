import { Command, CommanderError } from 'commander';
import { type CommitmentsCommandIo, registerCommitmentsCommand } from '../../bin/commands/commitments.js';

/**
 * Runs `qm commitments` in-process with an empty environment; returns what it wrote to standard
 * output and error and its exit code, 0 unless commander stopped it.
 */
export const runCommitmentsCommand = async (
  args: readonly string[],
  io: Partial<CommitmentsCommandIo> = {},
): Promise<{ out: string; err: string; exitCode: number }> => {
  let out = '';
  let err = '';
  const program = new Command('qm').exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  registerCommitmentsCommand(program, {
    env: {},
    write: (s) => {
      out += s;
    },
    warn: (s) => {
      err += s;
    },
    ...io,
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', 'commitments', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};
