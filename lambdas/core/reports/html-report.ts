import type { CostReport, CostReportRow, PeriodComparison } from '../accounting/cost-report.js';
import { cumulativeSpendCharts, windowDays } from './cumulative-spend-chart.js';
import { figure, pageHtml } from './page-style.js';
import {
  colorMap,
  dayLabel,
  escapeHtml,
  horizontalBarChart,
  monthLabel,
  PURCHASE_COLORS,
  proportionBar,
  type Series,
  STATUS_LEGEND,
  stackedColumnChart,
  statusColor,
} from './svg-chart.js';
import { formatUsd, formatUsdShort } from './usd-format.js';

export { formatUsd } from './usd-format.js';

/**
 * The cost report as one self-contained HTML file: inline CSS and SVG only, and a content security
 * policy that forbids every fetch, so it opens offline, from a mail attachment or an S3 link
 * without calling anywhere. Headline figures carry `data-` attributes with the exact report
 * values, so tests (and scripts) can read them back.
 */

export interface HtmlReportOptions {
  /** Where the data came from, shown under the title (e.g. the ledger file name). */
  readonly source?: string;
  /** When the report was made (ISO); callers pass it, the core has no clock. */
  readonly generatedAt?: string;
}

/** `$2.3209`: per-hour rates keep four decimals, as unit prices are stored. */
const formatUsdPerHour = (usd: number): string =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 })}`;
const formatPct = (pct: number | null) => (pct === null ? '—' : `${pct.toFixed(1)} %`);
const formatRatio = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);

/** The team legend: every team of the report in its colour, the same in every chart. */
const teamLegend = (report: CostReport, colors: ReadonlyMap<string, string>) =>
  report.teams.map((t) => ({ name: t.team, color: colors.get(t.team) ?? '#444444' }));

const spendOverTime = (report: CostReport, colors: ReadonlyMap<string, string>): string => {
  const days = windowDays(report.from, report.to);
  // Long windows read better by month than as hundreds of slivers.
  const byMonth = days.length > 62;
  const buckets = byMonth ? [...new Set(days.map((d) => d.slice(0, 7)))] : days;
  const index = new Map(buckets.map((b, i) => [b, i]));
  const teams = [...colors.keys()];
  const series: Series[] = teams.map((team) => {
    const values = new Array<number>(buckets.length).fill(0);
    for (const d of report.daily) {
      if (d.team !== team) continue;
      const i = index.get(byMonth ? d.day.slice(0, 7) : d.day);
      if (i !== undefined) values[i] = (values[i] ?? 0) + d.actualUsd;
    }
    return { name: team, color: colors.get(team) ?? '#444444', values };
  });
  const peak = buckets
    .map((b, i) => ({ b, v: series.reduce((s, x) => s + (x.values[i] ?? 0), 0) }))
    .reduce((a, c) => (c.v > a.v ? c : a), { b: '', v: 0 });
  const withYear = report.from.slice(0, 4) !== report.to.slice(0, 4);
  const labels = buckets.map((b) => (byMonth ? monthLabel(b) : dayLabel(b, withYear)));
  return stackedColumnChart({
    id: 'spend-over-time',
    title: `Spend per team per ${byMonth ? 'month' : 'day'}`,
    desc: `Stacked ${byMonth ? 'monthly' : 'daily'} spend of ${teams.length} teams from ${report.from} to ${report.to}, ${formatUsd(report.totals.actualUsd)} in total. ${peak.v > 0 ? `Highest ${byMonth ? 'month' : 'day'}: ${peak.b}, ${formatUsd(peak.v)}.` : 'No spend.'} Per team: ${report.teams.map((t) => `${t.team} ${formatUsd(t.actualUsd)}`).join(', ')}.`,
    width: 1120,
    categories: labels,
    series,
    format: (v) => formatUsdShort(v),
    xTitle: byMonth ? 'Month (UTC)' : 'Day (UTC)',
    yTitle: 'USD',
  });
};

const purchaseSplit = (report: CostReport): string => {
  const t = report.totals;
  const share = t.actualUsd === 0 ? 0 : (t.spotUsd / t.actualUsd) * 100;
  return proportionBar({
    id: 'purchase-split',
    width: 540,
    title: 'Spot versus on-demand spend',
    desc: `Spot ${formatUsd(t.spotUsd)} (${share.toFixed(1)} %), on-demand ${formatUsd(t.onDemandUsd)} (${(t.actualUsd === 0 ? 0 : 100 - share).toFixed(1)} %).`,
    parts: [
      { name: 'Spot', color: PURCHASE_COLORS.spot, value: t.spotUsd },
      { name: 'On-demand', color: PURCHASE_COLORS.onDemand, value: t.onDemandUsd },
    ],
    format: formatUsd,
  });
};

const savingsChart = (report: CostReport, colors: ReadonlyMap<string, string>): string =>
  horizontalBarChart({
    id: 'savings',
    width: 540,
    title: 'Actual spend against the on-demand equivalent, per team',
    desc: `Buying the same hours on demand would have cost ${formatUsd(report.totals.onDemandEquivalentUsd)}; actual spend was ${formatUsd(report.totals.actualUsd)}, saving ${formatUsd(report.totals.savingsUsd)} (${formatPct(report.totals.savingsPct)}). ${report.teams.map((t) => `${t.team}: ${formatUsd(t.actualUsd)} against ${formatUsd(t.onDemandEquivalentUsd)}, ${formatPct(t.savingsPct)} saved`).join('; ')}.`,
    labels: report.teams.map((t) => t.team),
    series: [
      { name: 'Actual', color: '#444444', values: report.teams.map((t) => t.actualUsd) },
      {
        name: 'On-demand equivalent',
        color: PURCHASE_COLORS.onDemand,
        values: report.teams.map((t) => t.onDemandEquivalentUsd),
      },
    ],
    // The actual bar is in its team's colour; the on-demand price of the same hours in grey.
    rowColors: report.teams.map((t) => colors.get(t.team) ?? '#444444'),
    legend: [
      ...teamLegend(report, colors).map((l) => ({ ...l, name: `${l.name} actual` })),
      { name: 'on-demand equivalent', color: PURCHASE_COLORS.onDemand },
    ],
    annotations: report.teams.map((t) => `${formatPct(t.savingsPct)} saved`),
    format: (v) => formatUsdShort(v),
  });

const budgetChart = (report: CostReport): string => {
  const teams = report.teams.filter((t) => t.budgetUsedPct !== null);
  return horizontalBarChart({
    id: 'budget-burn',
    width: 540,
    title: 'Budget burn per team',
    desc:
      teams.length === 0
        ? 'No team has a budget for this period.'
        : `Share of each team's budget for ${report.from} to ${report.to} spent: ${teams.map((t) => `${t.team} ${formatPct(t.budgetUsedPct)} of ${formatUsd(t.budgetUsd ?? 0)}`).join(', ')}. Marks at 80 % and 100 %.`,
    labels: teams.map((t) => t.team),
    series: [
      {
        name: 'Budget used',
        color: STATUS_LEGEND[0]?.color ?? '#444444',
        values: teams.map((t) => t.budgetUsedPct ?? 0),
      },
    ],
    // Status, not team: the colour says where the share falls on the legended scale.
    rowColors: teams.map((t) => statusColor(t.budgetUsedPct ?? 0)),
    legend: STATUS_LEGEND,
    annotations: teams.map((t) => `${formatPct(t.budgetUsedPct)} of ${formatUsdShort(t.budgetUsd ?? 0)}`),
    references: [
      { value: 80, label: '80 %' },
      { value: 100, label: '100 %' },
    ],
    format: (v) => `${Math.round(v)} %`,
  });
};

