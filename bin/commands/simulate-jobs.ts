import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { readSpotTraceFile } from '../../lambdas/adapters/spot-trace-file.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import type { FieldIssue } from '../../lambdas/core/jobs/job-request.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';
import { type LedgerBudget, ledgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import {
  type Budgets,
  type InputResult,
  parseBudgetsText,
  parseQuotasText,
  type Quotas,
  quotaLimit,
  teamWeight,
} from '../../lambdas/core/planning/plan-inputs.js';
import type { PriceBook } from '../../lambdas/core/pricing/offer.js';
import { simulationChartHtml } from '../../lambdas/core/reports/simulation-chart.js';
import {
  type FleetPolicyResult,
  type NamedSpotTrace,
  prepareFleet,
  simulateFleet,
} from '../../lambdas/core/simulation/fleet-simulation.js';
import { fleetLedgerRecords } from '../../lambdas/core/simulation/fleet-simulation-ledger.js';
import type { SpotPolicyName } from '../../lambdas/core/spot/spot-policy.js';

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
}

export interface SimulateJobsOptions {
  readonly jobs: string;
  readonly quotas?: string;
  readonly budgets?: string;
  readonly spotTraces?: readonly string[];
  readonly policies: readonly SpotPolicyName[];
  readonly start?: string;
  readonly tickMinutes: string;
  readonly format: string;
  readonly out?: string;
  readonly ledgerOut?: string;
}

