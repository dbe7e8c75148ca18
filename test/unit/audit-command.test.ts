import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAuditCommand } from '../../bin/commands/audit.js';
import { registerExplainCommand } from '../../bin/commands/explain.js';

const EXAMPLE = readFileSync('examples/ledger-month.jsonl', 'utf8');
const LINES = EXAMPLE.split('\n');

/** Runs a `qm` command in-process over in-memory files. */
const run = async (args: string[], text = EXAMPLE) => {
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
  const io = {
    readLines: async function* (path: string) {
      if (path !== 'ledger.jsonl')
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      yield* text.split('\n');
    },
    write: (s: string) => {
      out += s;
    },
  };
  registerAuditCommand(program, io);
  registerExplainCommand(program, io);
  const exitOverride = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  exitOverride(program);
  try {
    await program.parseAsync(['node', 'qm', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};

/** 1-based line number and text of the first line matching. */
const find = (pattern: RegExp): { line: number; text: string } => {
  const index = LINES.findIndex((l) => pattern.test(l));
  return { line: index + 1, text: LINES[index] ?? '' };
};
const withLines = (change: (lines: string[]) => void) => {
  const copy = [...LINES];
  change(copy);
  return copy.join('\n');
};

describe('qm audit verify', () => {
  it('prints OK for the untouched example ledger', async () => {
    const { out, exitCode } = await run(['audit', 'verify', '--ledger', 'ledger.jsonl']);
    expect(exitCode).toBe(0);
    expect(out).toBe(
      [
        'OK: 300 job(s), 4 budget(s), 3055 event(s) verified in ledger.jsonl; every chain is intact',
        'records: 300 job, 363 usage and 4 budget record(s) held against their chains',
        '',
      ].join('\n'),
    );
  });

  it('names the job, seq and line of an event whose stored price was changed, and exits 1', async () => {
    const allocated = find(/"kind":"event".*"type":"ALLOCATED"/);
    const jobId = /"jobId":"([^"]+)"/.exec(allocated.text)?.[1];
    const tampered = withLines((l) => {
      l[allocated.line - 1] = allocated.text.replace(
        /"unitPriceUsdPerHour":([\d.]+)/,
        '"unitPriceUsdPerHour":0.01',
      );
    });
    expect(tampered).not.toBe(EXAMPLE);
    const { out, err, exitCode } = await run(['audit', 'verify', '--ledger', 'ledger.jsonl'], tampered);
    expect(exitCode).toBe(1);
    expect(err).toContain('tampering found');
    expect(out).toContain('TAMPERED: 1 of 304 chain(s) fail verification and 0 record(s) disagree');
    expect(out).toContain('not covered: 2 record(s) of chains that fail verification (named above)');
    expect(out).toContain(
      `job "${jobId}": event seq 2 (line ${allocated.line}): altered: ALLOCATED event content hashes to`,
    );
  });

  it('names the missing seq when an event line was deleted', async () => {
    const running = find(/"kind":"event".*"type":"RUNNING"/);
    const jobId = /"jobId":"([^"]+)"/.exec(running.text)?.[1];
    const seq = /"seq":(\d+)/.exec(running.text)?.[1];
    const { out, exitCode } = await run(
      ['audit', 'verify', '--ledger', 'ledger.jsonl'],
      withLines((l) => l.splice(running.line - 1, 1)),
    );
    expect(exitCode).toBe(1);
    expect(out).toContain(
      `job "${jobId}": event seq ${seq} (line ${running.line}): missing-seq: event seq ${seq} is missing`,
    );
  });

  it('names the first out-of-place event when two lines were swapped', async () => {
    const provisioning = find(/"kind":"event".*"type":"PROVISIONING"/);
    const { out, exitCode } = await run(
      ['audit', 'verify', '--ledger', 'ledger.jsonl'],
      withLines((l) => {
        const i = provisioning.line - 1;
        [l[i], l[i + 1]] = [l[i + 1] ?? '', l[i] ?? ''];
      }),
    );
    expect(exitCode).toBe(1);
    expect(out).toContain(`event seq 4 (line ${provisioning.line}): reordered:`);
  });

  it('names a usage record whose price was halved and a budget whose limit was raised, and exits 1', async () => {
    const usage = find(/"kind":"usage"/);
    const instanceId = /"instanceId":"([^"]+)"/.exec(usage.text)?.[1];
    const budget = find(/"kind":"budget","team":"nlp"/);
    const tampered = withLines((l) => {
      l[usage.line - 1] = usage.text.replace(
        /"unitPriceUsdPerHour":([\d.]+)/,
        (_, price) => `"unitPriceUsdPerHour":${Number(price) / 2}`,
      );
      l[budget.line - 1] = budget.text.replace('"limitUsd":9000', '"limitUsd":18000');
    });
    const { out, err, exitCode } = await run(['audit', 'verify', '--ledger', 'ledger.jsonl'], tampered);
    expect(exitCode).toBe(1);
    expect(err).toContain('tampering found');
    expect(out).toContain('TAMPERED: 0 of 304 chain(s) fail verification and 2 record(s) disagree');
    expect(out).toMatch(
      new RegExp(
        `usage "${instanceId}" \\(line ${usage.line}\\): unitPriceUsdPerHour: disagrees: .* \\[job "[^"]+" event seq \\d+ \\(line \\d+\\)\\]`,
      ),
    );
    expect(out).toMatch(
      new RegExp(
        `budget nlp/2026-11 \\(line ${budget.line}\\): limitUsd: disagrees: limitUsd is 18000; the chain states 9000 after its last change \\[budget nlp/2026-11 event seq \\d+ \\(line \\d+\\)\\]`,
      ),
    );
  });

  it('verifies one job with --job, and exits 2 for a job the ledger does not hold', async () => {
    const ok = await run(['audit', 'verify', '--ledger', 'ledger.jsonl', '--job', 'nlp-0004']);
    expect(ok.out).toBe(
      [
        'OK: 1 job(s), 0 budget(s), 7 event(s) verified in ledger.jsonl; every chain is intact',
        'records: 1 job, 1 usage and 0 budget record(s) held against their chains',
        '',
      ].join('\n'),
    );
    const missing = await run(['audit', 'verify', '--ledger', 'ledger.jsonl', '--job', 'nope']);
    expect(missing.exitCode).toBe(2);
    expect(missing.err).toContain('--job nope: no such job in ledger.jsonl');
  });

  it('limits the audit to jobs with events in --from … --to, and names a bad date flag', async () => {
    const { out } = await run([
      'audit',
      'verify',
      '--ledger',
      'ledger.jsonl',
      '--from',
      '2026-11-29',
      '--to',
      '2026-11-30',
    ]);
    const jobs = Number(/OK: (\d+) job/.exec(out)?.[1]);
    expect(jobs).toBeGreaterThan(0);
    expect(jobs).toBeLessThan(300);
    const bad = await run(['audit', 'verify', '--ledger', 'ledger.jsonl', '--from', 'yesterday']);
    expect(bad.exitCode).toBe(2);
    expect(bad.err).toContain('--from must be a date YYYY-MM-DD; got "yesterday"');
  });
});