const topJobsChart = (report: CostReport, colors: ReadonlyMap<string, string>): string =>
  horizontalBarChart({
    id: 'top-jobs',
    width: 540,
    title: `Top ${report.topJobs.length} jobs by cost`,
    desc: report.topJobs
      .map((j, i) => `${i + 1}. ${j.jobId} (${j.team}) ${formatUsd(j.actualUsd)}`)
      .join('; '),
    labels: report.topJobs.map((j) => j.jobId),
    series: [{ name: 'Cost', color: '#444444', values: report.topJobs.map((j) => j.actualUsd) }],
    rowColors: report.topJobs.map((j) => colors.get(j.team) ?? '#444444'),
    legend: teamLegend(report, colors).filter((l) => report.topJobs.some((j) => j.team === l.name)),
    annotations: report.topJobs.map((j) => `${formatUsd(j.actualUsd)} · ${j.team}`),
    format: (v) => formatUsdShort(v),
  });

const kpi = (key: string, label: string, value: string, sub: string, data: number | null) =>
  `<li class="kpi" data-kpi="${key}"${data === null ? '' : ` data-value="${data}"`}><span class="k">${escapeHtml(label)}</span><span class="v">${escapeHtml(value)}</span><span class="s">${escapeHtml(sub)}</span></li>`;

