/**
 * `qm reconcile-bill` at month scale (`npm run bench:reconcile-bill [-- --jobs N] [-- --ledger FILE]
 * [-- --format cur2|focus12] [-- --seed S]`): a month of 10,000 jobs (month-workload.ts, laid out
 * as usage by bill-month-ledger.ts; or any ledger export with `--ledger`, e.g. one written by
 * `qm simulate --jobs … --ledger-out DIR`), a bill generated for it with leaks, missing lines,
 * spot price moves and Savings Plans and reservation coverage injected (test/support/
 * bill-generator.ts, gzip-compressed CSV), then the command itself in a fresh process as a user
 * runs it, JSON to a file.
 *
 * Prints the bill's size, the command's wall time and peak RSS, and whether it found every
 * injected difference and nothing else. Target: ≤ 30 s for 10,000 jobs. A benchmark, not a test:
 * it prints figures and the target they are judged against, and exits 0 either way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BillReconciliation } from '../../lambdas/core/accounting/bill-reconciliation.js';
import {
  type LedgerUsage,
  ledgerLine,
  ledgerTextLines,
  parseLedgerLines,
} from '../../lambdas/core/ledger/ledger-export.js';
import { type BillInjections, planBill } from '../support/bill-generator.js';
import { writeBillFile } from '../support/bill-writer.js';
import { billMonthLedger } from './bill-month-ledger.js';
import { monthWorkload } from './month-workload.js';

const TARGET_S = 30;
const ROOT = resolve(import.meta.dirname, '../..');

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};

const JOBS = Number(flag('--jobs') ?? 10_000);
const SEED = Number(flag('--seed') ?? 7);
const FORMAT = (flag('--format') ?? 'cur2') as 'cur2' | 'focus12';
const LEDGER = flag('--ledger');
const INJECT: BillInjections = {
  leaks: 25,
  missing: 25,
  spotMoves: 25,
  savingsPlans: 15,
  reservations: 15,
  unmanaged: 10,
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const main = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qm-bench-bill-'));
  let began = performance.now();
  let ledgerPath = LEDGER;
  let source: string;
  if (ledgerPath === undefined) {
    const month = monthWorkload(JOBS, SEED);
    ledgerPath = join(dir, 'ledger.jsonl');
    await writeFile(ledgerPath, `${billMonthLedger(month.jobs).map(ledgerLine).join('\n')}\n`);
    source = `${JOBS} jobs of month-workload.ts (seed ${SEED}) laid out by bill-month-ledger.ts`;
  } else source = ledgerPath;
  const text = ledgerTextLines(await readFile(ledgerPath, 'utf8'));
  const usages: LedgerUsage[] = [];
  const jobs = new Set<string>();
  for await (const r of parseLedgerLines(text, ledgerPath)) {
    if (r.kind === 'usage') usages.push(r);
    if (r.kind === 'job') jobs.add(r.jobId);
  }
  const ledgerS = performance.now() - began;
  began = performance.now();
  const plan = planBill(usages, FORMAT, { seed: SEED, injections: INJECT });
  const billPath = join(dir, `bill.${FORMAT}.csv.gz`);
  await writeBillFile(plan, billPath, 'csv.gz');
  let rows = 0;
  for (const _ of plan.rows()) rows += 1;
  const billS = performance.now() - began;
  const billBytes = (await stat(billPath)).size;
  console.log(
    `bench:reconcile-bill — ledger: ${source}: ${jobs.size} jobs, ${usages.length} usage intervals (${seconds(ledgerS)} to read); ` +
      `bill: ${FORMAT === 'cur2' ? 'CUR 2.0' : 'FOCUS 1.2'} gzip CSV, ${rows.toLocaleString('en-US')} rows, ${(billBytes / 1e6).toFixed(1)} MB compressed, ` +
      `${plan.injected.length} differences injected (${seconds(billS)} to generate); node ${process.version}\n`,
  );

  // The command as a user runs it, in a process of its own so its RSS is its own.
  const out = join(dir, 'reconciliation.json');
  const script = `
    const { performance } = await import('node:perf_hooks');
    const began = performance.now();
    process.argv = ['node', 'qm', 'reconcile-bill', '--ledger', ${JSON.stringify(ledgerPath)}, '--bill', ${JSON.stringify(billPath)}, '--format', 'json', '--out', ${JSON.stringify(out)}];
    process.on('exit', () => process.stderr.write('BENCH ' + JSON.stringify({ wallMs: performance.now() - began, maxRssKb: process.resourceUsage().maxRSS }) + '\\n'));
    await import(${JSON.stringify(join(ROOT, 'bin/qm.ts'))});
  `;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const stats = /BENCH (\{.*\})/.exec(child.stderr ?? '');
  if (child.status !== 0 || stats === null) {
    console.log(`qm reconcile-bill failed (exit ${child.status}):\n${child.stderr}`);
    return;
  }
  const { wallMs, maxRssKb } = JSON.parse(stats[1] as string) as { wallMs: number; maxRssKb: number };
  const report = JSON.parse(await readFile(out, 'utf8')) as BillReconciliation;
  const key = (d: { kind: string; instanceId: string; from: string; to: string }) =>
    `${d.kind} ${d.instanceId} ${d.from} ${d.to}`;
  const found = new Set(report.differences.map(key));
  const wanted = new Set(plan.injected.map(key));
  const missed = [...wanted].filter((k) => !found.has(k));
  const extra = [...found].filter((k) => !wanted.has(k));
  console.log(
    [
      `qm reconcile-bill  wall ${seconds(wallMs)} (target ≤ ${TARGET_S} s: ${wallMs / 1000 <= TARGET_S ? 'met' : 'NOT met'})`,
      `peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`,
      `${report.instanceLines.toLocaleString('en-US')} instance-hour lines`,
      `ledger ${report.totals.ledgerUsd.toFixed(2)} USD, billed ${report.totals.billedUsd.toFixed(2)} USD`,
    ].join('  ·  '),
  );
  console.log(
    missed.length === 0 && extra.length === 0
      ? `found every injected difference (${wanted.size}) and nothing else`
      : `MISMATCH: ${missed.length} injected not found, ${extra.length} found that were not injected\n${[...missed.map((k) => `  missed ${k}`), ...extra.map((k) => `  extra  ${k}`)].slice(0, 20).join('\n')}`,
  );
};

await main();
