import type { Commitment } from '../commitments/commitment.js';
import { QuartermasterError } from '../errors.js';
import type { LedgerRecord, LedgerUsage } from '../ledger/ledger-export.js';
import { usdToMicros } from '../ports.js';
import { type CommitmentCharge, commitmentCharges, type TeamDraw } from './commitment-charges.js';
import { type DrawnInterval, drawnIntervalOf } from './commitment-draw.js';
import { type AcceleratorsOf, UNKNOWN_GPU_MODEL } from './instance-accelerators.js';
import { type MeteredPiece, MS_PER_DAY, meterUsage, type Span, usdOf } from './metering.js';

/**
 * Cost reports over a ledger export, built in one streaming pass: records are read one at a time
 * and folded into small accumulators (per group, per team and day, per job for the top list), so a
 * month of 100,000 jobs never sits in memory. Amounts are summed in whole micro-dollars, so every
 * total is exactly the sum of its rows and equals Σ usage hours × stored unit price to the cent.
 */

/** The fixed groupings; `tag:KEY` groups by the value of a job's tag (e.g. `tag:cost-center`). */
export const GROUP_BYS = [
  'team',
  'project',
  'job',
  'day',
  'month',
  'region',
  'instance-type',
  'gpu-model',
] as const;
export type GroupBy = (typeof GROUP_BYS)[number] | `tag:${string}`;

/** A tag key as job requests allow one: 1–128 characters. */
const TAG_GROUP = /^tag:.{1,128}$/s;

/** Narrows a user-supplied grouping: one of `GROUP_BYS`, or `tag:KEY`. */
export const isGroupBy = (value: string): value is GroupBy =>
  (GROUP_BYS as readonly string[]).includes(value) || TAG_GROUP.test(value);

/** The row key of a usage or job with no value for a `tag:KEY` grouping. */
export const untaggedKey = (groupBy: `tag:${string}`): string => `(no ${groupBy.slice(4)})`;

export interface CostReportOptions {
  /** First day, `YYYY-MM-DD` (UTC), inclusive. */
  readonly from: string;
  /** Last day, `YYYY-MM-DD` (UTC), inclusive. */
  readonly to: string;
  readonly groupBy: GroupBy;
  /** Jobs in the top list. @default 10 */
  readonly topJobs?: number;
  /**
   * The instant the ledger is known up to (an ISO date-time), for the run-rate forecast: spend
   * so far over the days elapsed since `from`, carried on to the end of `to`. At or after the
   * window's end (a closed period) the forecast is the actual. @default the window's end
   */
  readonly asOf?: string;
  /**
   * The accelerators of each instance type, for GPU-hours, USD per GPU-hour and the `gpu-model`
   * grouping. Without it GPU-hours and USD per GPU-hour are `null` and every `gpu-model` row is
   * `(unknown model)`.
   */
  readonly acceleratorsOf?: AcceleratorsOf;
  /**
   * The account's commitments (capacity reservations' rates resolved): each one's unused part in
   * the window is charged to teams (`committedUnusedUsd`, `commitments`). Without them the report
   * still shows list, effective and committed figures from the usage lines, and the unused part
   * is `null`.
   */
  readonly commitments?: readonly Commitment[];
}

/** Where each team's spend is heading by the end of the window, at its run rate so far. */
export interface TeamForecast {
  readonly team: string;
  /** Spend per day so far: actual over the days elapsed in the window up to `asOf`. */
  readonly runRateUsdPerDay: number;
  /** Actual plus the run rate over the days left to the window's end. */
  readonly forecastUsd: number;
  /** Budget minus actual; negative when over; `null` without a budget. */
  readonly budgetRemainingUsd: number | null;
  /**
   * The day (`YYYY-MM-DD`) the run rate reaches the budget, when that is inside the window (the
   * day daily spend reached it, when already over); `null` without a budget, or when the forecast
   * stays within it.
   */
  readonly budgetRunsOutOn: string | null;
}

/** Actual spend of the same-length period just before `from`, and how the window compares. */
export interface PeriodComparison {
  /** Actual spend in the previous period (USD). */
  readonly actualUsd: number;
  /** This window's actual minus the previous period's. */
  readonly changeUsd: number;
  /** The change as a percentage of the previous actual; `null` when there was none to compare with. */
  readonly changePct: number | null;
}