const GROUP_LABEL: Readonly<Record<string, string>> = {
  team: 'Team',
  project: 'Project',
  job: 'Job',
  day: 'Day',
  month: 'Month',
  region: 'Region',
  'instance-type': 'Instance type',
  'gpu-model': 'GPU model',
};

/** The grouping's column heading; a `tag:KEY` grouping is headed by its key (plain text, escape it). */
const groupLabel = (groupBy: CostReport['groupBy']): string =>
  GROUP_LABEL[groupBy] ?? `Tag ${groupBy.slice(4)}`;

const rowCells = (r: Pick<CostReportRow, Exclude<keyof CostReportRow, 'key' | 'team'>>) =>
  [
    formatUsd(r.actualUsd),
    formatUsd(r.onDemandEquivalentUsd),
    formatUsd(r.savingsUsd),
    formatPct(r.savingsPct),
    formatUsd(r.interruptedUsd),
    formatUsd(r.spotUsd),
    formatUsd(r.onDemandUsd),
    formatUsd(r.estimateUsd),
    formatRatio(r.estimateAccuracy),
    r.instanceHours.toLocaleString('en-US', { maximumFractionDigits: 1 }),
    r.gpuHours === null ? '—' : r.gpuHours.toLocaleString('en-US', { maximumFractionDigits: 1 }),
    r.usdPerGpuHour === null ? '—' : formatUsdPerHour(r.usdPerGpuHour),
  ]
    .map((c) => `<td>${escapeHtml(c)}</td>`)
    .join('') +
  `<td${(r.budgetUsedPct ?? 0) >= 100 ? ' class="over"' : ''}>${escapeHtml(r.budgetUsd === null ? '—' : `${formatPct(r.budgetUsedPct)} of ${formatUsdShort(r.budgetUsd)}`)}</td>` +
  comparisonCells(r.previous);

/** A signed amount, so a rise and a fall read apart in print as well as on screen. */
const signedUsd = (usd: number) => (usd > 0 ? `+${formatUsd(usd)}` : formatUsd(usd));
const signedPct = (pct: number | null) => (pct === null ? '—' : `${pct > 0 ? '+' : ''}${pct.toFixed(1)} %`);

/** Previous actual, change and change %; dashes where the row has no previous counterpart. */
const comparisonCells = (c: PeriodComparison | null): string =>
  (c === null ? ['—', '—', '—'] : [formatUsd(c.actualUsd), signedUsd(c.changeUsd), signedPct(c.changePct)])
    .map((v) => `<td>${escapeHtml(v)}</td>`)
    .join('');

const COLUMNS = [
  'Actual',
  'On-demand equivalent',
  'Savings',
  'Savings %',
  'Interrupted',
  'Spot',
  'On-demand',
  'Estimate',
  'Actual / estimate',
  'Instance-hours',
  'GPU-hours',
  'USD per GPU-hour',
  'Budget used',
  'Previous period',
  'Change',
  'Change %',
];

