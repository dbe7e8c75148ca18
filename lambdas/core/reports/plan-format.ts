import type { Allocation, Plan, PlanBlocker, PlanSummary } from '../planning/plan.js';
import type { HistoryWeight } from '../planning/usage-history.js';
import { csvLine } from './csv.js';
import { textTable, wrapText } from './text-table.js';

export { textTable } from './text-table.js';

/** Past usage behind a plan's fair-share weights, when the plan was given a history. */
export interface PlanHistoryView {
  readonly halfLifeHours: number;
  /** Every team of the plan, with its configured and effective weight. */
  readonly teams: readonly HistoryWeight[];
}

const usd = (v: number): string =>
  v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const price = (v: number): string => v.toFixed(4);
const hours = (v: number): string => v.toFixed(2);
/** Configured weights print as given; effective ones (after past usage) to three decimals. */
const weightText = (v: number): string => String(Number(v.toFixed(3)));

/** Terminal width the table view fits when the caller does not say (a pipe, a file, a test). */
export const DEFAULT_PLAN_WIDTH = 120;

export interface PlanTableOptions {
  /** Columns to fit: the reason and note columns wrap, prose lines break. @default 120 */
  readonly width?: number;
}

const pct = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 100) : 0);
const poolWords = (constraint: string): string => constraint.replace(/^quota:/, '').replace(':', ' ');
const isQuota = (b: PlanBlocker): boolean => b.kind === 'quota' || b.kind === 'fair-share';

/** What one group of waiting jobs waits on, in a few words. */
const blockerWords = (b: PlanBlocker): string => {
  if (isQuota(b)) {
    const share =
      b.atFairShare === 0
        ? ''
        : b.atFairShare === b.jobs
          ? ` (${b.jobs === 1 ? 'it is' : 'all'} at the team's fair share)`
          : ` (${b.atFairShare} of them at their team's fair share)`;
    return `${b.jobs} on ${poolWords(b.constraint)} quota${share}`;
  }
  if (b.kind === 'budget') return `${b.jobs} on budget`;
  if (b.kind === 'no-feasible-offer') return `${b.jobs} with no feasible offer`;
  return `${b.jobs} behind higher-priority jobs`;
};

/**
 * The first lines of the table view: what was placed (and how much of the cost could never use
 * spot, which is why savings can be low), what waits grouped by binding constraint, and why:
 * jobs on on-demand quota that may not be interrupted (spot cannot help them) and the money left
 * to each team whose budget keeps a job waiting.
 */
export const planSummaryLines = (plan: Plan, summary: PlanSummary): string[] => {
  const t = plan.totals;
  const total = summary.placed + summary.waiting;
  const spotless = pct(summary.notInterruptibleUsd, t.expectedCostUsd);
  const lines = [
    summary.placed === 0
      ? `Placed none of the ${total} jobs.`
      : `Placed ${summary.placed} of ${total} jobs for ${usd(t.expectedCostUsd)} USD${
          t.committedUsd !== undefined ? ` beyond ${usd(t.committedUsd)} USD drawn on commitments` : ''
        }, ${t.savingsPct.toFixed(1)} % below all on-demand${
          spotless > 0 ? `: ${spotless} % of it is for jobs that may not use spot` : ''
        }.`,
  ];
  if (summary.waiting === 0) {
    lines.push('Nothing waits.');
    return lines;
  }
  const shown = summary.blockers.slice(0, 3);
  const rest = summary.blockers.slice(3).reduce((n, b) => n + b.jobs, 0);
  lines.push(
    `${summary.waiting} wait: ${shown.map(blockerWords).join(', ')}${rest > 0 ? `, ${rest} on other constraints` : ''}.`,
  );
  const why: string[] = [];
  const onDemand = summary.blockers.filter((b) => isQuota(b) && b.constraint.includes(':on-demand/'));
  const queued = onDemand.reduce((n, b) => n + b.jobs, 0);
  const fixed = onDemand.reduce((n, b) => n + b.notInterruptible, 0);
  if (fixed > 0)
    why.push(
      fixed === queued
        ? `${queued === 1 ? 'The one on quota is not' : `None of the ${queued} is`} interruptible, so spot cannot help`
        : `${fixed} of the ${queued} on on-demand quota ${fixed === 1 ? 'is' : 'are'} not interruptible, so spot cannot help ${fixed === 1 ? 'it' : 'them'}`,
    );
  const teams = summary.budgets.map((b) => {
    const before = b.cheapestWaitingUsd > b.periodLeftUsd;
    const left = before ? `${usd(b.periodLeftUsd)} USD left` : `${usd(b.leftUsd)} USD left after this plan`;
    const jobs = b.jobIds.length === 1 ? 'its job needs' : `its ${b.jobIds.length} jobs need`;
    return `${b.team} has ${left}, ${jobs} ${usd(b.cheapestWaitingUsd)} USD${b.jobIds.length === 1 ? '' : ' or more'}`;
  });
  if (teams.length > 0)
    why.push(
      `budget: ${teams.slice(0, 2).join('; ')}${teams.length > 2 ? `; ${teams.length - 2} more teams` : ''}`,
    );
  if (why.length > 0) {
    const text = why.join('; ');
    lines.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
  }
  return lines;
};