/** Amounts shared by rows, totals and team lines. USD at micro-dollar precision. */
export interface CostFigures {
  /**
   * What was paid beyond what was already committed: hours × the unit price stored with each
   * allocation, which is 0 for hours drawn on a commitment (their marginal cost, ADR 0015).
   */
  readonly actualUsd: number;
  /**
   * The hours at the prices they would have cost with no commitment: the on-demand list price for
   * hours drawn on one, the stored unit price for the rest.
   */
  readonly listUsd: number;
  /**
   * What the hours cost the account, commitments included: `actualUsd` plus the hours drawn on
   * commitments at each commitment's effective rate (what FOCUS calls EffectiveCost).
   */
  readonly effectiveUsd: number;
  /** The part of `effectiveUsd` drawn on commitments. */
  readonly committedUsd: number;
  /**
   * The share of the commitments' unused cost in the window charged here (`commitment-charges.ts`):
   * on team lines, team rows and the totals (which add what no team is charged); `null` on rows
   * of other groupings, and when the report was given no commitments.
   */
  readonly committedUnusedUsd: number | null;
  /** The same hours at on-demand prices. */
  readonly onDemandEquivalentUsd: number;
  /** `onDemandEquivalentUsd - actualUsd`. */
  readonly savingsUsd: number;
  /** Savings as a percentage of the on-demand equivalent; 0 without spend. */
  readonly savingsPct: number;
  /** The part of `actualUsd` whose work was lost to spot interruptions. */
  readonly interruptedUsd: number;
  /** `actualUsd` split by purchase option. */
  readonly spotUsd: number;
  readonly onDemandUsd: number;
  /** Expected cost at allocation of the jobs allocated in the window. */
  readonly estimateUsd: number;
  /** actual / estimate; `null` without an estimate. */
  readonly estimateAccuracy: number | null;
  readonly instanceHours: number;
  /**
   * Instance-hours × accelerators per instance, over usage on instance types the lookup knows;
   * `null` when the report had no lookup.
   */
  readonly gpuHours: number | null;
  /**
   * Actual USD per GPU-hour: the actual of the usage counted in `gpuHours` over those hours;
   * `null` without GPU-hours.
   */
  readonly usdPerGpuHour: number | null;
}

/** Figures that also say how the previous period compares. */
export interface ComparedFigures extends CostFigures {
  readonly previous: PeriodComparison;
}

export interface CostReportRow extends CostFigures {
  /**
   * The same key in the previous period; `null` for day and month rows, whose keys name dates
   * the previous period cannot have. Rows are the keys of this window: a key that spent only in
   * the previous period has none, and its spend is counted in `totals.previous` (and its team's).
   */
  readonly previous: PeriodComparison | null;
  /** Team, `team/project`, job id, `YYYY-MM-DD` or `YYYY-MM`. */
  readonly key: string;
  /** The row's team when the grouping has one (team, project, job). */
  readonly team: string | null;
  /** Budget limits of the months the row covers: for team rows that team's, for month rows all teams'. */
  readonly budgetUsd: number | null;
  /** actual / budget as a percentage. */
  readonly budgetUsedPct: number | null;
}

export interface TeamLine extends ComparedFigures {
  readonly team: string;
  readonly budgetUsd: number | null;
  readonly budgetUsedPct: number | null;
}

export interface DailyTeamSpend {
  readonly day: string;
  readonly team: string;
  readonly actualUsd: number;
}

export interface TopJob {
  readonly jobId: string;
  readonly team: string;
  readonly project: string;
  readonly actualUsd: number;
  readonly interruptedUsd: number;
}

/** One commitment over the window: what it cost, what jobs drew, and who is charged the rest. */
export interface CommitmentLine {
  readonly id: string;
  readonly name: string;
  readonly kind: Commitment['kind'];
  /** The team it was bought for; `null`: its unused part is shared by the teams that drew on it. */
  readonly owner: string | null;
  readonly committedUsd: number;
  readonly usedUsd: number;
  readonly unusedUsd: number;
  /** The unused part charged to each team, by team. */
  readonly unusedByTeam: readonly { readonly team: string; readonly usd: number }[];
  /** Unused cost no team is charged: nobody owns it and nobody drew on it in the window. */
  readonly unassignedUsd: number;
}

