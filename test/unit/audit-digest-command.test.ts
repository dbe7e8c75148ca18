import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerAuditCommand } from '../../bin/commands/audit.js';

const EXAMPLE = 'examples/ledger-month.jsonl';
const dir = mkdtempSync(join(tmpdir(), 'qm-digests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `qm audit …` in-process on real files. */
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
  registerAuditCommand(program, {
    write: (s: string) => {
      out += s;
    },
  });
  const exitOverride = (c: Command) => {
    c.exitOverride();
    c.configureOutput({
      writeErr: (s) => {
        err += s;
      },
    });
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

const key = join(dir, 'digest-key.pem');
const pub = join(dir, 'digest-key.pub.pem');
const digests = join(dir, 'digests');

describe('qm audit keygen, digest and verify --digests (embedded mode)', () => {
  it('writes a key pair, two digests of the example month, and verifies the export against them', async () => {
    expect((await run(['audit', 'keygen', '--key', key, '--public-key', pub])).exitCode).toBe(0);
    expect((await run(['audit', 'keygen', '--key', key, '--public-key', pub])).exitCode).toBe(2);
    const first = await run([
      'audit',
      'digest',
      '--ledger',
      EXAMPLE,
      '--key',
      key,
      '--out',
      digests,
      '--at',
      '2026-11-15T00:00:00Z',
    ]);
    expect(first.out).toMatch(
      /^digest 1: .*0000000001-20261115T000000Z\.json: \d+ chain head\(s\) changed in \(the beginning, /,
    );
    const second = await run([
      'audit',
      'digest',
      '--ledger',
      EXAMPLE,
      '--key',
      key,
      '--out',
      digests,
      '--at',
      '2026-12-05T00:00:00Z',
    ]);
    expect(second.out).toContain('digest 2: ');
    const again = await run([
      'audit',
      'digest',
      '--ledger',
      EXAMPLE,
      '--key',
      key,
      '--out',
      digests,
      '--at',
      '2026-12-01T00:00:00Z',
    ]);
    expect(again.exitCode).toBe(2);
    expect(again.err).toContain("is not after the previous digest's end");

    const exported = await run(['audit', 'public-key', '--key', key]);
    expect(exported.out).toBe(readFileSync(pub, 'utf8'));

    const clean = await run([
      'audit',
      'verify',
      '--ledger',
      EXAMPLE,
      '--digests',
      digests,
      '--public-key',
      pub,
    ]);
    expect(clean.exitCode).toBe(0);
    expect(clean.out).toContain('OK: 2 signed digest(s)');
    expect(clean.out).toContain('0 event(s) in no signed interval');
  });

  it('exits 1 naming a job deleted from the export, from the first digest that signed it', async () => {
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
    const jobId = 'vision-0003';
    const deleted = join(dir, 'deleted.jsonl');
    // The job's record, events and usage; the budget chain's events that name it stay.
    writeFileSync(
      deleted,
      lines.filter((l) => !l.includes(`"jobId":"${jobId}"`) || l.includes('"jobId":"budget/')).join('\n'),
    );
    const result = await run([
      'audit',
      'verify',
      '--ledger',
      deleted,
      '--digests',
      digests,
      '--public-key',
      pub,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.out).toMatch(
      new RegExp(`deleted-chain from digest 1 on .*job ${jobId} is not in the export`),
    );
  });

  it('refuses --digests without --public-key, and a public key file that is none', async () => {
    const alone = await run(['audit', 'verify', '--ledger', EXAMPLE, '--digests', digests]);
    expect(alone.exitCode).toBe(2);
    expect(alone.err).toContain('--digests and --public-key go together');
    const bad = await run([
      'audit',
      'verify',
      '--ledger',
      EXAMPLE,
      '--digests',
      digests,
      '--public-key',
      EXAMPLE,
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.err).toContain('not a public key');
  });
});
