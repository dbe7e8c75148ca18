import { Command, CommanderError } from 'commander';

/** What a command under test wrote to standard output and error, and its exit code. */
export interface CommandRun {
  readonly out: string;
  readonly err: string;
  readonly exitCode: number;
}

/** The output sinks a command's io takes: its writes go to `out`, its warnings to `err`. */
export interface CapturedOutput {
  readonly write: (text: string) => void;
  readonly warn: (text: string) => void;
}

/**
 * Runs `qm <name> ARGS` in-process: `register` adds the command to a program whose output is
 * captured, given the sinks for the command's own writes and warnings; the exit code is 0 unless
 * commander stopped it.
 */
export const runRegisteredCommand = async (
  name: string,
  args: readonly string[],
  register: (program: Command, output: CapturedOutput) => void,
): Promise<CommandRun> => {
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
  register(program, {
    write: (s) => {
      out += s;
    },
    warn: (s) => {
      err += s;
    },
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', name, ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};
