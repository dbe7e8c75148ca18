#!/usr/bin/env -S npx tsx
import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describeFailure, exitCodeOf } from './cli/exit-code.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerCancelCommand } from './commands/cancel.js';
import { registerCommitmentsCommand } from './commands/commitments.js';
import { registerCompleteCommand } from './commands/complete.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReconcileBillCommand } from './commands/reconcile-bill.js';
import { registerReportCommand } from './commands/report.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSubmitCommand } from './commands/submit.js';

/**
 * The package's version, from its package.json: one level up from source (bin/qm.ts), two from
 * the build (dist/bin/qm.js, also when installed), so both are tried, nearest first.
 */
const packageVersion = (): string => {
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(url)) return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
};
const VERSION = packageVersion();

/**
 * Builds the `qm` command tree; tests build their own with fake I/O. Each register function only
 * defines its command's flags; the code that does the work is imported when the command runs, so
 * `qm --help` loads commander and this table only.
 */
export const buildProgram = (): Command => {
  const program = new Command('qm')
    .description('Quartermaster: GPU cost and allocation for AWS')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of unexpected errors')
    // The message once and a pointer to help, not the whole usage text after every mistake.
    .showHelpAfterError("(see 'qm <command> --help')")
    .exitOverride()
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
  registerReconcileBillCommand(program);
  registerCommitmentsCommand(program);
  return program;
};

const program = buildProgram();
program.parseAsync(process.argv).catch((error: unknown) => {
  // Commander has already printed its own errors; anything else gets one line.
  if (!(error instanceof CommanderError)) {
    process.stderr.write(`${describeFailure(error, program.opts().debug === true)}\n`);
  }
  process.exitCode = exitCodeOf(error);
});
