#!/usr/bin/env -S npx tsx
import { Command } from 'commander';
import { registerAuditCommand } from './commands/audit.js';
import { registerCancelCommand } from './commands/cancel.js';
import { registerCompleteCommand } from './commands/complete.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReportCommand } from './commands/report.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSubmitCommand } from './commands/submit.js';

/** Builds the `qm` command tree; tests build their own with fake I/O. */
export const buildProgram = (): Command => {
  const program = new Command('qm')
    .description('Quartermaster: GPU cost and allocation for AWS')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerPlanCommand(program);
  registerSimulateCommand(program);
  registerSubmitCommand(program);
  registerStatusCommand(program);
  registerCompleteCommand(program);
  registerCancelCommand(program);
  registerReportCommand(program);
  registerAuditCommand(program);
  registerExplainCommand(program);
  return program;
};

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`qm: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