describe('qm explain', () => {
  it('prints the candidates and prices considered, the choice, the binding constraint and the price book', async () => {
    const { out, exitCode } = await run(['explain', 'nlp-0004', '--ledger', 'ledger.jsonl']);
    expect(exitCode).toBe(0);
    expect(out).toContain('Job nlp-0004  team nlp');
    expect(out).toMatch(/price book static-[0-9a-f]+, prices as of 2026-07-20/);
    expect(out).toMatch(/\d+ candidates considered; the 5 cheapest:/);
    expect(out).toMatch(/→ {2}g4dn\.xlarge/);
    expect(out).toContain('chosen: g4dn.xlarge on-demand in us-east-1 at $0.5260/h');
    expect(out).toContain('binding constraint: none');
  });

  it('prints every decision of a job that was re-queued after an interruption', async () => {
    const requeued = /"jobId":"([^"]+)"/.exec(find(/"type":"REQUEUED"/).text)?.[1] ?? '';
    const { out } = await run(['explain', requeued, '--ledger', 'ledger.jsonl', '--format', 'json']);
    const explanation = JSON.parse(out);
    expect(explanation.decisions.length).toBeGreaterThanOrEqual(2);
    expect(explanation.decisions[1].allocationId).toBe(`${requeued}-a2`);
  });

  it('exits 2 for a job the ledger does not hold', async () => {
    const { exitCode, err } = await run(['explain', 'ghost', '--ledger', 'ledger.jsonl']);
    expect(exitCode).toBe(2);
    expect(err).toContain('job "ghost" is not in --ledger ledger.jsonl');
  });
});
