import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerReconcileBillCommand } from '../../bin/commands/reconcile-bill.js';
import { BILL_CSV_HEADER } from '../../lambdas/core/reports/bill-reconciliation-format.js';
import { PAGE_CSP } from '../../lambdas/core/reports/page-style.js';

const FIXTURES = 'test/fixtures/aws/bills';
const LEDGER = `${FIXTURES}/ledger.jsonl`;
const BILL = `${FIXTURES}/cur2-hourly.csv.gz`;

/** Runs `qm reconcile-bill` in-process; the ledger and bill are real files. */
const run = async (args: string[]) => {
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
  registerReconcileBillCommand(program, {
    write: (s) => {
      out += s;
    },
    now: () => '2026-12-02T09:00:00Z',
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', 'reconcile-bill', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qm-reconcile-'));
});

describe('qm reconcile-bill', () => {
  it('prints the verdict, the team and day tables and every difference', async () => {
    const { out, exitCode } = await run(['--ledger', LEDGER, '--bill', BILL]);
    expect(exitCode).toBe(0);
    expect(out.split('\n')[0]).toMatch(
      /^Bill 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z: ledger 901\.44 USD, billed 1121\.30 USD/,
    );
    expect(out).toContain(
      'Differences: 1 leak, 1 missing, 1 savings-plan, 1 reserved-instance, 1 spot-price-move.',
    );
    for (const heading of ['Per team', 'Per day', 'Jobs with drift', 'Differences'])
      expect(out).toContain(heading);
  });

  it('prints JSON whose totals are the sums of its rows', async () => {
    const { out } = await run(['--ledger', LEDGER, '--bill', BILL, '--format', 'json']);
    const r = JSON.parse(out) as {
      totals: { ledgerUsd: number; billedUsd: number };
      teams: { ledgerUsd: number; billedUsd: number }[];
      differences: unknown[];
    };
    const sum = (k: 'ledgerUsd' | 'billedUsd') =>
      Math.round(r.teams.reduce((s, t) => s + t[k], 0) * 1e6) / 1e6;
    expect(sum('ledgerUsd')).toBe(r.totals.ledgerUsd);
    expect(sum('billedUsd')).toBe(r.totals.billedUsd);
    expect(r.differences).toHaveLength(5);
  });

  it('writes CSV to --out: one row per team, day, job and difference', async () => {
    const path = join(dir, 'drift.csv');
    const { out, exitCode } = await run([
      '--ledger',
      LEDGER,
      '--bill',
      `${FIXTURES}/focus12-hourly.csv`,
      '--format',
      'csv',
      '--out',
      path,
    ]);
    expect(exitCode).toBe(0);
    expect(out).toBe('');
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(BILL_CSV_HEADER.join(','));
    expect(lines.filter((l) => l.startsWith('difference,'))).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('team,')).length).toBeGreaterThan(0);
  });

  it('writes a standalone HTML page with the shared CSP and the section, escaping what the bill says', async () => {
    const path = join(dir, 'bill.html');
    await run([
      '--ledger',
      LEDGER,
      '--bill',
      `${FIXTURES}/cur2-hourly.parquet`,
      '--format',
      'html',
      '--out',
      path,
    ]);
    const html = await readFile(path, 'utf8');
    expect(html).toContain(`content="${PAGE_CSP}"`);
    expect(html).toContain('<section id="bill-reconciliation"');
    expect(html).toContain('Generated 2026-12-02T09:00:00Z.');
    expect(html).not.toMatch(/<script/i);
    const hostile = join(dir, 'hostile.csv');
    const csv = await readFile(`${FIXTURES}/focus12-hourly.csv`, 'utf8');
    // The leak's team comes from its tags: the bill's own text, shown on the page.
    const leakTeam = /(i-0fee\d+.*?quartermaster:team"":"")([^"]+)/;
    expect(csv).toMatch(leakTeam);
    await writeFile(
      hostile,
      csv
        .split('\n')
        .map((line) => line.replace(leakTeam, '$1<script>x</script>'))
        .join('\n'),
    );
    const page = await run(['--ledger', LEDGER, '--bill', hostile, '--format', 'html']);
    expect(page.exitCode).toBe(0);
    expect(page.out).toContain('&#60;script&#62;x&#60;/script&#62;');
    expect(page.out).not.toContain('<script>');
  });

  it('exits 2 naming the flag, file, line and column of bad input', async () => {
    const badCost = join(dir, 'bad-cost.csv');
    const csv = (await readFile(`${FIXTURES}/focus12-hourly.csv`, 'utf8')).split('\n');
    const header = (csv[0] ?? '').split(',');
    const at = header.indexOf('EffectiveCost');
    const cells = (csv[3] ?? '').split(',');
    cells[at] = 'n/a';
    csv[3] = cells.join(',');
    await writeFile(badCost, csv.join('\n'));
    const cases: [string[], string][] = [
      [
        ['--ledger', LEDGER, '--bill', badCost],
        `qm reconcile-bill: invalid --bill ${badCost}:4: EffectiveCost: must be a number; got "n/a"`,
      ],
      [
        ['--ledger', LEDGER, '--bill', join(dir, 'nope.csv')],
        `qm reconcile-bill: cannot read --bill ${join(dir, 'nope.csv')}: ENOENT`,
      ],
      [
        ['--ledger', join(dir, 'nope.jsonl'), '--bill', BILL],
        `qm reconcile-bill: cannot read --ledger ${join(dir, 'nope.jsonl')}: ENOENT`,
      ],
      [
        ['--ledger', LEDGER, '--bill', LEDGER],
        `qm reconcile-bill: invalid --bill ${LEDGER}:1: (header): not a CUR 2.0 or FOCUS 1.2 export`,
      ],
      [['--ledger', BILL, '--bill', BILL], `qm reconcile-bill: invalid --ledger ${BILL}:1: (root): not JSON`],
      [
        ['--ledger', LEDGER, '--bill', BILL, '--format', 'pdf'],
        'qm reconcile-bill: --format must be one of table, json, csv, html; got "pdf"',
      ],
      [
        ['--ledger', '-', '--bill', '-'],
        "qm reconcile-bill: only one input can be standard input ('-'); got --ledger and --bill",
      ],
      [
        ['--ledger', LEDGER, '--bill', BILL, '--out', join(dir, 'missing-dir', 'x.txt')],
        'qm reconcile-bill: --out: cannot write',
      ],
    ];
    for (const [args, message] of cases) {
      const { err, exitCode } = await run(args);
      expect(exitCode, args.join(' ')).toBe(2);
      expect(err, args.join(' ')).toContain(message);
    }
  });
});
