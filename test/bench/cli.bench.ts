/**
 * CLI start-up and scale (`npm run bench:cli [-- --runs N]`): wall time of the built `qm`
 * (dist/bin/qm.js, rebuilt first with `npm run build:js`), each run a fresh process, side by side in
 * one run with `node -e 0`, the floor every Node.js CLI pays:
 *
 * - `qm --help`: commander and the command table only (every action loads on use); target ≤ 4×
 *   `node -e 0`.
 * - a 100-job `qm plan` on the bundled price book: start-up, the solver's WebAssembly, the plan;
 *   target ≤ 15× `node -e 0`.
 * - a 10,000-job `qm plan`: the 10,000 / 100 ratio says how much of a small plan is start-up.
 *
 * The jobs, quotas and budgets are the planner bench's synthetic workload (synthetic-jobs.ts,
 * seed 42), written as the files `qm plan` reads. Median of N runs (default 5), the commands
 * interleaved so that a change in machine load hits each of them alike. A benchmark, not a test:
 * it prints figures and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYNTHETIC_NOW_MS, syntheticWorkload } from './synthetic-jobs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, '.tmp', 'bench-cli');
const QM = join(ROOT, 'dist', 'bin', 'qm.js');
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const HELP_TARGET = 4;
const PLAN_TARGET = 15;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** A synthetic workload as the three files `qm plan` reads; returns the flags naming them. */
const writeWorkload = (count: number): string[] => {
  const w = syntheticWorkload(count);
  const dir = join(OUT, String(count));
  mkdirSync(dir, { recursive: true });
  const jobs = join(dir, 'jobs.jsonl');
  writeFileSync(jobs, `${w.jobs.map((job) => JSON.stringify(job)).join('\n')}\n`);
  const quotas = join(dir, 'quotas.json');
  writeFileSync(
    quotas,
    JSON.stringify({
      asOf: '2026-11-01',
      description: `synthetic workload of ${count} jobs (test/bench/synthetic-jobs.ts)`,
      defaultVcpus: null,
      quotas: [...w.quotas].map(([key, vcpus]) => {
        const [region, quotaClass] = key.split('|');
        return { region, class: quotaClass, vcpus };
      }),
    }),
  );
  const budgets = join(dir, 'budgets.json');
  writeFileSync(
    budgets,
    JSON.stringify({
      period: new Date(w.nowMs).toISOString().slice(0, 7),
      currency: 'USD',
      teams: [...w.teams].map(([team, terms]) => ({
        team,
        weight: terms.weight,
        monthlyUsd: Number.isFinite(terms.remainingUsd) ? terms.remainingUsd : null,
        spentUsd: 0,
        reservedUsd: 0,
      })),
    }),
  );
  return [
    'plan',
    '--jobs',
    jobs,
    '--quotas',
    quotas,
    '--budgets',
    budgets,
    '--now',
    new Date(SYNTHETIC_NOW_MS).toISOString(),
    '--format',
    'json',
  ];
};

/** Wall milliseconds of one fresh `node …` process; fails loudly if the command does. */
const wallMs = (args: readonly string[]): number => {
  const start = performance.now();
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const ms = performance.now() - start;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}:\n${child.stderr}`);
  return ms;
};

const main = () => {
  const built = spawnSync('npm', ['run', '--silent', 'build:js'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build:js failed:\n${built.stdout}${built.stderr}`);
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['qm --help', [QM, '--help']],
    ['qm plan, 100 jobs', [QM, ...writeWorkload(100)]],
    ['qm plan, 10,000 jobs', [QM, ...writeWorkload(10_000)]],
  ];
  const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let run = 0; run < RUNS; run++)
    for (const [name, args] of cases) samples.get(name)?.push(wallMs(args));
  const med = (name: string) => median(samples.get(name) ?? []);
  const floor = med('node -e 0');
  console.log(
    `bench:cli — built qm (dist/bin/qm.js), node ${process.version}, median of ${RUNS} fresh processes\n`,
  );
  for (const [name] of cases)
    console.log(
      `${name.padEnd(22)} ${med(name).toFixed(0).padStart(7)} ms  ${(med(name) / floor).toFixed(1)}× node -e 0`,
    );
  const help = med('qm --help') / floor;
  const plan = med('qm plan, 100 jobs') / floor;
  console.log('');
  console.log(
    `qm --help / node -e 0          ${help.toFixed(1)}× (target ≤ ${HELP_TARGET}×: ${help <= HELP_TARGET ? 'met' : 'missed'})`,
  );
  console.log(
    `100-job plan / node -e 0       ${plan.toFixed(1)}× (target ≤ ${PLAN_TARGET}×: ${plan <= PLAN_TARGET ? 'met' : 'missed'})`,
  );
  console.log(
    `10,000-job plan / 100-job plan ${(med('qm plan, 10,000 jobs') / med('qm plan, 100 jobs')).toFixed(1)}×`,
  );
};

main();
