import type { Plan } from '../planning/plan.js';
import type { HistoryWeight } from '../planning/usage-history.js';
import { csvLine } from './csv.js';

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

/** Renders rows as an aligned text table; numeric-looking columns are right-aligned. */
export const textTable = (headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d,.]+%?$|^$/.test(r[i] ?? '')),
  );
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
};

/**
 * The human view of a plan: allocations, waiting jobs with reasons, fair share, totals. With a
 * history, a section after the fair share shows each team's configured weight, decayed past usage
 * and the effective weight the fair share used.
 */
export const formatPlanTable = (plan: Plan, history?: PlanHistoryView): string => {
  const out: string[] = [];
  out.push(
    `Price book ${plan.priceBook.id} (${plan.priceBook.source}, as of ${plan.priceBook.asOf}); solver ${plan.solver.method} [${plan.solver.status}]`,
    '',
    `Allocations (${plan.allocations.length})`,
    textTable(
      ['job', 'team', 'instance', 'region', 'az', 'option', 'nodes', 'usd/h', 'exp h', 'exp cost usd'],
      plan.allocations.map((a) => [
        a.jobId,
        a.team,
        a.instanceType,
        a.region,
        a.availabilityZone ?? 'any',
        a.purchaseOption + (a.spotPriceImplied ? '*' : ''),
        String(a.nodes),
        price(a.unitPriceUsdPerHour),
        hours(a.expectedHours),
        usd(a.expectedCostUsd),
      ]),
    ),
  );
  if (plan.allocations.some((a) => a.spotPriceImplied))
    out.push('  * spot price implied from the Spot Instance Advisor savings, not observed per AZ');
  out.push('', `Waiting (${plan.waiting.length})`);
  out.push(
    plan.waiting.length === 0
      ? '  none'
      : textTable(
          ['job', 'team', 'constraint', 'reason'],
          plan.waiting.map((w) => [w.jobId, w.team, w.binding.constraint, w.reason]),
        ),
  );
  out.push(
    '',
    'Fair share',
    textTable(
      ['team', 'weight', 'resource', 'demand', 'entitlement', 'allocated'],
      plan.fairShare.map((f) => [
        f.team,
        weightText(f.weight),
        f.resource,
        f.demand.toFixed(0),
        f.entitlement.toFixed(1),
        f.allocated.toFixed(0),
      ]),
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
    `  on-demand equivalent    ${usd(t.onDemandEquivalentUsd)} USD`,
    `  savings                 ${t.savingsPct.toFixed(1)} %`,
    `  lower bound             ${usd(t.lowerBoundUsd)} USD`,
    `  gap to lower bound      ${t.gapPct.toFixed(3)} %`,
  );
  return out.join('\n');
};

/**
 * The machine view: one JSON object with the documented fields (decision records included), and
 * `history` (half-life, configured and effective weight per team) when the plan had one.
 */
export const planToJson = (plan: Plan, history?: PlanHistoryView) => ({
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
] as const;

/** One row per job: allocated ones with their offer, waiting ones with their reason. */
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
        a.availabilityZone,
        a.purchaseOption,
        a.nodes,
        a.unitPriceUsdPerHour,
        a.expectedHours,
        a.expectedCostUsd,
        a.onDemandEquivalentUsd,
        '',
      ]),
    ),
    ...plan.waiting.map((w) =>
      csvLine(['waiting', w.jobId, w.team, '', '', '', '', '', '', '', '', '', '', w.reason]),
    ),
  ].join('\n');
