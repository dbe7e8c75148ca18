import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import { readSpotTraceFile } from '../../lambdas/adapters/spot-trace-file.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import { periodsIn } from '../../lambdas/core/accounting/cost-report.js';
import { parseCommitmentsText } from '../../lambdas/core/commitments/commitments-file.js';
import type { FieldIssue } from '../../lambdas/core/jobs/job-request.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';
import { ledgerLine } from '../../lambdas/core/ledger/ledger-export.js';
import { resolveCommitmentRates } from '../../lambdas/core/planning/commitment-offers.js';
import type { MilpSolver } from '../../lambdas/core/planning/milp.js';
import {
  type Budgets,
  type InputResult,
  parseBudgetsText,
  parseQuotasText,
  type Quotas,
  teamWeight,
} from '../../lambdas/core/planning/plan-inputs.js';
import { PREEMPTION_MODES, type PreemptionMode } from '../../lambdas/core/planning/preemption.js';
import type { PriceBook } from '../../lambdas/core/pricing/offer.js';
import { simulationPageHtml } from '../../lambdas/core/reports/simulation-page.js';
import { outageKeepShare } from '../../lambdas/core/simulation/spot-outage-calibration.js';
import type { NamedSpotTrace } from '../../lambdas/core/simulation/spot-pool-trace.js';
import type { SpotPolicyName } from '../../lambdas/core/spot/spot-policy.js';
import { exportLedgerPeriod } from '../../lambdas/core/use-cases/ledger-export-period.js';
import type { BudgetPolicy } from '../../lambdas/core/use-cases/run-solve.js';
import { runTwin, type TwinResult } from '../../lambdas/twin/deployment-twin.js';
import { FaultPlan, type FaultRates, FaultSpecError, parseFaultSpec } from '../../lambdas/twin/fault-plan.js';
import { summariseTwin, type TwinSummary } from '../../lambdas/twin/twin-summary.js';
import { FAILED_EXIT } from '../cli/exit-code.js';
import { readInputText, STDIO_PATH } from '../cli/input-file.js';
import { writeOutputText } from '../cli/output-file.js';

/** A deployment's default monthly budget per team (lib/resolve-props.ts), for teams without one. */
const DEFAULT_MONTHLY_BUDGET_USD = 100_000;
/** A team the budgets file gives no limit: more than any simulated month can spend. */
const UNLIMITED_USD = 1_000_000_000;

/** The traces bundled with the repository, used when `--spot-traces` is not given. */
export const BUNDLED_SPOT_TRACES = fileURLToPath(new URL('../../data/spot-traces/', import.meta.url));

/** What the jobs mode needs from the process; tests pass their own. */
export interface SimulateJobsIo {
  readonly readText?: (path: string) => Promise<string>;
  readonly writeText?: (path: string, text: string) => Promise<void>;
  /** Reads every trace named by the paths (a directory means each `*.json` in it, by name). */
  readonly loadTraces?: (paths: readonly string[]) => Promise<NamedSpotTrace[]>;
  readonly priceBook?: () => PriceBook;
  /** The start when `--start` is not given, ms since the epoch. @default Date.now */
  readonly wallClock?: () => number;
  readonly stderrIsTty?: boolean;
  readonly stdoutIsTty?: boolean;
  /** Milliseconds from an arbitrary origin, to tell a long run. */
  readonly now?: () => number;
  /** Creates the `--ledger-out` directory. @default mkdir -p */
  readonly makeDir?: (path: string) => Promise<void>;
  /** The MILP engine of the solve. @default HiGHS */
  readonly solver?: () => Promise<MilpSolver>;
}

