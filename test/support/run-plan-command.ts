import { type PlanCommandIo, registerPlanCommand } from '../../bin/commands/plan.js';
import { type CommandRun, runRegisteredCommand } from './run-command.js';

/**
 * Runs `qm plan` in-process over in-memory files; returns what it wrote to standard output and
 * error (warnings included) and its exit code, 0 unless commander stopped it.
 */
export const runPlanCommand = (
  args: readonly string[],
  files: Readonly<Record<string, string>>,
  io: Pick<PlanCommandIo, 'priceBook' | 'now' | 'columns'> = {},
): Promise<CommandRun> =>
  runRegisteredCommand('plan', args, (program, output) =>
    registerPlanCommand(program, {
      readText: async (path) => {
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
        return text;
      },
      ...output,
      ...io,
    }),
  );
