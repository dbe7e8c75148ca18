import type { Command } from 'commander';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import {
  type CapacityBlockOfferings,
  parseCapacityBlockOfferingsText,
} from '../../lambdas/core/commitments/capacity-block-offering.js';
import { type Commitments, parseCommitmentsText } from '../../lambdas/core/commitments/commitments-file.js';
import type { FieldIssue } from '../../lambdas/core/jobs/job-request.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';
import {
  LedgerParseError,
  type LedgerUsage,
  ledgerTextLines,
  parseLedgerLines,
} from '../../lambdas/core/ledger/ledger-export.js';
import { capacityBlockAdvice } from '../../lambdas/core/planning/capacity-block-advice.js';
import { DEFAULT_USAGE_HALF_LIFE_HOURS } from '../../lambdas/core/planning/fair-weight.js';
import type { TeamTerms } from '../../lambdas/core/planning/plan-input.js';
import {
  type Budgets,
  type InputResult,
  parseBudgetsText,
  parseQuotasText,
  type Quotas,
  quotaLimit,
  remainingBudgetUsd,
  teamWeight,
} from '../../lambdas/core/planning/plan-inputs.js';
import { solvePlan } from '../../lambdas/core/planning/solve-plan.js';
import {
  historyWeights,
  usageHistory,
  vcpusByInstanceType,
} from '../../lambdas/core/planning/usage-history.js';
import {
  capacityBlockAdviceToJson,
  formatCapacityBlockAdvice,
} from '../../lambdas/core/reports/capacity-block-advice-format.js';
import {
  DEFAULT_PLAN_WIDTH,
  formatPlanCsv,
  formatPlanTable,
  type PlanHistoryView,
  planToJson,
} from '../../lambdas/core/reports/plan-format.js';
import { readInputText, stdinTwice } from '../cli/input-file.js';
import {
  PLAN_FORMATS as FORMATS,
  INPUT_ERROR_EXIT_CODE,
  type PlanCommandIo,
  type PlanOptions,
} from './plan.js';

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const fail = (command: Command, message: string): never => {
  command.error(`qm plan: ${message}`, { exitCode: INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

const issuesText = (issues: readonly FieldIssue[]): string =>
  issues.map((i) => `${i.field}: ${i.message}`).join('; ');

/** `qm plan`'s work, loaded only when the command runs (bin/commands/plan.ts defines its flags). */
export const runPlan = async (opts: PlanOptions, command: Command, io: PlanCommandIo): Promise<void> => {
  const read = io.readText ?? ((path: string) => readInputText(path));
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const warn = io.warn ?? ((text: string) => process.stderr.write(text));
  if (!(FORMATS as readonly string[]).includes(opts.format))
    fail(command, `--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
  // The CSV view is one row per job with fixed columns; the advice has rows of its own.
  if (opts.format === 'csv' && opts.capacityBlockOfferings !== undefined)
    fail(command, '--capacity-block-offerings has no CSV view; use --format table or json');
  let nowMs = (io.now ?? Date.now)();
  if (opts.now !== undefined) {
    nowMs = Date.parse(opts.now);
    if (!/[zZ]|[+-]\d\d:\d\d$/.test(opts.now) || Number.isNaN(nowMs))
      fail(command, `--now must be an ISO 8601 date-time with Z or an offset; got "${opts.now}"`);
  }
  let halfLifeHours = DEFAULT_USAGE_HALF_LIFE_HOURS;
  if (opts.halfLifeHours !== undefined) {
    if (opts.history === undefined) fail(command, '--half-life-hours needs --history <ledger.jsonl>');
    halfLifeHours = Number(opts.halfLifeHours);
    if (!/^\d+(\.\d+)?$/.test(opts.halfLifeHours.trim()) || !(halfLifeHours > 0))
      fail(command, `--half-life-hours must be a number of hours > 0; got "${opts.halfLifeHours}"`);
  }
  let regions: string[] | undefined;
  if (opts.regions !== undefined) {
    regions = opts.regions
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r.length > 0);
    const bad = regions.find((r) => !REGION.test(r));
    if (bad !== undefined || regions.length === 0)
      fail(command, `--regions: "${bad ?? opts.regions}" is not an AWS region code like us-east-1`);
  }

  const twice = stdinTwice({
    '--jobs': opts.jobs,
    '--quotas': opts.quotas,
    '--budgets': opts.budgets,
    '--commitments': opts.commitments,
    '--capacity-block-offerings': opts.capacityBlockOfferings,
    '--history': opts.history,
  });
  if (twice !== undefined) fail(command, twice);
  const readInput = async (flag: string, path: string): Promise<string> => {
    try {
      return await read(path);
    } catch (error) {
      return fail(
        command,
        `cannot read ${flag} ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const parsed = parseJobsJsonl(await readInput('--jobs', opts.jobs));
  if (parsed.errors.length > 0) {
    const lines = parsed.errors.map((e) => `${opts.jobs}:${e.line}: ${e.field}: ${e.message}`);
    fail(command, `${parsed.errors.length} invalid line(s) in --jobs\n${lines.join('\n')}`);
  }
  if (parsed.jobs.length === 0)
    fail(command, `--jobs ${opts.jobs} holds no job request (empty, or only blank and # lines)`);
  const load = async <T>(flag: string, path: string | undefined, parse: (t: string) => InputResult<T>) => {
    if (path === undefined) return undefined;
    const result = parse(await readInput(flag, path));
    if (!result.ok) return fail(command, `invalid ${flag} ${path}: ${issuesText(result.issues)}`);
    return result.value;
  };
  const quotas: Quotas | undefined = await load('--quotas', opts.quotas, parseQuotasText);
  const budgets: Budgets | undefined = await load('--budgets', opts.budgets, parseBudgetsText);
  const commitments: Commitments | undefined = await load(
    '--commitments',
    opts.commitments,
    parseCommitmentsText,
  );
  const blockOfferings: CapacityBlockOfferings | undefined = await load(
    '--capacity-block-offerings',
    opts.capacityBlockOfferings,
    parseCapacityBlockOfferingsText,
  );

  const teams = new Map<string, TeamTerms>();
  for (const job of parsed.jobs) {
    if (teams.has(job.team)) continue;
    teams.set(job.team, {
      weight: budgets !== undefined ? teamWeight(budgets, job.team) : 1,
      remainingUsd: budgets !== undefined ? remainingBudgetUsd(budgets, job.team) : Number.POSITIVE_INFINITY,
    });
  }
  const priceBook = (io.priceBook ?? loadStaticPriceBook)();

  let history: PlanHistoryView | undefined;
  let samples: ReturnType<typeof usageHistory>['samples'] | undefined;
  if (opts.history !== undefined) {
    const usage: LedgerUsage[] = [];
    try {
      const lines = ledgerTextLines(await readInput('--history', opts.history));
      for await (const record of parseLedgerLines(lines, opts.history))
        if (record.kind === 'usage') usage.push(record);
    } catch (error) {
      if (error instanceof LedgerParseError) fail(command, `invalid --history ${error.message}`);
      throw error;
    }
    const folded = usageHistory(usage, { vcpus: vcpusByInstanceType(priceBook), nowMs, halfLifeHours });
    if (folded.unknownInstanceTypes.size > 0) {
      const types = [...folded.unknownInstanceTypes].map(([type, n]) => `${type} (${n})`).join(', ');
      const left = [...folded.unknownInstanceTypes.values()].reduce((a, b) => a + b, 0);
      warn(
        `qm plan: warning: --history ${opts.history}: ${left} usage interval(s) left out, their instance type is not in price book ${priceBook.id} so their vCPUs are unknown: ${types}\n`,
      );
    }
    samples = folded.samples;
    history = {
      halfLifeHours,
      teams: historyWeights(
        new Map([...teams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, v]) => [t, v.weight])),
        samples,
        nowMs,
        halfLifeHours,
      ),
    };
  }
  const solver = await HighsMilpSolver.create();
  const plan = solvePlan(
    {
      jobs: parsed.jobs,
      priceBook,
      quotaLimit: (region, cls) => {
        if (quotas === undefined) return null;
        const limit = quotaLimit(quotas, region, cls);
        return Number.isFinite(limit) ? limit : null;
      },
      teams,
      nowMs,
      ...(regions !== undefined ? { regions } : {}),
      ...(samples !== undefined ? { history: samples, halfLifeHours } : {}),
      // A batch plan has no running allocations: every commitment is whole.
      ...(commitments !== undefined
        ? { commitments: { commitments: commitments.commitments, drawn: new Map() } }
        : {}),
    },
    solver,
  );
  // Advice on the plan as made: the blocks are priced against it, never bought or planned on.
  const advice =
    blockOfferings === undefined
      ? undefined
      : capacityBlockAdvice({
          plan,
          jobs: parsed.jobs,
          offerings: blockOfferings.offerings,
          priceBook,
          nowMs,
          ...(regions !== undefined ? { regions } : {}),
        });
  if (opts.format === 'json') {
    const json = {
      ...planToJson(plan, history),
      ...(advice !== undefined ? { capacityBlockAdvice: capacityBlockAdviceToJson(advice) } : {}),
    };
    write(`${JSON.stringify(json, null, 2)}\n`);
  } else if (opts.format === 'csv') write(`${formatPlanCsv(plan)}\n`);
  else {
    const tty = process.stdout.isTTY ? process.stdout.columns : undefined;
    const width = io.columns ?? tty ?? DEFAULT_PLAN_WIDTH;
    const adviceText = advice === undefined ? '' : `\n\n${formatCapacityBlockAdvice(advice, width)}`;
    write(`${formatPlanTable(plan, history, { width })}${adviceText}\n`);
  }
};
