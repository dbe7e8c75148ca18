/**
 * Planner scale and quality benchmark (`npm run bench:solver`): synthetic batches of 100 to
 * 100,000 jobs against the whole bundled price book (all regions, AZs, spot and on-demand) with
 * quotas and budgets that bind. Each measurement runs in its own child process so peak RSS is the
 * planner's own. Prints a table; it is not a timed test.
 *
 * Flags: --sizes 100,1000,5000,10000,100000   --naive-cap-seconds 120   --naive-max 10000   --exact-max 10000
 *        --per-job naive,naive-fixed,naive-all (which per-job references to run)
 *        --per-job-warm-max-seconds 30 (a per-job model whose first plan took longer is not run twice)
 *        --repeat 1 (fresh processes per variant and size; the one with the median first plan is shown)
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import { groupJobClasses } from '../../lambdas/core/planning/job-classes.js';
import type { Plan } from '../../lambdas/core/planning/plan.js';
import type { PlanInput } from '../../lambdas/core/planning/plan-input.js';
import { solvePlan } from '../../lambdas/core/planning/solve-plan.js';
import { solvePlanPerJob } from './naive-model.js';
import { syntheticWorkload } from './synthetic-jobs.js';

/**
 * `naive`: the per-job model of the exact path's rule (a lower tier may swap which jobs of a
 * settled tier run); `naive-fixed`: the per-job model with every admitted job kept, the rule of
 * the heuristic path that plans the large batches; `naive-all`: as `naive-fixed` without dropping
 * dominated offers, the plain per-job assignment model (a column per job and feasible offer).
 * All three drop nothing else and use the same pricing.
 */
type Variant = 'aggregated' | 'exact' | 'naive' | 'naive-fixed' | 'naive-all';
const PER_JOB: readonly Variant[] = ['naive', 'naive-fixed', 'naive-all'];
const PER_JOB_NAMES: Readonly<Record<string, string>> = {
  naive: 'per-job model with tier swaps (naive)',
  'naive-fixed': 'per-job model with admitted jobs kept (naive-fixed)',
  'naive-all': 'plain per-job model: admitted jobs kept, a column for every feasible offer (naive-all)',
};