export const JOBS_FORMATS = ['table', 'json', 'html'] as const;

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
export const policyJson = (r: FleetPolicyResult) => ({
  policy: r.policy,
  totalCostUsd: round(r.totalCostUsd, 2),
  onDemandHours: round(r.onDemandHours, 3),
  spotHours: round(r.spotHours, 3),
  interruptions: r.interruptions,
  changeovers: r.changeovers,
  deadlineMisses: r.deadlineMisses,
  jobsFinished: r.jobsFinished,
  jobsUnfinished: r.jobsUnfinished,
  jobsUnplaced: r.jobsUnplaced,
  makespanHours: round(r.makespanHours, 3),
  jainIndex: round(r.jainIndex, 6),
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
  '(2022), a stand-in availability process for every pool, not a forecast for that pool.';

const formatTable = (results: readonly FleetPolicyResult[], header: readonly string[]): string => {
  const titles = [
    'policy',
    'cost USD',
    'on-demand h',
    'spot h',
    'interruptions',
    'misses',
    'finished',
    'unplaced',
    'Jain',
  ];
  const rows = results.map((r) => [
    r.policy,
    r.totalCostUsd.toFixed(2),
    r.onDemandHours.toFixed(1),
    r.spotHours.toFixed(1),
    String(r.interruptions),
    String(r.deadlineMisses),
    `${r.jobsFinished}/${r.jobs.length}`,
    String(r.jobsUnplaced),
    r.jainIndex.toFixed(3),
  ]);
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [
    ...header,
    line(titles),
    ...rows.map(line),
    'hours are instance-hours (hours x nodes); Jain is over teams of allocated / demanded GPU-hours.',
    TRACE_NOTE,
    '',
  ].join('\n');
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
  const read = io.readText ?? ((path: string) => readFile(path, 'utf8'));
  const writeText = io.writeText ?? ((path: string, text: string) => writeFile(path, text, 'utf8'));
  if (!(JOBS_FORMATS as readonly string[]).includes(options.format)) {
    fail(`--format must be one of ${JOBS_FORMATS.join(', ')} with --jobs, got "${options.format}"`);
  }
  const tickRaw = options.tickMinutes;
  const tickMinutes = tickRaw.trim() === '' ? Number.NaN : Number(tickRaw);
  if (!Number.isFinite(tickMinutes) || tickMinutes <= 0 || tickMinutes > 1440) {
    fail(`--tick-minutes must be a number of minutes in (0, 1440], got "${tickRaw}"`);
  }
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

  const priceBook = (io.priceBook ?? loadStaticPriceBook)();
  const teamWeights =
    budgets !== undefined
      ? new Map([...new Set(parsed.jobs.map((j) => j.team))].map((t) => [t, teamWeight(budgets, t)] as const))
      : undefined;
  const setup = prepareFleet({
    jobs: parsed.jobs,
    priceBook,
    quotaLimit: (region, cls) => {
      if (quotas === undefined) return null;
      const limit = quotaLimit(quotas, region, cls);
      return Number.isFinite(limit) ? limit : null;
    },
    ...(teamWeights !== undefined ? { teamWeights } : {}),
    traces,
    startMs,
    tickMinutes,
  });

  const output = command.configureOutput();
  const writeOut = output.writeOut ?? ((text: string) => process.stdout.write(text));
  const writeErr = output.writeErr ?? ((text: string) => process.stderr.write(text));
  const stderrIsTty = io.stderrIsTty ?? process.stderr.isTTY === true;
  const stdoutIsTty = io.stdoutIsTty ?? process.stdout.isTTY === true;
  const now = io.now ?? (() => performance.now());
  // Progress goes to an interactive stderr only, and never alongside JSON that is being piped.
  const showProgress =
    stderrIsTty && !(options.format === 'json' && !stdoutIsTty && options.out === undefined);
  const startedAt = now();
  let drewProgress = false;
  const policies = options.policies;
  const results = policies.map((name, index) =>
    simulateFleet(setup, name, (finished, total) => {
      if (!showProgress || now() - startedAt < PROGRESS_AFTER_MS) return;
      drewProgress = true;
      const width = 20;
      const filled = total > 0 ? Math.round((finished / total) * width) : width;
      writeErr(
        `\rsimulating ${name} (${index + 1}/${policies.length}) [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${total} jobs`,
      );
    }),
  );
  if (drewProgress) writeErr('\r\x1b[2K');

  const startIso = new Date(startMs).toISOString();
  let text: string;
  if (options.format === 'json') {
    const body = {
      mode: 'jobs',
      jobsFile: options.jobs,
      jobCount: parsed.jobs.length,
      start: startIso,
      tickMinutes,
      priceBook: { id: priceBook.id, asOf: priceBook.asOf },
      quotas: options.quotas ?? null,
      budgets: options.budgets ?? null,
      spotTraces: traces.map((t) => t.name),
      units: {
        cost: 'USD',
        hours: 'instance-hours (hours x nodes)',
        jainIndex: 'over teams of allocated / demanded GPU-hours, weighted by team weight',
      },
      policies: results.map(policyJson),
    };
    text = `${JSON.stringify(body, null, 2)}\n`;
  } else {
    const header = [
      `${options.jobs}: ${parsed.jobs.length} jobs from ${startIso}, ${tickMinutes}-minute ticks, price book ${priceBook.id}, ` +
        `${traces.length} spot trace(s)${options.quotas !== undefined ? `, quotas ${options.quotas}` : ', no quotas'}`,
    ];
    text =
      options.format === 'html'
        ? simulationChartHtml({
            title: `qm simulate: ${options.jobs}`,
            notes: [
              ...header,
              'Hours are instance-hours (hours x nodes). Jain index: over teams of allocated / demanded GPU-hours.',
              TRACE_NOTE,
            ],
            policies: results,
          })
        : formatTable(results, header);
  }
  if (options.out !== undefined) {
    try {
      await writeText(options.out, text);
    } catch (cause) {
      fail(`cannot write --out ${options.out}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  } else writeOut(text);

  if (options.ledgerOut !== undefined) {
    // One run's ledger: the policy asked for, or quartermaster when all were compared.
    const chosen = results.length === 1 ? results[0] : results.find((r) => r.policy === 'quartermaster');
    if (chosen === undefined) return;
    const budgetLines: LedgerBudget[] =
      budgets === undefined
        ? []
        : [...budgets.teams]
            .filter(([, b]) => b.monthlyUsd !== null)
            .map(([team, b]) => ({
              kind: 'budget',
              team,
              period: budgets.period,
              limitUsd: b.monthlyUsd ?? 0,
              reservedUsd: b.reservedUsd,
              spentUsd: b.spentUsd,
            }));
    const records = fleetLedgerRecords(chosen, { priceBook, placed: setup.placed, budgets: budgetLines });
    const ledger = [
      `# qm simulate --jobs ${options.jobs}: simulated ledger of the ${chosen.policy} policy from ${startIso}, ` +
        `price book ${priceBook.id}; instances and events are simulated, not real`,
      ...ledgerLines(records),
      '',
    ].join('\n');
    try {
      await writeText(options.ledgerOut, ledger);
    } catch (cause) {
      fail(
        `cannot write --ledger-out ${options.ledgerOut}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
  }
};