export interface SimulateJobsOptions {
  readonly jobs: string;
  readonly quotas?: string;
  readonly budgets?: string;
  readonly spotTraces?: readonly string[];
  readonly policies: readonly SpotPolicyName[];
  readonly start?: string;
  readonly solveMinutes: string;
  readonly idleSolveSkipMinutes: string;
  /** @default advisor */
  readonly spotMarket?: string;
  /** Run the price refreshes on their schedules, as a deployment does. @default false */
  readonly priceRefresh?: boolean;
  /** A fault campaign spec (`kind=rate,…`, fault-plan.ts); none when absent. */
  readonly faults?: string;
  /** Seed of the fault campaign's draws. @default "1" */
  readonly faultSeed?: string;
  readonly format: string;
  readonly out?: string;
  readonly ledgerOut?: string;
  /** A commitments file (ADR 0015); none when absent. */
  readonly commitments?: string;
  /** The deployment's preemption mode (ADR 0016). @default off */
  readonly preemption?: string;
}

export const JOBS_FORMATS = ['table', 'json', 'html'] as const;
export const SPOT_MARKETS = ['advisor', 'traces'] as const;
type SpotMarket = (typeof SPOT_MARKETS)[number];

/** Progress is only worth drawing once a run has taken this long. */
const PROGRESS_AFTER_MS = 300;

const issuesText = (issues: readonly FieldIssue[]): string =>
  issues.map((i) => `${i.field}: ${i.message}`).join('; ');