interface Measurement {
  readonly variant: Variant;
  readonly size: number;
  readonly classes: number;
  readonly signatures: number;
  readonly method: string;
  readonly status: string;
  /** Loading the engine (WebAssembly, with its warm-up) and the price book, before the first plan. */
  readonly loadWallMs: number;
  readonly loadCpuMs: number;
  readonly firstWallMs: number;
  readonly firstCpuMs: number;
  readonly secondWallMs: number | null;
  readonly secondCpuMs: number | null;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly costUsd: number;
  readonly lowerBoundUsd: number;
  readonly gapPct: number;
  readonly admitted: number;
  readonly admittedByTier: Record<string, number>;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Child side: one variant at one size; prints one JSON line. */
const measure = async (variant: Variant, size: number, warmMaxMs: number): Promise<void> => {
  const w = syntheticWorkload(size);
  const loadCpu0 = process.cpuUsage();
  const loadT0 = performance.now();
  const solver = await HighsMilpSolver.create();
  const priceBook = loadStaticPriceBook();
  const loadCpu = process.cpuUsage(loadCpu0);
  const loadWallMs = performance.now() - loadT0;
  const input: PlanInput = {
    jobs: w.jobs,
    priceBook,
    quotaLimit: w.quotaLimit,
    teams: w.teams,
    nowMs: w.nowMs,
    ...(variant === 'exact' ? { exactColumnLimit: Number.MAX_SAFE_INTEGER } : {}),
  };
  const plan = (): Plan =>
    variant === 'naive'
      ? solvePlanPerJob(input, solver)
      : variant === 'naive-fixed'
        ? solvePlanPerJob(input, solver, { tierSwaps: false })
        : variant === 'naive-all'
          ? solvePlanPerJob(input, solver, { tierSwaps: false, prune: false })
          : solvePlan(input, solver);
  const baselineRssMb = mb(process.memoryUsage().rss);
  const timed = () => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = plan();
    const cpu = process.cpuUsage(cpu0);
    return { result, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const first = timed();
  const p = first.result;
  const admittedByTier: Record<string, number> = {};
  for (const a of p.allocations) admittedByTier[a.priority] = (admittedByTier[a.priority] ?? 0) + 1;
  // Peak resident set of this process, from the kernel: nothing between samples is missed.
  const peakRss = () => Math.round(process.resourceUsage().maxRSS / 1024);
  const out: Measurement = {
    variant,
    size,
    classes: groupJobClasses(w.jobs).length,
    signatures: w.signatures,
    method: p.solver.method,
    status: p.solver.status,
    loadWallMs,
    loadCpuMs: (loadCpu.user + loadCpu.system) / 1000,
    firstWallMs: first.wallMs,
    firstCpuMs: first.cpuMs,
    secondWallMs: null,
    secondCpuMs: null,
    baselineRssMb,
    peakRssMb: peakRss(),
    costUsd: p.totals.expectedCostUsd,
    lowerBoundUsd: p.totals.lowerBoundUsd,
    gapPct: p.totals.gapPct,
    admitted: p.allocations.length,
    admittedByTier,
  };
  // Written now so that a time cap hit by the second plan does not lose the first.
  process.stdout.write(`${JSON.stringify(out)}\n`);
  // The second plan runs with the engine and the JIT warm, as in a Lambda that re-plans every
  // minute. Per-job models are slow; they plan a second time only when the first was quick enough.
  if (PER_JOB.includes(variant) && first.wallMs > warmMaxMs) return;
  const second = timed();
  process.stdout.write(
    `${JSON.stringify({ ...out, secondWallMs: second.wallMs, secondCpuMs: second.cpuMs, peakRssMb: peakRss() })}\n`,
  );
};

/** Parent side: runs a child with a wall-clock cap; `null` with the reason when it did not finish. */
const runChild = (
  variant: Variant,
  size: number,
  capSeconds: number,
  warmMaxSeconds: number,
): Promise<Measurement | string> =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--child',
        variant,
        String(size),
        String(warmMaxSeconds * 1000),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), capSeconds * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      // Killed during the warm second plan: the first plan's line stands.
      if (signal === 'SIGKILL')
        return resolve(
          line.startsWith('{') ? (JSON.parse(line) as Measurement) : `skipped: exceeded ${capSeconds} s`,
        );
      if (code !== 0 || !line.startsWith('{'))
        return resolve(`failed: exit ${code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      resolve(JSON.parse(line) as Measurement);
    });
  });

const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

const fmt = (v: number | null, digits = 0) =>
  v === null
    ? ''
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pad = (cells: readonly string[], widths: readonly number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');

const main = async (): Promise<void> => {
  if (process.argv.includes('--child')) {
    const i = process.argv.indexOf('--child');
    await measure(process.argv[i + 1] as Variant, Number(process.argv[i + 2]), Number(process.argv[i + 3]));
    return;
  }
  const sizes = flag('--sizes', '100,1000,5000,10000,100000').split(',').map(Number);
  const naiveCap = Number(flag('--naive-cap-seconds', '120'));
  const naiveMax = Number(flag('--naive-max', '10000'));
  const exactMax = Number(flag('--exact-max', '10000'));
  const warmMax = Number(flag('--per-job-warm-max-seconds', '30'));
  const repeat = Number(flag('--repeat', '1'));
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a positive integer, got ${repeat}`);
  // Wall times of fresh processes vary by tens of percent here; the median of several damps that.
  const median = async (variant: Variant, size: number, cap: number): Promise<Measurement | string> => {
    const runs: Measurement[] = [];
    for (let i = 0; i < repeat; i++) {
      const m = await runChild(variant, size, cap, warmMax);
      if (typeof m === 'string') return m;
      runs.push(m);
    }
    runs.sort((a, b) => a.firstWallMs - b.firstWallMs);
    return runs[Math.floor((runs.length - 1) / 2)] as Measurement;
  };
  const perJob = flag('--per-job', PER_JOB.join(','))
    .split(',')
    .map((v) => {
      if (!PER_JOB.includes(v as Variant))
        throw new Error(
          `--per-job: unknown variant ${JSON.stringify(v)}; expected some of ${PER_JOB.join(', ')}`,
        );
      return v as Variant;
    });
  const load0 = loadavg();
  process.stdout.write(
    `Planner benchmark: synthetic batches (seed 42, about size/10 distinct requirement signatures), bundled price book (${loadStaticPriceBook().offers.length} offers), node ${process.version}\n`,
  );
  process.stdout.write(`load average at start: ${load0.map((l) => l.toFixed(2)).join(' ')}\n\n`);
  const rows: Array<{ size: number; variant: Variant; m: Measurement | string }> = [];
  const gaveUp = new Map<Variant, string>();
  for (const size of sizes) {
    rows.push({ size, variant: 'aggregated', m: await median('aggregated', size, 600) });
    if (size <= exactMax) rows.push({ size, variant: 'exact', m: await median('exact', size, 600) });
    for (const variant of perJob) {
      const earlier = gaveUp.get(variant);
      if (earlier !== undefined) rows.push({ size, variant, m: `skipped: ${earlier}` });
      else if (size > naiveMax) rows.push({ size, variant, m: `skipped: above --naive-max ${naiveMax}` });
      else {
        const m = await median(variant, size, naiveCap);
        if (typeof m === 'string')
          gaveUp.set(variant, `a smaller size already ${m.replace('skipped: ', '')}`);
        rows.push({ size, variant, m });
      }
    }
    const last = rows.filter((r) => r.size === size);
    for (const r of last)
      process.stderr.write(
        `  ${size} ${r.variant}: ${typeof r.m === 'string' ? r.m : `${fmt(r.m.firstWallMs)} ms`}\n`,
      );
  }

