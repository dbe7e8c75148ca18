import { CommanderError } from 'commander';

/** Usage errors (bad flags, bad input) exit 2; a failed check or operation exits 1. */
export const USAGE_EXIT = 2;
export const FAILED_EXIT = 1;

/** Commander's own outcomes that are not errors. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * The process exit code for an error thrown out of a parse. Commander reports its usage errors
 * (unknown option, missing argument, invalid choice) with exit code 1, the code `qm audit verify`
 * uses for "tampered", so they are mapped to 2; codes a command chose itself are kept.
 */
export const exitCodeOf = (error: unknown): number => {
  if (!(error instanceof CommanderError)) return FAILED_EXIT;
  if (NOT_ERRORS.has(error.code)) return 0;
  if (error.code.startsWith('commander.') && error.exitCode === 1) return USAGE_EXIT;
  return error.exitCode;
};

/** One line for an unexpected error: the message, or the stack with `--debug`. */
export const describeFailure = (error: unknown, debug: boolean): string => {
  if (!(error instanceof Error)) return `qm: ${String(error)}`;
  return debug && error.stack !== undefined
    ? `qm: ${error.stack}`
    : `qm: ${error.message} (run with --debug for details)`;
};
