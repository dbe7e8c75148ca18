import { Command, CommanderError } from 'commander';
import { type PlanCommandIo, registerPlanCommand } from '../../bin/commands/plan.js';

/**
 * Runs `qm plan` in-process over in-memory files; returns what it wrote to standard output and
 * error (warnings included) and its exit code, 0 unless commander stopped it.
 */
export const runPlanCommand = async (
  args: readonly string[],
  files: Readonly<Record<string, string>>,
  io: Pick<PlanCommandIo, 'priceBook' | 'now' | 'columns'> = {},
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
  registerPlanCommand(program, {
    readText: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
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
    await program.parseAsync(['node', 'qm', 'plan', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};