export interface CostReport {
  readonly from: string;
  readonly to: string;
  readonly groupBy: GroupBy;
  readonly currency: 'USD';
  readonly rows: readonly CostReportRow[];
  readonly totals: ComparedFigures & {
    readonly budgetUsd: number | null;
    readonly budgetUsedPct: number | null;
  };
  /** The previous period: as many days as the window, ending the day before `from`. */
  readonly previousPeriod: { readonly from: string; readonly to: string };
  /** Per team, for savings and budget charts. */
  readonly teams: readonly TeamLine[];
  /** The instant the forecast counts from (`asOf`, at most the window's end). */
  readonly asOf: string;
  /** Per team: run rate, forecast to the window's end, budget left and when it runs out. */
  readonly forecast: readonly TeamForecast[];
  /** Spend per team per day (days with spend only), for the spend-over-time chart. */
  readonly daily: readonly DailyTeamSpend[];
  readonly topJobs: readonly TopJob[];
  /** Per commitment given in the options, in their order; `null` when none were given. */
  readonly commitments: readonly CommitmentLine[] | null;
  /** Commitments usage in the window drew on that the options did not list (their ids, sorted). */
  readonly unlistedCommitmentIds: readonly string[];
  /** Usage intervals that overlapped the window. */
  readonly intervals: number;
  /**
   * Instance types of the window's usage that the accelerator lookup did not know (their hours
   * are in no GPU-hours, their rows under `(unknown model)`): every type, without a lookup.
   */
  readonly instanceTypesWithoutAccelerators: readonly string[];
  readonly jobs: number;
}

/** Bad report options; names the option. */
export class ReportOptionError extends QuartermasterError {
  override readonly name = 'ReportOptionError';
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`${option}: ${detail}`);
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const dayMs = (option: string, value: string): number => {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!DAY.test(value) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw new ReportOptionError(option, `must be a date YYYY-MM-DD; got "${value}"`);
  return ms;
};

/** The report window `[from 00:00Z, to + 1 day 00:00Z)`. @throws ReportOptionError */
export const reportWindow = (from: string, to: string): Span => {
  const startMs = dayMs('from', from);
  const endMs = dayMs('to', to) + MS_PER_DAY;
  if (endMs <= startMs) throw new ReportOptionError('to', `${to} is before from ${from}`);
  return { startMs, endMs };
};

/** Whole-month periods (`yyyy-mm`) a window touches. */
export const periodsIn = (window: Span): string[] => {
  const out: string[] = [];
  const d = new Date(window.startMs);
  for (let m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); m < window.endMs; ) {
    const md = new Date(m);
    out.push(md.toISOString().slice(0, 7));
    m = Date.UTC(md.getUTCFullYear(), md.getUTCMonth() + 1, 1);
  }
  return out;
};

/** Mutable sums in µ$ (and ms), one per group. */
class Sums {
  actual = 0;
  list = 0;
  effective = 0;
  committed = 0;
  /** Unused commitment cost charged here, µ$; `null` where none is attributed. */
  unused: number | null = null;
  onDemandEquivalent = 0;
  interrupted = 0;
  spot = 0;
  onDemandBought = 0;
  estimate = 0;
  ms = 0;
  /** Actual of the previous period, µ$. */
  previous = 0;
  /** Instance-milliseconds × accelerators per instance, and the µ$ of that usage. */
  gpuMs = 0;
  gpuCost = 0;

  comparison(previous = this.previous): PeriodComparison {
    return {
      actualUsd: usdOf(previous),
      changeUsd: usdOf(this.actual - previous),
      changePct: previous === 0 ? null : round2(((this.actual - previous) / previous) * 100),
    };
  }