/** The summary a plan carries, or the counts alone for a plan built without one. */
const summaryOf = (plan: Plan): PlanSummary => {
  if (plan.summary !== undefined) return plan.summary;
  const groups = new Map<string, PlanBlocker>();
  for (const w of plan.waiting) {
    const g = groups.get(w.binding.constraint);
    groups.set(w.binding.constraint, {
      constraint: w.binding.constraint,
      kind: w.binding.kind,
      jobs: (g?.jobs ?? 0) + 1,
      atFairShare: (g?.atFairShare ?? 0) + (w.binding.kind === 'fair-share' ? 1 : 0),
      notInterruptible: 0,
      jobIds: [...(g?.jobIds ?? []), w.jobId],
    });
  }
  return {
    placed: plan.allocations.length,
    waiting: plan.waiting.length,
    notInterruptibleUsd: 0,
    blockers: [...groups.values()].sort((a, b) => b.jobs - a.jobs),
    budgets: [],
  };
};

/**
 * The human view of a plan: a summary (placed, waiting and why), allocations, waiting jobs with
 * reasons, fair share with a note where a line needs one, totals. With a history, a section after
 * the fair share shows each team's configured weight, decayed past usage and the effective weight
 * the fair share used. Every line fits `width` except table rows whose fixed columns alone do not.
 */
