/**
 * The deployment twin at month scale (`npm run bench:simulate [-- --jobs N] [-- --policies a,b]
 * [-- --idle-solve-skip-minutes M] [-- --seed S] [-- --progress]`): a generated month of submissions
 * (month-workload.ts, 30 days, default 10,000 jobs, seed 7) replayed by `qm simulate --jobs` as the
 * command runs it (bin/commands/simulate-jobs.ts: bundled price book and spot traces, HiGHS, the
 * workload's quotas and budgets, a solve every minute), the inputs handed over in memory instead
 * of as files. Default policy `quartermaster`; a second policy named with `--policies` is printed
 * beside it with the ratios between the two.
 *
 * Prints, per policy: wall time, jobs per second of wall time, solves per simulated day, simulated
 * days and how the run ended; and the process's peak RSS. Target for 10,000 jobs on a 2-core
 * machine: ≤ 10 min wall and ≤ 2 GB peak RSS. A benchmark, not a test: it prints figures and the
 * targets they are judged against, and exits 0 either way.
 */
import { Command } from 'commander';
import { runSimulateJobs } from '../../bin/commands/simulate-jobs.js';
import type { SpotPolicyName } from '../../lambdas/core/spot/spot-policy.js';
import { monthWorkload } from './month-workload.js';

const WALL_TARGET_S = 600;
const RSS_TARGET_MB = 2048;
const TARGET_JOBS = 10_000;

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const JOBS = Number(flag('--jobs') ?? TARGET_JOBS);
const SEED = Number(flag('--seed') ?? 7);
const IDLE_SKIP = flag('--idle-solve-skip-minutes') ?? '0';
const PROGRESS = process.argv.includes('--progress');
const POLICIES = (flag('--policies') ?? 'quartermaster').split(',') as SpotPolicyName[];

interface PolicyFigures {
  readonly policy: string;
  readonly wallS: number;
  readonly solves: number;
  readonly solvesPerSimulatedDay: number;
  readonly simulatedDays: number;
  readonly stoppedBy: string;
  readonly jobsFinished: number;
  readonly jobsUnfinished: number;
  readonly handlerErrors: number;
  readonly totalCostUsd: number;
}

const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** One policy through `qm simulate --jobs`, the files read from memory; its JSON report's figures. */
const simulate = async (files: ReadonlyMap<string, string>, start: string, policy: SpotPolicyName) => {
  let report = '';
  const command = new Command('simulate').configureOutput({
    writeOut: (text) => {
      report += text;
    },
    writeErr: (text) => process.stderr.write(text),
  });
  const began = performance.now();
  await runSimulateJobs(
    command,
    {
      jobs: 'jobs.jsonl',
      quotas: 'quotas.json',
      budgets: 'budgets.json',
      policies: [policy],
      start,
      solveMinutes: '1',
      idleSolveSkipMinutes: IDLE_SKIP,
      format: 'json',
    },
    {
      readText: async (path) => {
        const text = files.get(path);
        if (text === undefined) throw new Error(`no such input ${path}`);
        return text;
      },
      // The command's progress line (jobs ended so far) on stderr, when asked for.
      stderrIsTty: PROGRESS,
      stdoutIsTty: true,
    },
    (message) => {
      throw new Error(message);
    },
  );
  const wallS = (performance.now() - began) / 1000;
  const parsed = JSON.parse(report) as { policies: Omit<PolicyFigures, 'wallS'>[] };
  const figures = parsed.policies[0];
  if (figures === undefined) throw new Error(`no figures for ${policy}`);
  return { ...figures, wallS } satisfies PolicyFigures;
};

const main = async () => {
  const month = monthWorkload(JOBS, SEED);
  const quotas = {
    asOf: new Date(month.startMs).toISOString().slice(0, 10),
    description: `generated for ${JOBS} jobs (seed ${SEED})`,
    defaultVcpus: month.quotas.defaultVcpus,
    quotas: [...month.quotas.limits].map(([key, vcpus]) => {
      const [region, cls] = key.split('|');
      return { region, class: cls, vcpus };
    }),
  };
  const files = new Map([
    ['jobs.jsonl', `${month.jobs.map((j) => JSON.stringify(j)).join('\n')}\n`],
    ['quotas.json', JSON.stringify(quotas)],
    ['budgets.json', JSON.stringify(month.budgets)],
  ]);
  const start = new Date(month.startMs).toISOString();
  console.log(
    `bench:simulate — qm simulate --jobs, ${JOBS} jobs over ${month.days} days (month-workload.ts, seed ${SEED}) ` +
      `from ${start}; options: --solve-minutes 1 --idle-solve-skip-minutes ${IDLE_SKIP}, bundled price book ` +
      `and spot traces, generated quotas and budgets; node ${process.version}\n`,
  );
  const results: PolicyFigures[] = [];
  for (const policy of POLICIES) {
    const r = await simulate(files, start, policy);
    results.push(r);
    console.log(
      [
        `${r.policy.padEnd(14)}`,
        `wall ${r.wallS.toFixed(1).padStart(7)} s`,
        `${(JOBS / r.wallS).toFixed(1).padStart(7)} jobs/s`,
        `${r.solvesPerSimulatedDay.toFixed(1).padStart(7)} solves/simulated day`,
        `(${r.solves} solves over ${r.simulatedDays.toFixed(2)} days, ${r.stoppedBy})`,
        `finished ${r.jobsFinished}/${r.jobsFinished + r.jobsUnfinished}`,
        `cost ${r.totalCostUsd.toFixed(2)} USD`,
        `${r.handlerErrors} handler errors`,
        `peak RSS so far ${peakRssMb().toFixed(0)} MB`,
      ].join('  '),
    );
  }
  const [first, second] = results;
  if (first !== undefined && second !== undefined)
    console.log(
      `\n${second.policy} / ${first.policy}: wall ${(second.wallS / first.wallS).toFixed(2)}×, ` +
        `solves/simulated day ${(second.solvesPerSimulatedDay / first.solvesPerSimulatedDay).toFixed(2)}×, ` +
        `cost ${(second.totalCostUsd / first.totalCostUsd).toFixed(3)}×`,
    );
  const rss = peakRssMb();
  console.log(`\npeak RSS ${rss.toFixed(0)} MB`);
  if (first !== undefined) {
    const scale = JOBS === TARGET_JOBS ? '' : ` (this run: ${JOBS} jobs; the target is for ${TARGET_JOBS})`;
    console.log(
      `target: ${first.policy} ≤ ${WALL_TARGET_S} s wall and ≤ ${RSS_TARGET_MB} MB peak RSS${scale}: ` +
        `${first.wallS <= WALL_TARGET_S && rss <= RSS_TARGET_MB ? 'met' : 'missed'}`,
    );
  }
};

await main();
