import { spawnSync } from 'node:child_process';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeFailure, exitCodeOf } from '../../bin/cli/exit-code.js';

const qm = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/qm.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('qm exit codes', () => {
  it('maps commander usage errors to 2 and keeps the codes commands choose', () => {
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeOf(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'x'))).toBe(2);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(help)'))).toBe(0);
    expect(exitCodeOf(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0);
    // `qm audit verify` exits 1 for a tampered ledger: a failed check, not a usage error.
    expect(exitCodeOf(new CommanderError(1, 'qm.tampered', 'x'))).toBe(1);
    expect(exitCodeOf(new CommanderError(2, 'qm.input', 'x'))).toBe(2);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
  });

  it('prints one line for an unexpected error, the stack only with --debug', () => {
    const error = new Error('table missing');
    expect(describeFailure(error, false)).toBe('qm: table missing (run with --debug for details)');
    expect(describeFailure(error, true)).toContain('at ');
  });

  it('prints --version, and one message plus a help pointer for a usage error', () => {
    const version = qm('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = qm('plan', '--jobs', 'examples/jobs.jsonl', '--format', 'xml');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("(see 'qm <command> --help')");
    expect(bad.stderr).not.toContain('Options:');
  });
});
