import type { Command } from 'commander';
import type { SingleJobAverage, SingleJobParams } from '../../lambdas/core/spot/single-job-simulation.js';
import {
  isSpotPolicyName,
  SPOT_POLICY_NAMES,
  type SpotPolicyName,
  spotPolicyByName,
} from '../../lambdas/core/spot/spot-policy.js';
import type { SpotTrace } from '../../lambdas/core/spot/spot-trace.js';
import type { SimulateJobsIo } from './simulate-jobs.js';

/** What the command needs from the process; tests pass their own. */
export interface SimulateCommandIo extends SimulateJobsIo {
  /** Reads a trace file. @default readSpotTraceFile */
  readonly readTrace?: (path: string) => Promise<SpotTrace>;
  /** @default process.stderr.isTTY */
  readonly stderrIsTty?: boolean;
  /** @default process.stdout.isTTY */
  readonly stdoutIsTty?: boolean;
  /** Milliseconds from an arbitrary origin, to tell a long run. @default performance.now */
  readonly now?: () => number;
}

interface RawOptions {
  spotTrace?: string;
  workHours: string;
  deadlineHours: string;
  changeoverHours: string;
  priceRatio: string;
  policy: string;
  starts: string;
  format: string;
  jobs?: string;
  quotas?: string;
  budgets?: string;
  spotTraces?: string[];
  start?: string;
  solveMinutes: string;
  idleSolveSkipMinutes: string;
  spotMarket: string;
  priceRefresh?: boolean;
  faults?: string;
  faultSeed?: string;
  out?: string;
  ledgerOut?: string;
  commitments?: string;
  preemption?: string;
}

/** Flags that only the jobs mode reads, as commander names them, with their spelling. */
const JOBS_ONLY_FLAGS = [
  ['quotas', '--quotas'],
  ['budgets', '--budgets'],
  ['spotTraces', '--spot-traces'],
  ['start', '--start'],
  ['solveMinutes', '--solve-minutes'],
  ['idleSolveSkipMinutes', '--idle-solve-skip-minutes'],
  ['spotMarket', '--spot-market'],
  ['priceRefresh', '--price-refresh'],
  ['faults', '--faults'],
  ['faultSeed', '--fault-seed'],
  ['commitments', '--commitments'],
  ['preemption', '--preemption'],
  ['out', '--out'],
  ['ledgerOut', '--ledger-out'],
] as const;

/** Flags that only the single-job mode reads. */
const SINGLE_JOB_FLAGS = [
  ['spotTrace', '--spot-trace'],
  ['workHours', '--work-hours'],
  ['deadlineHours', '--deadline-hours'],
  ['changeoverHours', '--changeover-hours'],
  ['priceRatio', '--price-ratio'],
  ['starts', '--starts'],
] as const;

const FORMATS = ['table', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** Progress is only worth drawing once a run has taken this long. */
const PROGRESS_AFTER_MS = 300;

/** Exit code for bad command-line input, distinct from commander's generic 1. */
const USAGE_EXIT_CODE = 2;

function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: USAGE_EXIT_CODE, code: 'qm.invalidOption' });
  // command.error exits or, under exitOverride, throws; this line is never reached.
  throw new Error(message);
}

const parseNumber = (
  command: Command,
  flag: string,
  raw: string,
  check: (value: number) => boolean,
  expected: string,
): number => {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || !check(value)) {
    usageError(command, `${flag} must be ${expected}, got "${raw}"`);
  }
  return value;
};

/** Saving relative to on-demand, without the "-0.0 %" that rounding a tiny negative gives. */
const formatSaving = (cost: number, onDemandCost: number): string => {
  const percent = (1 - cost / onDemandCost) * 100;
  return `${(Math.abs(percent) < 0.05 ? 0 : percent).toFixed(1)} %`;
};