export const formatPlanTable = (
  plan: Plan,
  history?: PlanHistoryView,
  options: PlanTableOptions = {},
): string => {
  const width = options.width ?? DEFAULT_PLAN_WIDTH;
  // A long line continues indented by two, so the full width goes to its first line only.
  const prose = (text: string, indent = ''): string[] => {
    const [first = '', ...more] = wrapText(text, width - indent.length);
    const rest = more.length === 0 ? [] : wrapText(more.join(' '), width - indent.length - 2);
    return [`${indent}${first}`, ...rest.map((line) => `${indent}  ${line}`)];
  };
  const noted = plan.fairShare.some((f) => f.note !== undefined);
  const out: string[] = [];
  for (const line of planSummaryLines(plan, summaryOf(plan))) out.push(...prose(line));
  out.push(
    '',
    ...prose(
      `Price book ${plan.priceBook.id} (${plan.priceBook.source}, as of ${plan.priceBook.asOf}); solver ${plan.solver.method} [${plan.solver.status}]`,
    ),
    '',
    `Allocations (${plan.allocations.length})`,
    textTable(
      ['job', 'team', 'instance × nodes', 'region', 'az', 'option', 'usd/h', 'exp h', 'exp cost usd'],
      plan.allocations.map((a) => [
        a.jobId,
        a.team,
        a.nodes > 1 ? `${a.instanceType} ×${a.nodes}` : a.instanceType,
        a.region,
        a.availabilityZone ?? 'any',
        a.purchaseOption + (a.spotPriceImplied ? '*' : '') + (a.commitment !== undefined ? '†' : ''),
        price(a.unitPriceUsdPerHour),
        hours(a.expectedHours),
        usd(a.expectedCostUsd),
      ]),
      { width, wrap: 0 },
    ),
  );
  if (plan.allocations.some((a) => a.spotPriceImplied))
    out.push('  * spot price implied from the Spot Instance Advisor savings, not observed per AZ');
  const drawn = commitmentLines(plan);
  if (drawn.length > 0)
    out.push(
      '  † on capacity or a discount already paid for (below): no cost beyond what is committed',
      '',
      `Drawn on commitments (${drawn.length})`,
      ...prose(
        "effective usd: the jobs' expected hours at the commitment's rate, what finance sees drawn from it; the plan's cost counts none of it",
        '  ',
      ),
      textTable(
        ['commitment', 'kind', 'units', 'effective usd', 'jobs'],
        drawn.map((d) => [d.id, d.kind, unitsText(d), usd(d.effectiveCostUsd), d.jobIds.join(' ')]),
        { width, wrap: 4, minWrapWidth: 24 },
      ),
    );
  out.push('', `Waiting (${plan.waiting.length})`);
  out.push(
    plan.waiting.length === 0
      ? '  none'
      : textTable(
          ['job', 'team', 'constraint', 'reason'],
          plan.waiting.map((w) => [w.jobId, w.team, w.binding.constraint, w.reason]),
          { width, wrap: 3, minWrapWidth: 24 },
        ),
  );
  out.push(
    '',
    'Fair share',
    ...prose(
      "entitlement: the team's weighted share of what was free when each priority tier was shared out, summed over tiers",
      '  ',
    ),
    // The note column shows only when some line needs explaining.
    textTable(
      ['team', 'weight', 'resource', 'demand', 'entitlement', 'allocated', ...(noted ? ['note'] : [])],
      plan.fairShare.map((f) => [
        f.team,
        weightText(f.weight),
        f.resource,
        f.demand.toFixed(0),
        f.entitlement.toFixed(1),
        f.allocated.toFixed(0),
        ...(noted ? [f.note ?? ''] : []),
      ]),
      { width, wrap: 6, minWrapWidth: 20 },
    ),
  );
  if (history !== undefined)
    out.push(
      '',
      `Usage history (half-life ${weightText(history.halfLifeHours)} h)`,
      textTable(
        ['team', 'weight', 'decayed vcpu-h', 'effective weight'],
        history.teams.map((h) => [
          h.team,
          weightText(h.weight),
          h.decayedVcpuHours.toFixed(1),
          weightText(h.effectiveWeight),
        ]),
      ),
    );
  const t = plan.totals;
  out.push(
    '',
    'Totals',
    `  expected cost           ${usd(t.expectedCostUsd)} USD`,
    ...(t.committedUsd !== undefined
      ? [`  drawn on commitments    ${usd(t.committedUsd)} USD (already paid)`]
      : []),
    `  on-demand equivalent    ${usd(t.onDemandEquivalentUsd)} USD`,
    `  savings                 ${t.savingsPct.toFixed(1)} %`,
    `  lower bound             ${usd(t.lowerBoundUsd)} USD`,
    `  gap to lower bound      ${t.gapPct.toFixed(3)} %`,
  );
  return out.join('\n');
};

interface CommitmentLine {
  readonly id: string;
  readonly kind: NonNullable<Allocation['commitment']>['kind'];
  readonly units: number;
  readonly effectiveCostUsd: number;
  readonly jobIds: string[];
}

