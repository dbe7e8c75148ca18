import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `-` for standard input and output, and `--out` written whole or not at all, through the real
 * `qm` process (a child process, so standard input and the file system are the real ones).
 */

const qm = (args: readonly string[], input?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/qm.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });

const scratch = () => mkdtempSync(join(tmpdir(), 'qm-stdio-'));
const NOV = ['--from', '2026-11-01', '--to', '2026-11-30'];
const FOCUS = [
  '--format',
  'focus',
  '--billing-account-id',
  '111122223333',
  '--billing-account-name',
  'Research',
];
const ledger = readFileSync('examples/ledger-month.jsonl', 'utf8');

describe('qm with - for standard input and output', () => {
  it('plans the jobs read from standard input exactly as from the file', () => {
    const flags = ['--quotas', 'examples/quotas.json', '--format', 'csv', '--now', '2026-11-26T12:00:00Z'];
    const fromFile = qm(['plan', '--jobs', 'examples/jobs.jsonl', ...flags]);
    const fromStdin = qm(['plan', '--jobs', '-', ...flags], readFileSync('examples/jobs.jsonl', 'utf8'));
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromStdin.stdout.split('\n').length).toBeGreaterThan(3);
  });

  it('refuses two inputs on standard input with exit 2', () => {
    const both = qm(['plan', '--jobs', '-', '--budgets', '-'], '');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("only one input can be standard input ('-'); got --jobs and --budgets");
  });

  it('reports a ledger read from standard input to standard output with --out -', () => {
    const fromFile = qm(['report', '--ledger', 'examples/ledger-month.jsonl', ...NOV, '--format', 'csv']);
    const piped = qm(['report', '--ledger', '-', ...NOV, '--format', 'csv', '--out', '-'], ledger);
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(fromFile.stdout);
    expect(piped.stdout).toMatch(/^key,team,/);
  });

  it('verifies a ledger read from standard input', () => {
    const verified = qm(['audit', 'verify', '--ledger', '-'], ledger);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/^OK: /);
  });
});

describe('qm --out on error', () => {
  it('leaves no file when the ledger cannot be read', () => {
    const dir = scratch();
    const out = join(dir, 'x.csv');
    const run = qm(['report', ...FOCUS, '--ledger', join(dir, 'missing.jsonl'), ...NOV, '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cannot read --ledger');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves no file, and an existing one untouched, when the ledger breaks after rows were written', () => {
    const dir = scratch();
    const broken = join(dir, 'broken.jsonl');
    // Hundreds of good lines first, so rows are already on their way out when the bad one comes.
    writeFileSync(broken, `${ledger}{"kind":"usage",\n`);
    const out = join(dir, 'x.csv');
    const fresh = qm(['report', ...FOCUS, '--ledger', broken, ...NOV, '--out', out]);
    expect(fresh.status).toBe(2);
    expect(fresh.stderr).toContain('invalid --ledger');
    expect(readdirSync(dir)).toEqual(['broken.jsonl']);
    writeFileSync(out, 'kept\n');
    const html = qm(['report', '--format', 'html', '--ledger', broken, ...NOV, '--out', out]);
    expect(html.status).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('kept\n');
    expect(readdirSync(dir).sort()).toEqual(['broken.jsonl', 'x.csv']);
  });

  it('exits 2 naming --out when the file cannot be written, not the ledger', () => {
    const out = join(scratch(), 'no-such-dir', 'x.csv');
    const run = qm([
      'report',
      '--ledger',
      'examples/ledger-month.jsonl',
      ...NOV,
      '--format',
      'csv',
      '--out',
      out,
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`qm report: --out: cannot write ${out}: ENOENT`);
    expect(run.stderr).not.toContain('--ledger');
  });

  it('writes the whole file when the report succeeds', () => {
    const dir = scratch();
    const out = join(dir, 'focus.csv');
    const run = qm(['report', ...FOCUS, '--ledger', 'examples/ledger-month.jsonl', ...NOV, '--out', out]);
    expect(run.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/BilledCost/);
    expect(lines.length).toBeGreaterThan(100);
    expect(readdirSync(dir)).toEqual(['focus.csv']);
  });
});

describe('qm simulate --jobs with - and --out', () => {
  const jobs = readFileSync('examples/jobs.jsonl', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .slice(0, 3)
    .join('\n');
  const flags = ['--policy', 'on-demand', '--start', '2026-11-26T12:00:00Z', '--format', 'json'];

  it('simulates jobs read from standard input, writing the report whole to --out or to standard output', () => {
    const dir = scratch();
    const out = join(dir, 'sim.json');
    const toFile = qm(['simulate', '--jobs', '-', ...flags, '--out', out], jobs);
    expect(toFile.status).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8')) as { jobCount: number; jobsFile: string };
    expect(written.jobCount).toBe(3);
    expect(readdirSync(dir)).toEqual(['sim.json']);
    const toStdout = qm(['simulate', '--jobs', '-', ...flags, '--out', '-'], jobs);
    expect(toStdout.status).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(out, 'utf8'));
  }, 120_000);

  it('leaves no file when --out cannot be written', () => {
    const dir = scratch();
    const out = join(dir, 'missing', 'sim.json');
    const failed = qm(['simulate', '--jobs', '-', ...flags, '--out', out], jobs);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain(`cannot write --out ${out}`);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
});