  /** `withGpus`: whether the report had an accelerator lookup (else GPU figures are unknown). */
  figures(withGpus: boolean): CostFigures {
    const savings = this.onDemandEquivalent - this.actual;
    const gpuHours = this.gpuMs / 3_600_000;
    return {
      actualUsd: usdOf(this.actual),
      listUsd: usdOf(this.list),
      effectiveUsd: usdOf(this.effective),
      committedUsd: usdOf(this.committed),
      committedUnusedUsd: this.unused === null ? null : usdOf(this.unused),
      onDemandEquivalentUsd: usdOf(this.onDemandEquivalent),
      savingsUsd: usdOf(savings),
      savingsPct: this.onDemandEquivalent === 0 ? 0 : round2((savings / this.onDemandEquivalent) * 100),
      interruptedUsd: usdOf(this.interrupted),
      spotUsd: usdOf(this.spot),
      onDemandUsd: usdOf(this.onDemandBought),
      estimateUsd: usdOf(this.estimate),
      estimateAccuracy: this.estimate === 0 ? null : round4(this.actual / this.estimate),
      instanceHours: round4(this.ms / 3_600_000),
      gpuHours: withGpus ? round4(gpuHours) : null,
      usdPerGpuHour: withGpus && this.gpuMs > 0 ? round4(usdOf(this.gpuCost) / gpuHours) : null,
    };
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

interface Group {
  readonly sums: Sums;
  readonly team: string | null;
}

/** What a row key can be made of: a usage record, or a job with its allocation. */
interface Keyed {
  readonly team: string;
  readonly project: string;
  readonly jobId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

const keyFor = (groupBy: GroupBy, r: Keyed, atMs: number, acceleratorsOf?: AcceleratorsOf): string => {
  switch (groupBy) {
    case 'team':
      return r.team;
    case 'project':
      return `${r.team}/${r.project}`;
    case 'job':
      return r.jobId;
    case 'day':
      return new Date(atMs).toISOString().slice(0, 10);
    case 'month':
      return new Date(atMs).toISOString().slice(0, 7);
    case 'region':
      return r.region;
    case 'instance-type':
      return r.instanceType;
    case 'gpu-model':
      return acceleratorsOf?.(r.instanceType)?.gpuModel ?? UNKNOWN_GPU_MODEL;
    default: {
      const key = groupBy.slice(4);
      const value = r.tags !== undefined && Object.hasOwn(r.tags, key) ? r.tags[key] : undefined;
      return value ?? untaggedKey(groupBy);
    }
  }
};

/**
 * Builds a cost report in one pass over the records (any order). Usage is metered per day at its
 * stored unit price and clipped to the window; the same-length period before `from` is metered
 * in the same pass for `previous`; estimates come from job allocations made in the window;
 * budgets from `budget` records of the months the window touches.
 * @throws ReportOptionError for bad options, and whatever the record source throws (e.g. LedgerParseError)
 * @example const report = await buildCostReport(readLedgerFile(path), { from: '2026-11-01', to: '2026-11-30', groupBy: 'team' });
 */
export const buildCostReport = async (
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  options: CostReportOptions,
): Promise<CostReport> => {
  const window = reportWindow(options.from, options.to);
  if (!isGroupBy(options.groupBy))
    throw new ReportOptionError(
      'groupBy',
      `must be one of ${GROUP_BYS.join(', ')} or tag:KEY; got "${options.groupBy}"`,
    );
  const topN = options.topJobs ?? 10;
  const acceleratorsOf = options.acceleratorsOf;
  const withGpus = acceleratorsOf !== undefined;
  const unknownTypes = new Set<string>();
  let asOfMs = window.endMs;
  if (options.asOf !== undefined) {
    const ms = Date.parse(options.asOf);
    if (Number.isNaN(ms) || !/([zZ]|[+-]\d\d:\d\d)$/.test(options.asOf))
      throw new ReportOptionError(
        'asOf',
        `must be an ISO date-time with Z or an offset; got "${options.asOf}"`,
      );
    asOfMs = Math.min(window.endMs, Math.max(window.startMs, ms));
  }
  const periods = new Set(periodsIn(window));
  // The previous period is metered in the same pass: one span from its start to the window's end,
  // whose day pieces fall on one side of `from` or the other (both edges are UTC midnights).
  const previousStartMs = 2 * window.startMs - window.endMs;
  const metered: Span = { startMs: previousStartMs, endMs: window.endMs };
  // Day and month keys name dates, so the previous period has none of this window's rows.
  const rowsCompare = options.groupBy !== 'day' && options.groupBy !== 'month';

  const groups = new Map<string, Group>();
  const teams = new Map<string, Sums>();
  const daily = new Map<string, number>();
  const jobs = new Map<string, { team: string; project: string; actual: number; interrupted: number }>();
  const budgets = new Map<string, number>();
  /**
   * Previous-period actual per row key, µ$. Kept apart from `groups` so that a key which spent only
   * before `from` gets no row of its own (its spend is in the totals' and its team's `previous`).
   */
  const previousOfKey = new Map<string, number>();
  const total = new Sums();
  let intervals = 0;
  /** Per commitment id, per team: the intervals drawn on it and their effective µ$ in the window. */
  const draws = new Map<string, Map<string, { intervals: DrawnInterval[]; effectiveMicros: number }>>();
  const drawOn = (usage: LedgerUsage, inWindow: readonly MeteredPiece[]) => {
    const c = usage.commitment;
    const interval = drawnIntervalOf(usage, window.endMs);
    if (c === undefined || interval === undefined) return;
    let byTeam = draws.get(c.id);
    if (byTeam === undefined) {
      byTeam = new Map();
      draws.set(c.id, byTeam);
    }
    let draw = byTeam.get(usage.team);
    if (draw === undefined) {
      draw = { intervals: [], effectiveMicros: 0 };
      byTeam.set(usage.team, draw);
    }
    draw.intervals.push(interval);
    for (const p of inWindow) draw.effectiveMicros += p.effectiveMicros;
  };

  const group = (key: string, team: string | null): Sums => {
    let g = groups.get(key);
    if (g === undefined) {
      g = { sums: new Sums(), team };
      groups.set(key, g);
    }
    return g.sums;
  };
  const teamSums = (team: string): Sums => {
    let t = teams.get(team);
    if (t === undefined) {
      t = new Sums();
      teams.set(team, t);
    }
    return t;
  };
  // Only team, project and job rows belong to one team; the other groupings mix teams.
  const ownTeam = options.groupBy === 'team' || options.groupBy === 'project' || options.groupBy === 'job';
  const rowTeam = (team: string): string | null => (ownTeam ? team : null);

  for await (const record of records) {
    switch (record.kind) {
      case 'usage': {
        const pieces = meterUsage(record, metered, 'day');
        if (pieces.length === 0) break;
        const before = pieces.filter((p) => p.startMs < window.startMs);
        for (const p of before) {
          teamSums(record.team).previous += p.costMicros;
          total.previous += p.costMicros;
          if (!rowsCompare) continue;
          const key = keyFor(options.groupBy, record, p.startMs, acceleratorsOf);
          previousOfKey.set(key, (previousOfKey.get(key) ?? 0) + p.costMicros);
        }
        if (before.length === pieces.length) break;
        intervals += 1;
        const spot = record.purchaseOption === 'spot';
        const gpus = acceleratorsOf?.(record.instanceType)?.gpuCount;
        if (gpus === undefined) unknownTypes.add(record.instanceType);
        let job = jobs.get(record.jobId);
        if (job === undefined) {
          job = { team: record.team, project: record.project, actual: 0, interrupted: 0 };
          jobs.set(record.jobId, job);
        }
        for (const p of pieces.slice(before.length)) {
          const key = keyFor(options.groupBy, record, p.startMs, acceleratorsOf);
          const targets = [group(key, rowTeam(record.team)), teamSums(record.team), total];
          for (const s of targets) {
            s.actual += p.costMicros;
            s.list += p.committed ? p.onDemandMicros : p.costMicros;
            s.effective += p.effectiveMicros;
            if (p.committed) s.committed += p.effectiveMicros;
            s.onDemandEquivalent += p.onDemandMicros;
            s.interrupted += p.interruptedMicros;
            if (spot) s.spot += p.costMicros;
            else s.onDemandBought += p.costMicros;
            s.ms += p.endMs - p.startMs;
            if (gpus !== undefined) {
              s.gpuMs += (p.endMs - p.startMs) * gpus;
              s.gpuCost += p.costMicros;
            }
          }
          const dayKey = `${new Date(p.startMs).toISOString().slice(0, 10)}\u0000${record.team}`;
          daily.set(dayKey, (daily.get(dayKey) ?? 0) + p.costMicros);
          job.actual += p.costMicros;
          job.interrupted += p.interruptedMicros;
        }
        if (record.commitment !== undefined) drawOn(record, pieces.slice(before.length));
        break;
      }
      case 'job': {
        const a = record.allocation;
        if (a === null) break;
        const atMs = Date.parse(a.allocatedAt);
        if (atMs < window.startMs || atMs >= window.endMs) break;
        const estimate = usdToMicros(a.expectedCostUsd, `job ${record.jobId} allocation.expectedCostUsd`);
        const key = keyFor(
          options.groupBy,
          { ...record, region: a.region, instanceType: a.instanceType, tags: record.tags },
          atMs,
          acceleratorsOf,
        );
        for (const s of [group(key, rowTeam(record.team)), teamSums(record.team), total])
          s.estimate += estimate;
        break;
      }
      case 'budget': {
        if (!periods.has(record.period)) break;
        // A later line for the same team and month replaces an earlier one (a re-export).
        budgets.set(`${record.team}\u0000${record.period}`, usdToMicros(record.limitUsd, 'limitUsd'));
        break;
      }
      case 'event':
        break;
    }
  }

  const teamBudget = new Map<string, number>();
  const monthBudget = new Map<string, number>();
  for (const [key, limit] of budgets) {
    const [team = '', period = ''] = key.split('\u0000');
    teamBudget.set(team, (teamBudget.get(team) ?? 0) + limit);
    monthBudget.set(period, (monthBudget.get(period) ?? 0) + limit);
  }
  const used = (actualMicros: number, budget: number | undefined) =>
    budget === undefined
      ? { budgetUsd: null, budgetUsedPct: null }
      : {
          budgetUsd: usdOf(budget),
          budgetUsedPct: budget === 0 ? null : round2((actualMicros / budget) * 100),
        };
  const budgetOfRow = (key: string, sums: Sums) =>
    options.groupBy === 'team'
      ? used(sums.actual, teamBudget.get(key))
      : options.groupBy === 'month'
        ? used(sums.actual, monthBudget.get(key))
        : { budgetUsd: null, budgetUsedPct: null };

  for (const team of teamBudget.keys()) teamSums(team);
  const charges = options.commitments === undefined ? null : chargesOf(options.commitments, draws, window);
  if (charges !== null) {
    for (const s of [total, ...teams.values()]) s.unused = 0;
    for (const c of charges) {
      for (const [team, micros] of c.unusedByTeam) {
        const s = teamSums(team);
        s.unused = (s.unused ?? 0) + micros;
      }
      total.unused = (total.unused ?? 0) + c.unusedMicros;
    }
    // A team row is the team's line (a team charged only for idle commitments gets one too, so
    // the rows add up to the total less what no team is charged); other groupings mix teams, so
    // their rows get no share.
    if (options.groupBy === 'team') {
      for (const c of charges) for (const team of c.unusedByTeam.keys()) group(team, team);
      for (const [key, g] of groups) g.sums.unused = teams.get(key)?.unused ?? 0;
    }
  }
  const listed = new Set((options.commitments ?? []).map((c) => c.id));
  const rows: CostReportRow[] = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => ({
      key,
      team: g.team,
      ...g.sums.figures(withGpus),
      previous: rowsCompare ? g.sums.comparison(previousOfKey.get(key) ?? 0) : null,
      ...budgetOfRow(key, g.sums),
    }));
  const allBudgets = [...teamBudget.values()];
  const totalBudget = allBudgets.length === 0 ? undefined : allBudgets.reduce((a, b) => a + b, 0);

  const topJobs = [...jobs.entries()]
    .sort(([ja, a], [jb, b]) => b.actual - a.actual || (ja < jb ? -1 : 1))
    .slice(0, topN)
    .map(([jobId, j]) => ({
      jobId,
      team: j.team,
      project: j.project,
      actualUsd: usdOf(j.actual),
      interruptedUsd: usdOf(j.interrupted),
    }));

  const teamLines = [...teams.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([team, s]) => ({
      team,
      ...s.figures(withGpus),
      previous: s.comparison(),
      ...used(s.actual, teamBudget.get(team)),
    }));
  /** The day a team's cumulative daily spend first reached its budget (it already has). */
  const crossedOn = (team: string): string | null => {
    const budget = teamBudget.get(team) ?? 0;
    const days = [...daily.entries()]
      .filter(([key]) => key.endsWith(`\u0000${team}`))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    let sum = 0;
    for (const [key, micros] of days) {
      sum += micros;
      if (sum >= budget) return key.slice(0, 10);
    }
    return null;
  };
  const elapsedDays = (asOfMs - window.startMs) / MS_PER_DAY;
  const leftDays = (window.endMs - asOfMs) / MS_PER_DAY;
  const forecast = teamLines.map((t): TeamForecast => {
    const rate = elapsedDays > 0 ? t.actualUsd / elapsedDays : 0;
    const remaining = t.budgetUsd === null ? null : t.budgetUsd - t.actualUsd;
    let runsOut: string | null = null;
    if (remaining !== null && remaining <= 0) runsOut = crossedOn(t.team);
    else if (remaining !== null && rate > 0 && remaining / rate < leftDays)
      runsOut = new Date(asOfMs + (remaining / rate) * MS_PER_DAY).toISOString().slice(0, 10);
    return {
      team: t.team,
      runRateUsdPerDay: round2(rate),
      forecastUsd: round2(t.actualUsd + rate * leftDays),
      budgetRemainingUsd: remaining === null ? null : round2(remaining),
      budgetRunsOutOn: runsOut,
    };
  });

  return {
    from: options.from,
    to: options.to,
    groupBy: options.groupBy,
    currency: 'USD',
    rows,
    totals: { ...total.figures(withGpus), previous: total.comparison(), ...used(total.actual, totalBudget) },
    previousPeriod: {
      from: new Date(previousStartMs).toISOString().slice(0, 10),
      to: new Date(window.startMs - MS_PER_DAY).toISOString().slice(0, 10),
    },
    teams: teamLines,
    asOf: new Date(asOfMs).toISOString(),
    forecast,
    daily: [...daily.entries()]
      .map(([key, micros]) => {
        const [day = '', team = ''] = key.split('\u0000');
        return { day, team, actualUsd: usdOf(micros) };
      })
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.team < b.team ? -1 : 1)),
    topJobs,
    commitments:
      charges === null
        ? null
        : charges.map(
            (c): CommitmentLine => ({
              id: c.id,
              name: c.name,
              kind: c.kind,
              owner: c.owner,
              committedUsd: usdOf(c.committedMicros),
              usedUsd: usdOf(c.usedMicros),
              unusedUsd: usdOf(c.unusedMicros),
              unusedByTeam: [...c.unusedByTeam.entries()]
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([team, micros]) => ({ team, usd: usdOf(micros) })),
              unassignedUsd: usdOf(c.unassignedMicros),
            }),
          ),
    unlistedCommitmentIds: [...draws.keys()].filter((id) => !listed.has(id)).sort(),
    intervals,
    instanceTypesWithoutAccelerators: [...unknownTypes].sort(),
    jobs: jobs.size,
  };
};

const chargesOf = (
  commitments: readonly Commitment[],
  draws: ReadonlyMap<string, ReadonlyMap<string, { intervals: DrawnInterval[]; effectiveMicros: number }>>,
  window: Span,
): CommitmentCharge[] => {
  const byId = new Map<string, TeamDraw[]>();
  for (const [id, teams] of draws)
    byId.set(
      id,
      [...teams.entries()].map(([team, d]) => ({
        team,
        intervals: d.intervals,
        effectiveMicros: d.effectiveMicros,
      })),
    );
  return commitmentCharges(
    commitments,
    byId,
    new Date(window.startMs).toISOString(),
    new Date(window.endMs).toISOString(),
  );
};
