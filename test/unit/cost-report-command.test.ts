import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerReportCommand } from '../../bin/commands/report.js';
import { bundledAccelerators } from '../../bin/commands/report-action.js';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import { parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';

const EXAMPLE = readFileSync('examples/ledger-month.jsonl', 'utf8');
const HOSTILE =
  '{"kind":"usage","instanceId":"i-9","jobId":"@job","allocationId":"a","team":"=cmd|calc","project":"+p","region":"us-east-1","availabilityZone":null,"instanceType":"g5.xlarge","purchaseOption":"spot","unitPriceUsdPerHour":0.4,"onDemandPriceUsdPerHour":1.006,"startedAt":"2026-11-01T00:00:00Z","stoppedAt":"2026-11-01T10:00:00Z","interrupted":false}';

/** Runs `qm report` in-process over in-memory files. */
const run = async (args: string[], files: Record<string, string> = { 'ledger.jsonl': EXAMPLE }) => {
  let out = '';
  let err = '';
  const written: Record<string, string> = {};
  const program = new Command('qm').exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  registerReportCommand(program, {
    readLines: async function* (path) {
      const text = files[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      yield* text.split('\n');
    },
    write: (s) => {
      out += s;
    },
    writeLines: async (path, lines) => {
      let text = '';
      for await (const line of lines) text += `${line}\n`;
      written[path] = text;
    },
    now: () => '2026-12-01T00:00:00Z',
    warn: (s) => {
      err += s;
    },
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', 'report', ...args]);
    return { out, err, written, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, written, exitCode: error.exitCode };
    throw error;
  }
};

const NOV = ['--ledger', 'ledger.jsonl', '--from', '2026-11-01', '--to', '2026-11-30'];

describe('qm report', () => {
  it('prints a table per team with a total line', async () => {
    const { out, exitCode } = await run(NOV);
    expect(exitCode).toBe(0);
    expect(out).toMatch(/^Cost report 2026-11-01 to 2026-11-30 \(USD\), by team: 300 jobs/);
    for (const team of ['nlp', 'recsys', 'speech', 'vision'])
      expect(out).toMatch(new RegExp(`^${team}\\s`, 'm'));
    expect(out).toMatch(/^TOTAL\s+28,615\.91\s/m);
  });

  it('prints JSON equal to the core report, for any grouping', async () => {
    for (const groupBy of ['project', 'day', 'gpu-model']) {
      const { out } = await run([...NOV, '--group-by', groupBy, '--format', 'json']);
      const expected = await buildCostReport(parseLedgerLines(EXAMPLE.split('\n')), {
        from: '2026-11-01',
        to: '2026-11-30',
        groupBy: groupBy as 'project',
        acceleratorsOf: bundledAccelerators(),
      });
      expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('gives the same report from the chained events alone (--from-chain), for every grouping', async () => {
    for (const groupBy of ['team', 'project', 'job', 'day', 'month']) {
      const args = [...NOV, '--group-by', groupBy, '--format', 'json'];
      const fromChain = await run([...args, '--from-chain']);
      expect(fromChain.exitCode).toBe(0);
      expect(fromChain.err).toBe('');
      expect(JSON.parse(fromChain.out)).toEqual(JSON.parse((await run(args)).out));
    }
  });

  it('--from-chain ignores the records beside the chains, and says what no chain states', async () => {
    // Halve every usage record's price: the records' report moves, the chain's does not.
    const halved = EXAMPLE.replace(
      /("kind":"usage".*?"unitPriceUsdPerHour":)([\d.]+)/g,
      (_, head, price) => `${head}${Number(price) / 2}`,
    );
    const files = { 'ledger.jsonl': halved };
    const chain = await run([...NOV, '--format', 'json', '--from-chain'], files);
    const records = await run([...NOV, '--format', 'json'], files);
    const clean = JSON.parse((await run([...NOV, '--format', 'json'])).out);
    expect(JSON.parse(chain.out).totals).toEqual(clean.totals);
    expect(JSON.parse(records.out).totals.actualUsd).toBeLessThan(15_000);
    const bare = await run([...NOV, '--from-chain'], { 'ledger.jsonl': HOSTILE });
    expect(bare.exitCode).toBe(0);
    expect(bare.err).toContain('--from-chain left out 0 job, 1 usage and 0 budget record(s) no chain');
    const focus = await run([...NOV, '--from-chain', '--format', 'focus']);
    expect(focus.exitCode).toBe(2);
    expect(focus.err).toContain('--from-chain does not go with --format focus');
  });

  it('writes CSV with formula-looking names escaped', async () => {
    const { out } = await run([...NOV, '--format', 'csv', '--group-by', 'job'], { 'ledger.jsonl': HOSTILE });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(
      'key,team,actualUsd,onDemandEquivalentUsd,savingsUsd,savingsPct,interruptedUsd,spotUsd,onDemandUsd,estimateUsd,estimateAccuracy,instanceHours,gpuHours,usdPerGpuHour,budgetUsd,budgetUsedPct,previousActualUsd,changeUsd,changePct,listUsd,effectiveUsd,committedUsd,committedUnusedUsd',
    );
    expect(lines[1]).toMatch(/^"'@job","'=cmd\|calc",4,10\.06,/);
    expect(lines.at(-1)).toMatch(/^TOTAL,,4,/);
  });

  it('exports FOCUS 1.2 to --out, and names each billing-account flag it needs', async () => {
    expect(await run([...NOV, '--format', 'focus'])).toMatchObject({ exitCode: 2 });
    expect((await run([...NOV, '--format', 'focus'])).err).toContain(
      '--billing-account-id is required with --format focus',
    );
    expect((await run([...NOV, '--format', 'focus', '--billing-account-id', '111122223333'])).err).toContain(
      '--billing-account-name is required',
    );
    const { written, exitCode } = await run([
      ...NOV,
      '--format',
      'focus',
      '--billing-account-id',
      '111122223333',
      '--billing-account-name',
      'Research',
      '--out',
      'focus.csv',
    ]);
    expect(exitCode).toBe(0);
    const lines = (written['focus.csv'] ?? '').trim().split('\n');
    expect(lines[0]?.startsWith('AvailabilityZone,BilledCost,BillingAccountId,')).toBe(true);
    expect(lines.length).toBeGreaterThan(300);
  });

  it('writes the HTML report to --out', async () => {
    const { written } = await run([...NOV, '--format', 'html', '--out', 'report.html']);
    expect(written['report.html']).toMatch(/^<!doctype html>/);
    expect(written['report.html']).toContain('generated 2026-12-01T00:00:00Z');
  });

  it('exits 2 naming the flag for bad flags, missing files and bad lines', async () => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [
        ['--ledger', 'ledger.jsonl', '--from', '2026-11-1', '--to', '2026-11-30'],
        /--from must be a date YYYY-MM-DD; got "2026-11-1"/,
      ],
      [
        ['--ledger', 'ledger.jsonl', '--from', '2026-11-01', '--to', '2026-02-30'],
        /--to: must be a date YYYY-MM-DD; got "2026-02-30"/,
      ],
      [
        ['--ledger', 'ledger.jsonl', '--from', '2026-11-05', '--to', '2026-11-01'],
        /--to: 2026-11-01 is before from 2026-11-05/,
      ],
      [
        [...NOV, '--group-by', 'week'],
        /--group-by must be one of team, project, job, day, month, region, instance-type, gpu-model or tag:KEY; got "week"/,
      ],
      [[...NOV, '--format', 'pdf'], /--format must be one of table, json, csv, focus, html; got "pdf"/],
      [[...NOV, '--top', '0'], /--top must be a whole number from 1 to 100/],
      [
        ['--ledger', 'nope.jsonl', '--from', '2026-11-01', '--to', '2026-11-30'],
        /cannot read --ledger nope\.jsonl: ENOENT/,
      ],
      [
        NOV,
        /invalid --ledger ledger\.jsonl:2: unitPriceUsdPerHour: /,
        {
          'ledger.jsonl': `# x\n${HOSTILE.replace('"unitPriceUsdPerHour":0.4', '"unitPriceUsdPerHour":"0.4"')}`,
        },
      ],
    ];
    for (const [args, message, files] of cases) {
      const { err, exitCode } = await run(args, files);
      expect(exitCode, args.join(' ')).toBe(2);
      expect(err).toMatch(message);
    }
  });

  it('adds the commitments of --commitments to the FOCUS export: an unused row per day, a purchase per day for the Savings Plan, the block once', async () => {
    const files = { 'ledger.jsonl': EXAMPLE, 'c.json': readFileSync('examples/commitments.json', 'utf8') };
    const focus = [
      ...NOV,
      '--format',
      'focus',
      '--billing-account-id',
      '111122223333',
      '--billing-account-name',
      'Payer',
    ];
    const plain = await run(focus, files);
    const { out, exitCode } = await run([...focus, '--commitments', 'c.json'], files);
    expect(exitCode).toBe(0);
    const [header = '', ...lines] = out.trim().split('\n');
    const cols = header.split(',');
    const at = (name: string) => cols.indexOf(name);
    // The example month's jobs drew on none of them: every usage line is as before, then the commitments' rows.
    expect(lines.slice(0, plain.out.trim().split('\n').length - 1).join('\n')).toBe(
      plain.out.trim().split('\n').slice(1).join('\n'),
    );
    const extra = lines.slice(plain.out.trim().split('\n').length - 1).map((l) => l.split(','));
    const resourceIds = extra.map((cells) => cells.find((c) => /^(sp|cr)-/.test(c)));
    // Savings Plan: 30 unused days and 30 purchases; ODCRs: 30 unused days each; the block: 6 days and 1 purchase.
    expect(resourceIds.filter((id) => id === 'sp-0f3c8a1e2b4d6e7f9')).toHaveLength(60);
    expect(resourceIds.filter((id) => id === 'cr-0a1b2c3d4e5f60718')).toHaveLength(30);
    expect(resourceIds.filter((id) => id === 'cr-09f8e7d6c5b4a3921')).toHaveLength(30);
    expect(resourceIds.filter((id) => id === 'cr-0c1d2e3f4a5b6c7d8')).toHaveLength(7);
    expect(at('CommitmentDiscountStatus')).toBeGreaterThan(0);
  });

  it('charges idle commitments to teams in the table with --commitments', async () => {
    const files = { 'ledger.jsonl': EXAMPLE, 'c.json': readFileSync('examples/commitments.json', 'utf8') };
    const { out, exitCode } = await run([...NOV, '--commitments', 'c.json'], files);
    expect(exitCode).toBe(0);
    // The example month drew on none: the ODCR and block bought for nlp are nlp's, the rest unassigned.
    expect(out).toMatch(
      /p4de ODCR, pretraining\s+capacity-reservation\s+79,047\.50\s+0\.00\s+79,047\.50\s+nlp 79,047\.50/,
    );
    expect(out).toMatch(
      /compute SP, G inference\s+savings-plan\s+1,800\.00\s+0\.00\s+1,800\.00\s+unassigned 1,800\.00/,
    );
    const nlp = out.split('\n').find((l) => l.startsWith('nlp '));
    expect(nlp?.trimEnd().endsWith('83,215.95')).toBe(true);
  });

  it('names a bad commitments file, in every format', async () => {
    const files = {
      'ledger.jsonl': EXAMPLE,
      'bad.json': '{"asOf":"2026-11-01","commitments":[{"kind":"x"}]}',
    };
    const table = await run([...NOV, '--commitments', 'bad.json'], files);
    expect(table.exitCode).toBe(2);
    expect(table.err).toContain('invalid --commitments bad.json: commitments[0].kind: must be one of');
    const focus = await run(
      [
        ...NOV,
        '--format',
        'focus',
        '--billing-account-id',
        '1',
        '--billing-account-name',
        'P',
        '--commitments',
        'bad.json',
      ],
      files,
    );
    expect(focus.exitCode).toBe(2);
    expect(focus.err).toContain('invalid --commitments bad.json: commitments[0].kind: must be one of');
  });
});