const formatTable = (
  results: readonly SingleJobAverage[],
  header: string,
  onDemandCost: number | undefined,
): string => {
  const rows = results.map((r) => [
    r.policy,
    r.cost.toFixed(2),
    r.onDemandHours.toFixed(2),
    r.spotHours.toFixed(2),
    r.changeovers.toFixed(2),
    `${r.missedDeadlines}/${r.starts}`,
    onDemandCost === undefined ? '-' : formatSaving(r.cost, onDemandCost),
  ]);
  const titles = ['policy', 'cost', 'on-demand h', 'spot h', 'changeovers', 'missed', 'saving'];
  const widths = titles.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [
    header,
    line(titles),
    ...rows.map(line),
    'cost in spot-hour units (spot = 1/h, on-demand = price ratio/h), averaged over start times;',
    'saving is relative to running on-demand throughout.',
    '',
  ].join('\n');
};

/**
 * Adds `qm simulate`, in two modes (docs/simulate.md):
 * - single-job (`--spot-trace`): replays one checkpointing job against a real spot availability
 *   trace under each placement policy, from evenly spread submission times, and reports mean
 *   cost, on-demand and spot hours and deadline misses;
 * - jobs (`--jobs`): runs the deployed loop (intake, solve, provision, EC2 and job events,
 *   reconcile) on a simulated clock over the jobs file, with the bundled price book, quotas,
 *   budgets and spot pools mapped onto availability traces, once per policy, and reports cost,
 *   hours, interruptions, deadline misses and team fairness (table, JSON or an HTML page).
 *
 * Bad flags end with exit code 2 and a message naming the flag.
 *
 * @example
 * const program = new Command('qm');
 * registerSimulateCommand(program);
 * await program.parseAsync(['simulate', '--spot-trace', 'trace.json', '--format', 'json'], { from: 'user' });
 * await program.parseAsync(['simulate', '--jobs', 'examples/jobs.jsonl', '--format', 'json'], { from: 'user' });
 */
