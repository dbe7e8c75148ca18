import type { CostReport, CostReportRow, PeriodComparison } from '../accounting/cost-report.js';
import { csvLine } from './csv.js';

/** Text and CSV renderings of a cost report for `qm report`. */

const money = (usd: number): string =>
  (Math.round(usd * 100) / 100).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
const pct = (value: number | null): string => (value === null ? '-' : `${value.toFixed(1)} %`);
const ratio = (value: number | null): string => (value === null ? '-' : `${(value * 100).toFixed(1)} %`);
/** Keeps terminal control sequences in stored names from reaching the terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, '?');

const HEADERS = [
  'actual',
  'on-demand eq.',
  'savings',
  'savings %',
  'interrupted',
  'spot',
  'on-demand',
  'estimate',
  'actual/est.',
  'hours',
  'GPU-hours',
  'USD/GPU-h',
  'budget',
  'budget used',
  'previous',
  'change',
  'change %',
];

/** A signed amount: a rise reads `+1,234.00`, a fall `-1,234.00`. */
const signedMoney = (usd: number): string => (usd > 0 ? `+${money(usd)}` : money(usd));
const signedPct = (value: number | null): string =>
  value === null ? '-' : `${value > 0 ? '+' : ''}${value.toFixed(1)} %`;

const comparison = (c: PeriodComparison | null): string[] =>
  c === null ? ['-', '-', '-'] : [money(c.actualUsd), signedMoney(c.changeUsd), signedPct(c.changePct)];

const cells = (r: Omit<CostReportRow, 'key' | 'team'>): string[] => [
  money(r.actualUsd),
  money(r.onDemandEquivalentUsd),
  money(r.savingsUsd),
  pct(r.savingsPct),
  money(r.interruptedUsd),
  money(r.spotUsd),
  money(r.onDemandUsd),
  money(r.estimateUsd),
  ratio(r.estimateAccuracy),
  r.instanceHours.toFixed(1),
  r.gpuHours === null ? '-' : r.gpuHours.toFixed(1),
  r.usdPerGpuHour === null ? '-' : r.usdPerGpuHour.toFixed(4),
  r.budgetUsd === null ? '-' : money(r.budgetUsd),
  pct(r.budgetUsedPct),
  ...comparison(r.previous),
];

/** An aligned plain-text table: one line per group, then the total (USD, rounded to the cent). */
export const formatCostReportTable = (report: CostReport): string => {
  const head = [report.groupBy, ...HEADERS];
  const body = report.rows.map((r) => [printable(r.key), ...cells(r)]);
  const total = ['TOTAL', ...cells(report.totals)];
  const all = [head, ...body, total];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const unknown = report.instanceTypesWithoutAccelerators;
  return [
    `Cost report ${report.from} to ${report.to} (USD), by ${report.groupBy}: ${report.jobs} jobs, ${report.intervals} instance intervals`,
    `Previous period ${report.previousPeriod.from} to ${report.previousPeriod.to}: ${money(report.totals.previous.actualUsd)} (change ${signedMoney(report.totals.previous.changeUsd)}, ${signedPct(report.totals.previous.changePct)})`,
    ...(unknown.length === 0 || (report.totals.gpuHours === null && report.groupBy !== 'gpu-model')
      ? []
      : [`GPU-hours leave out instance types of unknown accelerators: ${unknown.map(printable).join(', ')}`]),
    '',
    line(head),
    rule,
    ...body.map(line),
    rule,
    line(total),
  ].join('\n');
};

const CSV_HEADER = [
  'key',
  'team',
  'actualUsd',
  'onDemandEquivalentUsd',
  'savingsUsd',
  'savingsPct',
  'interruptedUsd',
  'spotUsd',
  'onDemandUsd',
  'estimateUsd',
  'estimateAccuracy',
  'instanceHours',
  'gpuHours',
  'usdPerGpuHour',
  'budgetUsd',
  'budgetUsedPct',
  'previousActualUsd',
  'changeUsd',
  'changePct',
] as const;

const csvCells = (key: string, team: string | null, r: Omit<CostReportRow, 'key' | 'team'>) => [
  key,
  team,
  r.actualUsd,
  r.onDemandEquivalentUsd,
  r.savingsUsd,
  r.savingsPct,
  r.interruptedUsd,
  r.spotUsd,
  r.onDemandUsd,
  r.estimateUsd,
  r.estimateAccuracy,
  r.instanceHours,
  r.gpuHours,
  r.usdPerGpuHour,
  r.budgetUsd,
  r.budgetUsedPct,
  r.previous?.actualUsd,
  r.previous?.changeUsd,
  r.previous?.changePct,
];

/** CSV lines: header, one per group, and a `TOTAL` line. Cells that look like formulas are escaped. */
export const costReportCsvLines = (report: CostReport): string[] => [
  csvLine(CSV_HEADER),
  ...report.rows.map((r) => csvLine(csvCells(r.key, r.team, r))),
  csvLine(csvCells('TOTAL', null, report.totals)),
];