const rowsTable = (report: CostReport): string => {
  const label = groupLabel(report.groupBy);
  const withTeam = report.groupBy === 'project' || report.groupBy === 'job';
  const head = `<tr><th scope="col" class="text">${escapeHtml(label)}</th>${withTeam ? '<th scope="col" class="text">Team</th>' : ''}${COLUMNS.map((c) => `<th scope="col">${c}</th>`).join('')}</tr>`;
  const body = report.rows
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r.key)}</th>${withTeam ? `<td class="text">${escapeHtml(r.team ?? '')}</td>` : ''}${rowCells(r)}</tr>`,
    )
    .join('');
  const foot = `<tr><th scope="row">Total</th>${withTeam ? '<td></td>' : ''}${rowCells(report.totals)}</tr>`;
  return `<div class="table-wrap"><table id="rows-table" data-rows="${report.rows.length}"><caption>Cost by ${escapeHtml(label.toLowerCase())}, ${escapeHtml(report.from)} to ${escapeHtml(report.to)} (USD)</caption><thead>${head}</thead><tbody>${body}</tbody><tfoot>${foot}</tfoot></table></div>`;
};

const topJobsTable = (report: CostReport): string =>
  `<div class="table-wrap"><table id="top-jobs-table"><caption>Top ${report.topJobs.length} jobs by cost</caption><thead><tr><th scope="col" class="text">Job</th><th scope="col" class="text">Team</th><th scope="col" class="text">Project</th><th scope="col">Cost</th><th scope="col">Interrupted</th></tr></thead><tbody>${report.topJobs
    .map(
      (j) =>
        `<tr><th scope="row">${escapeHtml(j.jobId)}</th><td class="text">${escapeHtml(j.team)}</td><td class="text">${escapeHtml(j.project)}</td><td>${formatUsd(j.actualUsd)}</td><td>${formatUsd(j.interruptedUsd)}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;

const teamsTable = (report: CostReport): string =>
  `<div class="table-wrap"><table id="teams-table"><caption>Teams: spend, savings and budget</caption><thead><tr><th scope="col" class="text">Team</th>${COLUMNS.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead><tbody>${report.teams
    .map((t) => `<tr><th scope="row">${escapeHtml(t.team)}</th>${rowCells(t)}</tr>`)
    .join('')}</tbody></table></div>`;

/**
 * Per team: what its hours cost at list price, what they cost the account with commitments drawn
 * at their effective rates, the part drawn, and its share of what the commitments left unused;
 * then per commitment, what it cost, what was used and who is charged the rest.
 */
const commitmentsTables = (report: CostReport): string => {
  if (report.commitments === null && report.totals.committedUsd === 0) return '';
  const unused = (usd: number | null) => (usd === null ? '—' : formatUsd(usd));
  const teams = `<div class="table-wrap"><table id="commitment-teams-table"><caption>Teams and commitments: list, effective and committed cost (USD)</caption><thead><tr><th scope="col" class="text">Team</th><th scope="col">Actual</th><th scope="col">List</th><th scope="col">Effective</th><th scope="col">Drawn on commitments</th><th scope="col">Unused commitments charged</th></tr></thead><tbody>${report.teams
    .map(
      (t) =>
        `<tr><th scope="row">${escapeHtml(t.team)}</th><td>${formatUsd(t.actualUsd)}</td><td>${formatUsd(t.listUsd)}</td><td>${formatUsd(t.effectiveUsd)}</td><td>${formatUsd(t.committedUsd)}</td><td>${unused(t.committedUnusedUsd)}</td></tr>`,
    )
    .join(
      '',
    )}</tbody><tfoot><tr><th scope="row">Total</th><td>${formatUsd(report.totals.actualUsd)}</td><td>${formatUsd(report.totals.listUsd)}</td><td>${formatUsd(report.totals.effectiveUsd)}</td><td>${formatUsd(report.totals.committedUsd)}</td><td>${unused(report.totals.committedUnusedUsd)}</td></tr></tfoot></table></div>`;
  const list = report.commitments ?? [];
  const charged = (c: (typeof list)[number]) =>
    [
      ...c.unusedByTeam.map((t) => `${escapeHtml(t.team)} ${formatUsd(t.usd)}`),
      ...(c.unassignedUsd > 0 ? [`unassigned ${formatUsd(c.unassignedUsd)}`] : []),
    ].join(', ') || '—';
  const commitments =
    list.length === 0
      ? ''
      : `<div class="table-wrap"><table id="commitments-table"><caption>Commitments in the window: cost, use, and who is charged the unused part (USD)</caption><thead><tr><th scope="col" class="text">Commitment</th><th scope="col" class="text">Kind</th><th scope="col">Committed</th><th scope="col">Used</th><th scope="col">Unused</th><th scope="col" class="text">Unused charged to</th></tr></thead><tbody>${list
          .map(
            (c) =>
              `<tr><th scope="row">${escapeHtml(c.name)}</th><td class="text">${escapeHtml(c.kind)}</td><td>${formatUsd(c.committedUsd)}</td><td>${formatUsd(c.usedUsd)}</td><td>${formatUsd(c.unusedUsd)}</td><td class="text">${charged(c)}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  return `${teams}\n${commitments}`;
};

/** Per team: budget left in dollars, the run rate and where it leads by the end of the window. */
/**
 * Spend per team per day (per month past 62 days), the figures of the daily chart, so none of
 * them is only in a bar's tooltip.
 */
const dailyTable = (report: CostReport): string => {
  const byMonth = windowDays(report.from, report.to).length > 62;
  const teams = report.teams.map((t) => t.team);
  const sums = new Map<string, Map<string, number>>();
  for (const d of report.daily) {
    const key = byMonth ? d.day.slice(0, 7) : d.day;
    const row = sums.get(key) ?? new Map<string, number>();
    row.set(d.team, (row.get(d.team) ?? 0) + d.actualUsd);
    sums.set(key, row);
  }
  const body = [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, row]) => {
      const total = [...row.values()].reduce((a, b) => a + b, 0);
      return `<tr><th scope="row">${escapeHtml(key)}</th>${teams.map((t) => `<td>${row.has(t) ? formatUsd(row.get(t) ?? 0) : '—'}</td>`).join('')}<td>${formatUsd(total)}</td></tr>`;
    })
    .join('');
  const unit = byMonth ? 'month' : 'day';
  return `<div class="table-wrap"><table id="daily-table"><caption>Spend per team per ${unit} (UTC, USD; ${unit}s with spend)</caption><thead><tr><th scope="col" class="text">${byMonth ? 'Month' : 'Day'}</th>${teams.map((t) => `<th scope="col">${escapeHtml(t)}</th>`).join('')}<th scope="col">All teams</th></tr></thead><tbody>${body}</tbody></table></div>`;
};

/** The status scale in words, so the table says in print what the charts' colours say. */
const statusWord = (pct: number): string =>
  pct >= 100 ? 'at or over budget' : pct >= 80 ? '80–100 %' : 'under 80 %';

/** The forecast as a share of the budget, with its status in words and as a swatch. */
const forecastShare = (forecastUsd: number, budgetUsd: number | null): string => {
  if (budgetUsd === null || budgetUsd === 0) return '<td class="text">—</td>';
  const pct = (forecastUsd / budgetUsd) * 100;
  return `<td class="text"><span class="swatch" style="background:${statusColor(pct)}"></span>${escapeHtml(`${pct.toFixed(1)} % (${statusWord(pct)})`)}</td>`;
};

const forecastTable = (report: CostReport): string => {
  const lines = new Map(report.teams.map((t) => [t.team, t]));
  const rows = report.forecast
    .map((f) => {
      const t = lines.get(f.team);
      const over = f.budgetRemainingUsd !== null && f.budgetRemainingUsd < 0;
      return `<tr data-team="${escapeHtml(f.team)}"><th scope="row">${escapeHtml(f.team)}</th><td>${t?.budgetUsd == null ? '—' : formatUsd(t.budgetUsd)}</td><td>${formatUsd(t?.actualUsd ?? 0)}</td><td${over ? ' class="over"' : ''}>${f.budgetRemainingUsd === null ? '—' : formatUsd(f.budgetRemainingUsd)}</td><td>${formatUsd(f.runRateUsdPerDay)}</td><td>${formatUsd(f.forecastUsd)}</td>${forecastShare(f.forecastUsd, t?.budgetUsd ?? null)}<td class="text">${escapeHtml(f.budgetRunsOutOn ?? '—')}</td></tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table id="forecast-table"><caption>Budgets and forecast to ${escapeHtml(report.to)}, at the run rate to ${escapeHtml(report.asOf.slice(0, 16).replace('T', ' '))} UTC</caption><thead><tr><th scope="col" class="text">Team</th><th scope="col">Budget</th><th scope="col">Actual</th><th scope="col">Remaining</th><th scope="col">Per day</th><th scope="col">Forecast</th><th scope="col" class="text">Forecast of budget</th><th scope="col" class="text">Budget runs out</th></tr></thead><tbody>${rows}</tbody></table></div>`;
};

/**
 * Renders a cost report as a self-contained HTML page: headline figures, charts (spend per team
 * over time, spot vs on-demand, savings against on-demand, budget burn, top jobs, and per team
 * cumulative spend against its budget with the forecast) and tables. Each team has one colour in
 * every chart (from the sorted team names); budget status has its own legended scale.
 * @example writeFileSync('report.html', renderHtmlReport(report, { source: 'ledger.jsonl' }))
 */
export const renderHtmlReport = (report: CostReport, options: HtmlReportOptions = {}): string => {
  const t = report.totals;
  // Sorted team names fix the colours, so a team keeps its colour in every chart.
  const colors = colorMap(report.teams.map((x) => x.team));
  const cumulative = cumulativeSpendCharts(report, colors);
  const title = `GPU cost report, ${report.from} to ${report.to}`;
  const subtitle = [
    `Grouped by ${report.groupBy}`,
    `${report.jobs.toLocaleString('en-US')} jobs, ${report.intervals.toLocaleString('en-US')} instance intervals`,
    options.source === undefined ? null : `source: ${options.source}`,
    options.generatedAt === undefined ? null : `generated ${options.generatedAt}`,
  ]
    .filter((x): x is string => x !== null)
    .join(' · ');
  const kpis = [
    kpi(
      'actual',
      'Actual spend',
      formatUsd(t.actualUsd),
      `${t.instanceHours.toLocaleString('en-US', { maximumFractionDigits: 0 })} instance-hours`,
      t.actualUsd,
    ),
    kpi(
      'on-demand-equivalent',
      'On-demand equivalent',
      formatUsd(t.onDemandEquivalentUsd),
      'the same hours at list price',
      t.onDemandEquivalentUsd,
    ),
    kpi(
      'savings',
      'Savings',
      formatUsd(t.savingsUsd),
      `${formatPct(t.savingsPct)} below on-demand`,
      t.savingsUsd,
    ),
    kpi(
      'interrupted',
      'Interrupted (lost work)',
      formatUsd(t.interruptedUsd),
      'spot work lost after the last checkpoint',
      t.interruptedUsd,
    ),
    kpi(
      'estimate-accuracy',
      'Actual / estimate',
      formatRatio(t.estimateAccuracy),
      `estimate ${formatUsd(t.estimateUsd)}`,
      t.estimateAccuracy,
    ),
    kpi(
      'usd-per-gpu-hour',
      'Per GPU-hour',
      t.usdPerGpuHour === null ? '—' : formatUsdPerHour(t.usdPerGpuHour),
      t.gpuHours === null
        ? 'no accelerator data'
        : `${t.gpuHours.toLocaleString('en-US', { maximumFractionDigits: 0 })} GPU-hours`,
      t.usdPerGpuHour,
    ),
    kpi(
      'previous',
      'Previous period',
      formatUsd(t.previous.actualUsd),
      `${report.previousPeriod.from} to ${report.previousPeriod.to}; change ${signedUsd(t.previous.changeUsd)} (${signedPct(t.previous.changePct)})`,
      t.previous.actualUsd,
    ),
    kpi(
      'budget-used',
      'Budget used',
      formatPct(t.budgetUsedPct),
      t.budgetUsd === null ? 'no budgets in the ledger' : `of ${formatUsd(t.budgetUsd)}`,
      t.budgetUsedPct,
    ),
  ].join('');
  return pageHtml(
    title,
    subtitle,
    `<section aria-label="Headline figures"><ul class="kpis">${kpis}</ul></section>
${figure('fig-spend', 'Spend per team over time', 'Actual cost at the unit price stored with each allocation', spendOverTime(report, colors))}
<div class="grid2">
${figure('fig-split', 'Spot versus on-demand', 'Share of actual spend by purchase option', purchaseSplit(report))}
${figure('fig-budget', 'Budget burn', 'Spend as a share of each team\u2019s budget for the period', budgetChart(report))}
</div>
<div class="grid2">
${figure('fig-savings', 'Savings against on-demand', 'Actual spend next to the same hours at on-demand prices', savingsChart(report, colors))}
${figure('fig-top', 'Top jobs by cost', 'The most expensive jobs in the period, in their team\u2019s colour', topJobsChart(report, colors))}
</div>
<section aria-label="Cumulative spend against budget" class="grid2">
${cumulative.map((c) => figure(`fig-${c.id}`, c.title, c.summary, c.svg)).join('\n')}
</section>
<section aria-label="Tables">
${rowsTable(report)}
${report.groupBy === 'team' && report.rows.length === report.teams.length ? '' : teamsTable(report)}
${forecastTable(report)}
${commitmentsTables(report)}
${topJobsTable(report)}
${dailyTable(report)}
</section>
<p class="note">Amounts are summed exactly in micro-dollars and shown rounded to the cent. Interrupted cost is part of actual spend. Budget use compares spend in the window with the budgets of the months it touches. The previous period is the ${escapeHtml(String(windowDays(report.from, report.to).length))} days before ${escapeHtml(report.from)} (${escapeHtml(report.previousPeriod.from)} to ${escapeHtml(report.previousPeriod.to)}), read from the same ledger. GPU-hours are instance-hours times the accelerators of the instance type${report.instanceTypesWithoutAccelerators.length === 0 || t.gpuHours === null ? '' : ` (instance types of unknown accelerators left out: ${escapeHtml(report.instanceTypesWithoutAccelerators.join(', '))})`}; USD per GPU-hour is the actual of those hours over them.</p>
<footer>Quartermaster cost report · currency ${report.currency}</footer>`,
  );
};