/** Per commitment the plan draws on: the units its jobs hold, their effective cost and their ids. */
const commitmentLines = (plan: Plan): CommitmentLine[] => {
  const byId = new Map<string, CommitmentLine>();
  for (const a of plan.allocations) {
    const c = a.commitment;
    if (c === undefined) continue;
    const line = byId.get(c.id);
    if (line === undefined)
      byId.set(c.id, {
        id: c.id,
        kind: c.kind,
        units: c.units,
        effectiveCostUsd: c.effectiveCostUsd,
        jobIds: [a.jobId],
      });
    else
      byId.set(c.id, {
        ...line,
        units: line.units + c.units,
        effectiveCostUsd: line.effectiveCostUsd + c.effectiveCostUsd,
        jobIds: [...line.jobIds, a.jobId],
      });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
};

/** Instances for a reservation or block; USD of the hourly commitment for a Savings Plan. */
const unitsText = (d: CommitmentLine): string =>
  d.kind === 'savings-plan'
    ? `${d.units.toFixed(2)} usd/h`
    : `${d.units} instance${d.units === 1 ? '' : 's'}`;

/**
 * The machine view: one JSON object with the documented fields (decision records included), and
 * `history` (half-life, configured and effective weight per team) when the plan had one. Fields
 * are only ever added: `summary` (placed and waiting counts, blockers, budget-bound teams) and each
 * fair-share line's `note` came after the rest.
 */
export const planToJson = (plan: Plan, history?: PlanHistoryView) => ({
  summary: summaryOf(plan),
  priceBook: plan.priceBook,
  allocations: plan.allocations.map((a) => ({
    jobId: a.jobId,
    team: a.team,
    project: a.project,
    instanceType: a.instanceType,
    region: a.region,
    availabilityZone: a.availabilityZone,
    purchaseOption: a.purchaseOption,
    nodes: a.nodes,
    unitPriceUsdPerHour: a.unitPriceUsdPerHour,
    expectedHours: a.expectedHours,
    expectedCostUsd: a.expectedCostUsd,
    onDemandEquivalentUsd: a.onDemandEquivalentUsd,
    spotPriceImplied: a.spotPriceImplied,
    offerId: a.offerId,
    ...(a.commitment !== undefined ? { commitment: a.commitment } : {}),
  })),
  waiting: plan.waiting.map((w) => ({
    jobId: w.jobId,
    team: w.team,
    reason: w.reason,
    constraint: w.binding.constraint,
    kind: w.binding.kind,
  })),
  fairShare: plan.fairShare,
  ...(history !== undefined
    ? { history: { halfLifeHours: history.halfLifeHours, teams: history.teams.map((h) => ({ ...h })) } }
    : {}),
  totals: plan.totals,
  solver: plan.solver,
  decisions: plan.decisions,
});

const CSV_HEADERS = [
  'status',
  'jobId',
  'team',
  'project',
  'instanceType',
  'region',
  'availabilityZone',
  'purchaseOption',
  'nodes',
  'unitPriceUsdPerHour',
  'expectedHours',
  'expectedCostUsd',
  'onDemandEquivalentUsd',
  'reason',
  'commitmentId',
] as const;

/**
 * One row per job: allocated ones with their offer, waiting ones with their reason. An allocation
 * whose price holds region-wide has `availabilityZone` `any`, as in the table view: an empty cell
 * would read the same as a waiting row's (no allocation at all), and `any` cannot be mistaken for
 * an AZ id, which always looks like `use1-az2`. JSON keeps `null`, its own word for "none given".
 */
export const formatPlanCsv = (plan: Plan): string =>
  [
    csvLine(CSV_HEADERS),
    ...plan.allocations.map((a) =>
      csvLine([
        'allocated',
        a.jobId,
        a.team,
        a.project,
        a.instanceType,
        a.region,
        a.availabilityZone ?? 'any',
        a.purchaseOption,
        a.nodes,
        a.unitPriceUsdPerHour,
        a.expectedHours,
        a.expectedCostUsd,
        a.onDemandEquivalentUsd,
        '',
        a.commitment?.id ?? '',
      ]),
    ),
    ...plan.waiting.map((w) =>
      csvLine(['waiting', w.jobId, w.team, '', '', '', '', '', '', '', '', '', '', w.reason, '']),
    ),
  ].join('\n');