/** Reads traces from files and directories; a directory contributes its `*.json` files in name order. */
export const loadSpotTraces = async (paths: readonly string[]): Promise<NamedSpotTrace[]> => {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((cause: unknown) => {
      throw new Error(`cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    });
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => n.endsWith('.json')).sort();
      if (names.length === 0) throw new Error(`directory ${path} holds no *.json trace`);
      files.push(...names.map((n) => join(path, n)));
    } else files.push(path);
  }
  return Promise.all(
    files.map(async (file) => ({ name: basename(file), trace: await readSpotTraceFile(file) })),
  );
};

const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** The JSON form of one policy's result: totals and per-team service, no per-job detail. */
export const policyJson = (r: TwinSummary) => ({
  policy: r.policy,
  totalCostUsd: round(r.totalCostUsd, 2),
  spotEligibleCostUsd: round(r.spotEligibleCostUsd, 2),
  onDemandHours: round(r.onDemandHours, 3),
  spotHours: round(r.spotHours, 3),
  interruptions: r.interruptions,
  changeovers: r.changeovers,
  deadlineMisses: r.deadlineMisses,
  jobsFinished: r.jobsFinished,
  jobsUnfinished: r.jobsUnfinished,
  jobsUnplaced: r.jobsUnplaced,
  jobsRejected: r.jobsRejected,
  makespanHours: round(r.makespanHours, 3),
  jainIndex: round(r.jainIndex, 6),
  solves: r.solves,
  solvesPerSimulatedDay: round(r.solvesPerSimulatedDay, 1),
  simulatedDays: round(r.simulatedDays, 3),
  stoppedBy: r.stoppedBy,
  handlerErrors: r.handlerErrors,
  invariants: r.invariants.map((c) => ({
    name: c.name,
    holds: c.holds,
    violations: c.violations,
    examples: c.examples,
  })),
  deadLettered: r.deadLettered,
  ...(r.faults === undefined ? {} : { faults: r.faults }),
  teams: r.teams.map((t) => ({
    team: t.team,
    weight: t.weight,
    demandedGpuHours: round(t.demandedGpuHours, 3),
    allocatedGpuHours: round(t.allocatedGpuHours, 3),
    service: round(t.service, 6),
  })),
});

const TRACE_NOTE =
  'spot availability: each spot pool (instance type x zone) follows one of the given traces, chosen by ' +
  'hashing the pool id, from a hashed offset; the bundled traces are V100/K80 us-west-2 availability ' +
  '(2022, pools in the ">20 %" advisor bucket), a stand-in availability process for every pool, not a ' +
  'forecast for that pool.';

const percent = (share: number) => `${Math.round(share * 100)} %`;
const MARKET_NOTE: Readonly<Record<SpotMarket, string>> = {
  advisor:
    "spot market advisor: a pool keeps each of its trace's outages with the ratio of its advisor bucket's " +
    `interruption rate to ">20 %"'s (<5 %: ${percent(outageKeepShare(0))}, 5-10 %: ${percent(outageKeepShare(1))}, ` +
    `10-15 %: ${percent(outageKeepShare(2))}, 15-20 %: ${percent(outageKeepShare(3))}, unrated: all), so calm ` +
    'pools see rarer outages of the recorded shapes (ADR 0012).',
  traces: 'spot market traces: every pool sees its trace as recorded, whatever its advisor bucket.',
};

const LOOP_NOTE =
  'every policy runs the deployed loop (intake, solve, provision, EC2 and job events, reconcile) on a ' +
  'simulated clock over an in-memory ledger and a trace-driven EC2; instances and events are simulated.';

const STOPPED: Readonly<Record<TwinSummary['stoppedBy'], string>> = {
  'all-terminal': 'every job ended',
  horizon: 'stopped at the horizon with jobs unfinished',
  stalled: 'stopped: the jobs left can never be placed (no offer, quota or budget, even in the next period)',
};

const formatTable = (results: readonly TwinSummary[], header: readonly string[]): string => {
  const titles = [
    'policy',
    'cost USD',
    'spot-eligible USD',
    'on-demand h',
    'spot h',
    'interruptions',
    'misses',
    'finished',
    'unplaced',
    'Jain',
    'solves/day',
  ];
  const rows = results.map((r) => [
    r.policy,
    r.totalCostUsd.toFixed(2),
    r.spotEligibleCostUsd.toFixed(2),
    r.onDemandHours.toFixed(1),
    r.spotHours.toFixed(1),
    String(r.interruptions),
    String(r.deadlineMisses),
    `${r.jobsFinished}/${r.jobsFinished + r.jobsUnfinished + r.jobsRejected}`,
    String(r.jobsUnplaced),
    r.jainIndex.toFixed(3),
    r.solvesPerSimulatedDay.toFixed(0),
  ]);
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const ends = results.map(
    (r) => `${r.policy}: ${STOPPED[r.stoppedBy]} after ${r.simulatedDays.toFixed(1)} days`,
  );
  const errors = results
    .filter((r) => r.handlerErrors > 0)
    .map((r) => `${r.policy}: ${r.handlerErrors} handler error(s)`);
  return [
    ...header,
    line(titles),
    ...rows.map(line),
    'hours are instance-hours; spot-eligible is the cost of interruptible jobs, the only part a policy can move;',
    'Jain is over teams of allocated / demanded GPU-hours.',
    ...ends,
    ...errors,
    LOOP_NOTE,
    TRACE_NOTE,
    '',
  ].join('\n');
};

/** A twin run's ledger as export lines: every team's budget, jobs, events and usage, month by month. */
const ledgerExport = async function* (
  result: TwinResult,
  teams: readonly string[],
  startMs: number,
): AsyncGenerator<string> {
  for (const period of periodsIn({ startMs, endMs: Date.parse(result.endedAt) + 1 }))
    for await (const record of exportLedgerPeriod(result.ledger, teams, period)) yield ledgerLine(record);
};

/** The budget policy a deployment would run with, from a budgets file (its limits and weights). */
const budgetPolicyOf = (budgets: Budgets | undefined): BudgetPolicy => ({
  defaultMonthlyUsd: DEFAULT_MONTHLY_BUDGET_USD,
  teams: new Map(
    [...(budgets?.teams ?? [])].map(([team, b]) => [
      team,
      { monthlyUsd: b.monthlyUsd ?? UNLIMITED_USD, weight: b.weight },
    ]),
  ),
});

/** The start period's limits: what the budgets file leaves (monthly − spent − reserved). */
const openingBudgetsOf = (budgets: Budgets | undefined, startMs: number) => {
  const period = new Date(startMs).toISOString().slice(0, 7);
  if (budgets === undefined || budgets.period !== period) return [];
  return [...budgets.teams]
    .filter(([, b]) => b.monthlyUsd !== null)
    .map(([team, b]) => ({
      team,
      period,
      limitUsd: Math.max(0, round((b.monthlyUsd ?? 0) - b.spentUsd - b.reservedUsd, 6)),
    }));
};

/**
 * The end-of-run checks under the table: one line when every invariant holds, else each broken
 * one with its first violations; with a fault campaign, what it injected per kind.
 */
const campaignText = (results: readonly TwinSummary[]): string => {
  const lines: string[] = [];
  for (const r of results) {
    if (r.faults !== undefined) {
      const kinds = Object.entries(r.faults).map(([kind, c]) => `${kind} ${c.injected}/${c.steps}`);
      lines.push(`${r.policy} faults injected (of steps): ${kinds.join(', ')}`);
    }
    if (r.deadLettered > 0)
      lines.push(
        `${r.policy}: ${r.deadLettered} message(s) dead-lettered (left for a redrive; the invariants say whether any job was lost): ${r.firstDeadLettered.join('; ')}`,
      );
    const broken = r.invariants.filter((c) => !c.holds);
    if (broken.length === 0) lines.push(`${r.policy}: all ${r.invariants.length} invariants hold`);
    for (const c of broken)
      lines.push(`${r.policy}: BROKEN ${c.name} (${c.violations}): ${c.examples.join('; ')}`);
  }
  return `\n${lines.join('\n')}\n`;
};

/**
 * Runs `qm simulate --jobs`: reads the inputs, replays the jobs under each policy and writes the
 * report. Input problems end through `fail` (exit code 2) with a message naming the flag, file,
 * line or field.
 */
export const runSimulateJobs = async (
  command: Command,
  options: SimulateJobsOptions,
  io: SimulateJobsIo,
  fail: (message: string) => never,
): Promise<void> => {
  // `-` reads standard input; files are written whole or not at all (bin/cli/output-file.ts).
  const read = io.readText ?? ((path: string) => readInputText(path));
  const writeText = io.writeText ?? ((path: string, text: string) => writeOutputText(path, text));
  if (!(JOBS_FORMATS as readonly string[]).includes(options.format)) {
    fail(`--format must be one of ${JOBS_FORMATS.join(', ')} with --jobs, got "${options.format}"`);
  }
  const minutes = (flag: string, raw: string, zeroAllowed: boolean): number => {
    const value = raw.trim() === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed) || value > 1440)
      fail(`${flag} must be a number of minutes in ${zeroAllowed ? '[0' : '(0'}, 1440], got "${raw}"`);
    return value;
  };
  const preemption = (options.preemption ?? 'off') as PreemptionMode;
  if (!PREEMPTION_MODES.includes(preemption))
    fail(`--preemption must be one of ${PREEMPTION_MODES.join(', ')}, got "${options.preemption}"`);
  const spotMarket = (options.spotMarket ?? 'advisor') as SpotMarket;
  if (!SPOT_MARKETS.includes(spotMarket))
    fail(`--spot-market must be one of ${SPOT_MARKETS.join(', ')}, got "${options.spotMarket}"`);
  const solveMinutes = minutes('--solve-minutes', options.solveMinutes, false);
  const idleSolveSkipMinutes = minutes('--idle-solve-skip-minutes', options.idleSolveSkipMinutes, true);
  let faultRates: FaultRates | undefined;
  if (options.faults !== undefined) {
    try {
      faultRates = parseFaultSpec(options.faults);
    } catch (cause) {
      if (!(cause instanceof FaultSpecError)) throw cause;
      fail(`--faults: ${cause.message}`);
    }
  }
  const faultSeed = Number(options.faultSeed ?? '1');
  if (!Number.isSafeInteger(faultSeed) || faultSeed < 0)
    fail(`--fault-seed must be a whole number ≥ 0, got "${options.faultSeed}"`);
  let startMs = (io.wallClock ?? Date.now)();
  if (options.start !== undefined) {
    startMs = Date.parse(options.start);
    if (!/([zZ]|[+-]\d\d:\d\d)$/.test(options.start) || Number.isNaN(startMs)) {
      fail(`--start must be an ISO 8601 date-time with Z or an offset, got "${options.start}"`);
    }
  }

  const readInput = async (flag: string, path: string): Promise<string> => {
    try {
      return await read(path);
    } catch (cause) {
      return fail(`cannot read ${flag} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  };
  const parsed = parseJobsJsonl(await readInput('--jobs', options.jobs));
  if (parsed.errors.length > 0) {
    const lines = parsed.errors.map((e) => `${options.jobs}:${e.line}: ${e.field}: ${e.message}`);
    fail(`${parsed.errors.length} invalid line(s) in --jobs\n${lines.join('\n')}`);
  }
  if (parsed.jobs.length === 0) fail(`--jobs ${options.jobs} holds no job`);
  const load = async <T>(flag: string, path: string | undefined, parse: (t: string) => InputResult<T>) => {
    if (path === undefined) return undefined;
    const result = parse(await readInput(flag, path));
    if (!result.ok) return fail(`invalid ${flag} ${path}: ${issuesText(result.issues)}`);
    return result.value;
  };
  const quotas: Quotas | undefined = await load('--quotas', options.quotas, parseQuotasText);
  const budgets: Budgets | undefined = await load('--budgets', options.budgets, parseBudgetsText);

  const tracePaths = options.spotTraces ?? [BUNDLED_SPOT_TRACES];
  let traces: NamedSpotTrace[];
  try {
    traces = await (io.loadTraces ?? loadSpotTraces)(tracePaths);
  } catch (cause) {
    return fail(`--spot-traces: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (traces.length === 0) fail('--spot-traces: no trace found');
  if (options.ledgerOut !== undefined) {
    try {
      await (io.makeDir ?? ((path: string) => mkdir(path, { recursive: true }).then(() => undefined)))(
        options.ledgerOut,
      );
    } catch (cause) {
      fail(
        `cannot create --ledger-out ${options.ledgerOut}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
  }

  const priceBook = (io.priceBook ?? loadStaticPriceBook)();
  const commitmentsFile = await load('--commitments', options.commitments, parseCommitmentsText);
  // A reservation without a stated rate is billed at its type's on-demand price, as planning assumes.
  const commitments =
    commitmentsFile === undefined
      ? undefined
      : resolveCommitmentRates(commitmentsFile.commitments, priceBook);
  const solver = await (io.solver ?? (() => HighsMilpSolver.create()))();
  const weightOf = (team: string) => (budgets === undefined ? 1 : teamWeight(budgets, team));

  const output = command.configureOutput();
  const writeOut = output.writeOut ?? ((text: string) => process.stdout.write(text));
  const writeErr = output.writeErr ?? ((text: string) => process.stderr.write(text));
  const stderrIsTty = io.stderrIsTty ?? process.stderr.isTTY === true;
  const stdoutIsTty = io.stdoutIsTty ?? process.stdout.isTTY === true;
  const now = io.now ?? (() => performance.now());
  // Progress goes to an interactive stderr only, and never alongside JSON that is being piped.
  const showProgress =
    stderrIsTty &&
    !(options.format === 'json' && !stdoutIsTty && (options.out === undefined || options.out === STDIO_PATH));
  const startedAt = now();
  let drewProgress = false;
  const policies = options.policies;
  const teams = [...new Set(parsed.jobs.map((j) => j.team))].sort();
  const results: TwinSummary[] = [];
  for (const [index, name] of policies.entries()) {
    const run = await runTwin({
      jobs: parsed.jobs,
      startMs,
      traces,
      solver,
      priceBook,
      ...(quotas === undefined ? {} : { quotas }),
      budgets: budgetPolicyOf(budgets),
      openingBudgets: openingBudgetsOf(budgets, startMs),
      strategy: name,
      schedules: { solveMinutes },
      idleSolveSkipMinutes,
      spotMarket,
      priceRefresh: options.priceRefresh === true,
      ...(commitments === undefined ? {} : { commitments }),
      ...(preemption === 'off' ? {} : { preemption }),
      // Each policy meets the same draws: one plan per run, from the same seed.
      ...(faultRates === undefined ? {} : { faults: new FaultPlan(faultRates, faultSeed) }),
      onProgress: (finished, total) => {
        if (!showProgress || now() - startedAt < PROGRESS_AFTER_MS) return;
        drewProgress = true;
        const width = 20;
        const filled = total > 0 ? Math.round((finished / total) * width) : width;
        writeErr(
          `\rsimulating ${name} (${index + 1}/${policies.length}) [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${total} jobs`,
        );
      },
    });
    results.push(summariseTwin(run, parsed.jobs, startMs, weightOf));
    if (options.ledgerOut !== undefined) {
      const path = join(options.ledgerOut, `${name}.jsonl`);
      const lines = [
        `# qm simulate --jobs ${options.jobs}: ledger of the ${name} policy's simulated deployment from ` +
          `${new Date(startMs).toISOString()}, price book ${priceBook.id}; instances and events are simulated, not real`,
      ];
      for await (const line of ledgerExport(run, teams, startMs)) lines.push(line);
      lines.push('');
      try {
        await writeText(path, lines.join('\n'));
      } catch (cause) {
        fail(`cannot write --ledger-out ${path}: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
    }
  }
  if (drewProgress) writeErr('\r\x1b[2K');

  const startIso = new Date(startMs).toISOString();
  let text: string;
  if (options.format === 'json') {
    const body = {
      mode: 'jobs',
      jobsFile: options.jobs,
      jobCount: parsed.jobs.length,
      start: startIso,
      solveMinutes,
      idleSolveSkipMinutes,
      spotMarket,
      priceRefresh: options.priceRefresh === true,
      priceBook: { id: priceBook.id, asOf: priceBook.asOf },
      quotas: options.quotas ?? null,
      budgets: options.budgets ?? null,
      commitments: options.commitments ?? null,
      preemption,
      spotTraces: traces.map((t) => t.name),
      units: {
        cost: 'USD',
        hours: 'instance-hours',
        spotEligibleCostUsd: 'cost of the interruptible jobs',
        jainIndex: 'over teams of allocated / demanded GPU-hours, weighted by team weight',
      },
      policies: results.map(policyJson),
    };
    text = `${JSON.stringify(body, null, 2)}\n`;
  } else {
    const header = [
      `${options.jobs}: ${parsed.jobs.length} jobs from ${startIso}, solve every ${solveMinutes} min, price book ${priceBook.id}, ` +
        `${traces.length} spot trace(s)${options.quotas !== undefined ? `, quotas ${options.quotas}` : ', no quotas'}` +
        `${options.budgets !== undefined ? `, budgets ${options.budgets}` : `, ${DEFAULT_MONTHLY_BUDGET_USD} USD a month per team`}` +
        `${options.commitments !== undefined ? `, commitments ${options.commitments}` : ''}` +
        `${preemption !== 'off' ? `, preemption ${preemption}` : ''}`,
      MARKET_NOTE[spotMarket],
    ];
    text =
      options.format === 'html'
        ? simulationPageHtml({
            title: `qm simulate: ${options.jobs}`,
            notes: [
              ...header,
              'Hours are instance-hours. Jain index: over teams of allocated / demanded GPU-hours.',
              LOOP_NOTE,
              TRACE_NOTE,
            ],
            // The JSON's own figures, so the page and --format json cannot disagree.
            policies: results.map(policyJson),
          })
        : formatTable(results, header) + campaignText(results);
  }
  if (options.out !== undefined && options.out !== STDIO_PATH) {
    try {
      await writeText(options.out, text);
    } catch (cause) {
      fail(`cannot write --out ${options.out}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  } else writeOut(text);
  // A broken invariant is a failed check, as a tampered ledger is for `qm audit verify`.
  const broken = results.flatMap((r) =>
    r.invariants.filter((c) => !c.holds).map((c) => `${r.policy}: ${c.name}`),
  );
  if (broken.length > 0)
    command.error(`qm simulate: ${broken.length} invariant(s) broken: ${broken.join('; ')}`, {
      exitCode: FAILED_EXIT,
      code: 'qm.invariants',
    });
};