export const registerSimulateCommand = (program: Command, io: SimulateCommandIo = {}): Command =>
  program
    .command('simulate')
    .description(
      'replay one checkpointing job against a spot availability trace (--spot-trace), or a jobs file ' +
        'over time (--jobs), under each placement policy',
    )
    .option(
      '--spot-trace <file>',
      'single-job mode: availability trace JSON: {"metadata":{"gap_seconds":N},"data":[counts]}',
    )
    .option('--jobs <file>', 'jobs mode: job requests, one JSON object per line (JSONL)')
    .option(
      '--quotas <file>',
      'jobs mode: vCPU quotas per region and quota class (JSON); unlimited when absent',
    )
    .option(
      '--budgets <file>',
      'jobs mode: team budgets and weights (JSON), enforced by the solve as a deployment enforces them ' +
        '(default: 100,000 USD a month per team)',
    )
    .option(
      '--spot-traces <paths...>',
      'jobs mode: trace files or directories of *.json traces the spot pools are mapped onto ' +
        '(default: the bundled data/spot-traces)',
    )
    .option(
      '--start <iso>',
      'jobs mode: when the replay starts and jobs without submittedAt are submitted (default: now)',
    )
    .option(
      '--solve-minutes <minutes>',
      "jobs mode: minutes between scheduled solves (the deployment's schedule is 1)",
      '1',
    )
    .option(
      '--idle-solve-skip-minutes <minutes>',
      'jobs mode: skip a scheduled solve for up to this long while nothing was delivered since the ' +
        'last one and it placed nothing (0: run every scheduled solve)',
      '0',
    )
    .option(
      '--spot-market <model>',
      "jobs mode: advisor (each spot pool keeps the share of its trace's outages its Spot Instance " +
        'Advisor bucket implies) | traces (every pool sees its trace as recorded)',
      'advisor',
    )
    .option(
      '--price-refresh',
      "jobs mode: run the deployment's price refreshes on their schedules (spot every 15 min, " +
        'on-demand daily) against the simulated market, whose placement scores follow spot capacity',
    )
    .option(
      '--faults <spec>',
      'jobs mode: a fault campaign, kind=rate,… (all, duplicate, reorder, lose-ec2-event, delay-ec2-event, ' +
        'crash, throttle, concurrent), e.g. all=0.01; the end-of-run invariants are printed either way',
    )
    .option('--fault-seed <n>', 'jobs mode: seed of the fault campaign (default: 1)')
    .option(
      '--commitments <file>',
      "jobs mode: the account's commitments (JSON, as for qm plan), given to the solve as the deployment's " +
        'commitments prop gives them (ADR 0015)',
    )
    .option(
      '--preemption <mode>',
      "jobs mode: the deployment's preemption prop: off | within-team | across-teams (ADR 0016; default: off)",
    )
    .option('--out <file>', 'jobs mode: write the report to this file instead of stdout')
    .option(
      '--ledger-out <dir>',
      "jobs mode: write each policy's simulated ledger (JSONL export) to <dir>/<policy>.jsonl",
    )
    .option('--work-hours <hours>', 'hours of work the job needs', '48')
    .option('--deadline-hours <hours>', 'hours from submission to the deadline', '60')
    .option('--changeover-hours <hours>', 'hours lost at every start on a new instance', '0.2')
    .option('--price-ratio <ratio>', 'on-demand price divided by spot price', '3')
    .option('--policy <name>', `all | ${SPOT_POLICY_NAMES.join(' | ')}`, 'all')
    .option(
      '--starts <n>',
      'submission times spread evenly over the trace (windows never wrap around)',
      '100',
    )
    .option(
      '--format <format>',
      'table | json | html (html: jobs mode only). Single-job json: per policy {policy, cost, onDemandHours, ' +
        'spotHours, missedDeadline}; missedDeadline is the number of start times that missed, or a boolean ' +
        'when --starts is 1. Jobs json: one object with a policies[] array',
      'table',
    )
    .action(async function (this: Command, raw: RawOptions) {
      const given = (key: string) => this.getOptionValueSource(key) === 'cli';
      if (raw.policy !== 'all' && !isSpotPolicyName(raw.policy)) {
        usageError(this, `--policy must be one of all, ${SPOT_POLICY_NAMES.join(', ')}; got "${raw.policy}"`);
      }
      if (raw.jobs !== undefined) {
        const single = SINGLE_JOB_FLAGS.find(([key]) => given(key));
        if (single !== undefined) {
          usageError(this, `${single[1]} belongs to the single-job mode and cannot be combined with --jobs`);
        }
        // Loaded here, not at the top: `qm --help` and the other commands need none of the simulators.
        const { runSimulateJobs } = await import('./simulate-jobs.js');
        await runSimulateJobs(
          this,
          {
            jobs: raw.jobs,
            ...(raw.quotas !== undefined ? { quotas: raw.quotas } : {}),
            ...(raw.budgets !== undefined ? { budgets: raw.budgets } : {}),
            ...(raw.spotTraces !== undefined ? { spotTraces: raw.spotTraces } : {}),
            policies: raw.policy === 'all' ? SPOT_POLICY_NAMES : [raw.policy as SpotPolicyName],
            ...(raw.start !== undefined ? { start: raw.start } : {}),
            solveMinutes: raw.solveMinutes,
            idleSolveSkipMinutes: raw.idleSolveSkipMinutes,
            spotMarket: raw.spotMarket,
            ...(raw.priceRefresh === true ? { priceRefresh: true } : {}),
            ...(raw.faults !== undefined ? { faults: raw.faults } : {}),
            ...(raw.faultSeed !== undefined ? { faultSeed: raw.faultSeed } : {}),
            format: raw.format,
            ...(raw.out !== undefined ? { out: raw.out } : {}),
            ...(raw.ledgerOut !== undefined ? { ledgerOut: raw.ledgerOut } : {}),
            ...(raw.commitments !== undefined ? { commitments: raw.commitments } : {}),
            ...(raw.preemption !== undefined ? { preemption: raw.preemption } : {}),
          },
          io,
          (message) => usageError(this, message),
        );
        return;
      }
      const jobsOnly = JOBS_ONLY_FLAGS.find(([key]) => given(key));
      if (jobsOnly !== undefined) usageError(this, `${jobsOnly[1]} needs --jobs <file> (jobs mode)`);
      if (raw.spotTrace === undefined)
        usageError(this, '--spot-trace <file> is required (or --jobs <file> for the jobs mode)');
      const tracePath = raw.spotTrace;
      const params: SingleJobParams = {
        workHours: parseNumber(
          this,
          '--work-hours',
          raw.workHours,
          (v) => v > 0,
          'a positive number of hours',
        ),
        deadlineHours: parseNumber(
          this,
          '--deadline-hours',
          raw.deadlineHours,
          (v) => v > 0,
          'a positive number of hours',
        ),
        changeoverHours: parseNumber(
          this,
          '--changeover-hours',
          raw.changeoverHours,
          (v) => v >= 0,
          'a number of hours >= 0',
        ),
        priceRatio: parseNumber(this, '--price-ratio', raw.priceRatio, (v) => v > 0, 'a positive number'),
      };
      if (params.deadlineHours < params.workHours + params.changeoverHours) {
        usageError(
          this,
          `--deadline-hours ${params.deadlineHours} cannot be met: it must be at least --work-hours + ` +
            `--changeover-hours (${params.workHours + params.changeoverHours})`,
        );
      }
      const starts = parseNumber(
        this,
        '--starts',
        raw.starts,
        (v) => Number.isInteger(v) && v >= 1,
        'a positive integer',
      );
      if (!(FORMATS as readonly string[]).includes(raw.format)) {
        usageError(this, `--format must be table or json, got "${raw.format}"`);
      }
      const format = raw.format as Format;
      const policies: readonly SpotPolicyName[] =
        raw.policy === 'all' ? SPOT_POLICY_NAMES : [raw.policy as SpotPolicyName];

      const [
        { readSpotTraceFile },
        { simulateSingleJobOverStarts },
        { spotAvailabilityFraction, spotTraceHours },
      ] = await Promise.all([
        import('../../lambdas/adapters/spot-trace-file.js'),
        import('../../lambdas/core/spot/single-job-simulation.js'),
        import('../../lambdas/core/spot/spot-trace.js'),
      ]);
      let trace: SpotTrace;
      try {
        trace = await (io.readTrace ?? readSpotTraceFile)(tracePath);
      } catch (cause) {
        return usageError(this, `--spot-trace: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
      if (spotTraceHours(trace) < params.deadlineHours) {
        usageError(
          this,
          `--spot-trace ${tracePath} covers ${spotTraceHours(trace).toFixed(1)} h, shorter than ` +
            `--deadline-hours ${params.deadlineHours}`,
        );
      }

      const output = this.configureOutput();
      const writeOut = output.writeOut ?? ((text: string) => process.stdout.write(text));
      const writeErr = output.writeErr ?? ((text: string) => process.stderr.write(text));
      const stderrIsTty = io.stderrIsTty ?? process.stderr.isTTY === true;
      const stdoutIsTty = io.stdoutIsTty ?? process.stdout.isTTY === true;
      const now = io.now ?? (() => performance.now());
      // Progress goes to an interactive stderr only, and never alongside JSON that is being piped.
      const showProgress = stderrIsTty && !(format === 'json' && !stdoutIsTty);
      const startedAt = now();
      let drewProgress = false;

      const results = policies.map((name, index) =>
        simulateSingleJobOverStarts({
          ...params,
          trace,
          starts,
          policy: spotPolicyByName(name),
          onRun: (done, total) => {
            if (!showProgress || now() - startedAt < PROGRESS_AFTER_MS) return;
            drewProgress = true;
            writeErr(`\rsimulating ${name} (${index + 1}/${policies.length}): ${done}/${total} start times`);
          },
        }),
      );
      if (drewProgress) writeErr('\r\x1b[2K');

      if (format === 'json') {
        const body = {
          spotTrace: tracePath,
          spotAvailability: spotAvailabilityFraction(trace),
          ...params,
          starts: results[0]?.starts ?? 0,
          costUnit: 'spot-hour',
          results: results.map((r) => ({
            policy: r.policy,
            cost: r.cost,
            onDemandHours: r.onDemandHours,
            spotHours: r.spotHours,
            missedDeadline: r.starts === 1 ? r.missedDeadlines === 1 : r.missedDeadlines,
          })),
        };
        writeOut(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      const onDemandCost = (params.workHours + params.changeoverHours) * params.priceRatio;
      const header =
        `${tracePath}: spot available ${(spotAvailabilityFraction(trace) * 100).toFixed(1)} % of ` +
        `${spotTraceHours(trace).toFixed(1)} h; job ${params.workHours} h, deadline ${params.deadlineHours} h, ` +
        `changeover ${params.changeoverHours} h, on-demand/spot price ${params.priceRatio}, ` +
        `${results[0]?.starts ?? 0} start times`;
      writeOut(formatTable(results, header, onDemandCost));
    });