  const widths = [11, 8, 8, 20, 18, 10, 10, 10, 10, 10, 10, 9, 9, 15, 9, 24, 0];
  const header = [
    'variant',
    'jobs',
    'classes',
    'path',
    'status',
    'load wall',
    'load cpu',
    'wall ms',
    'cpu ms',
    'warm wall',
    'warm cpu',
    'base MB',
    'peak MB',
    'cost USD',
    'gap %',
    'admitted by tier',
  ];
  process.stdout.write(`${pad(header, widths)}\n`);
  for (const { size, variant, m } of rows) {
    if (typeof m === 'string') {
      process.stdout.write(`${pad([variant, fmt(size), '', `n/a (${m})`], widths)}\n`);
      continue;
    }
    const path = m.status.startsWith('heuristic')
      ? 'heuristic'
      : PER_JOB.includes(variant)
        ? 'per-job MILP'
        : 'exact MILP';
    // A time limit means the engine stopped before proving optimality: that model did not solve.
    const status = m.status.includes('time-limit') ? 'time-limit' : 'optimal';
    const tiers = Object.entries(m.admittedByTier)
      .sort(([a], [b]) => Number(b) - Number(a))
      .map(([t, n]) => `${t}:${n}`)
      .join(' ');
    process.stdout.write(
      `${pad(
        [
          variant,
          fmt(size),
          fmt(m.classes),
          path,
          status,
          fmt(m.loadWallMs),
          fmt(m.loadCpuMs),
          fmt(m.firstWallMs),
          fmt(m.firstCpuMs),
          fmt(m.secondWallMs),
          fmt(m.secondCpuMs),
          fmt(m.baselineRssMb),
          fmt(m.peakRssMb),
          fmt(m.costUsd, 2),
          fmt(m.gapPct, 4),
          `${tiers} (${m.admitted})`,
        ],
        widths,
      )}\n`,
    );
  }

  for (const variant of perJob) {
    process.stdout.write(
      `\nSpeed-up of the default planner over the ${PER_JOB_NAMES[variant]} (first plan in a fresh process${repeat > 1 ? `, median of ${repeat}` : ''}):\n`,
    );
    for (const size of sizes) speedUpLine(rows, size, variant);
  }
  const load1 = loadavg();
  process.stdout.write(
    `\nload average at end: ${load1.map((l) => l.toFixed(2)).join(' ')} (wall times on a shared machine grow with load; cpu ms is this process's own time)\n`,
  );
};

const speedUpLine = (
  rows: ReadonlyArray<{ size: number; variant: Variant; m: Measurement | string }>,
  size: number,
  variant: Variant,
): void => {
  {
    const agg = rows.find((r) => r.size === size && r.variant === 'aggregated')?.m;
    const naive = rows.find((r) => r.size === size && r.variant === variant)?.m;
    if (typeof agg !== 'object') return;
    if (typeof naive !== 'object') {
      process.stdout.write(`  ${fmt(size)} jobs: n/a (per-job model ${naive ?? 'not run'})\n`);
      return;
    }
    const sameTiers = JSON.stringify(agg.admittedByTier) === JSON.stringify(naive.admittedByTier);
    const solved = naive.status.includes('time-limit')
      ? '; per-job model stopped at its time limit (not solved)'
      : '';
    // Both warm (second plan in the same process), as in a Lambda that re-plans every minute.
    const warm =
      naive.secondWallMs !== null && agg.secondWallMs !== null
        ? `; warm, second plan on both sides: ${(naive.secondWallMs / agg.secondWallMs).toFixed(1)}x wall`
        : '';
    process.stdout.write(
      `  ${fmt(size)} jobs: ${(naive.firstWallMs / agg.firstWallMs).toFixed(1)}x wall, ${(naive.firstCpuMs / agg.firstCpuMs).toFixed(1)}x cpu (load included on both sides: ${((naive.firstWallMs + naive.loadWallMs) / (agg.firstWallMs + agg.loadWallMs)).toFixed(1)}x wall, ${((naive.firstCpuMs + naive.loadCpuMs) / (agg.firstCpuMs + agg.loadCpuMs)).toFixed(1)}x cpu); cost ${fmt(agg.costUsd, 2)} vs ${fmt(naive.costUsd, 2)} USD; admitted per tier ${sameTiers ? 'identical' : 'differs'}${solved}${warm}\n`,
    );
  }
};

await main();
