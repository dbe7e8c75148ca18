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

/** Columns shown once the report involves commitments: list, effective, drawn and unused. */
const COMMITMENT_HEADERS = ['list', 'effective', 'committed', 'unused commit.'];

const commitmentCells = (r: Omit<CostReportRow, 'key' | 'team'>): string[] => [
  money(r.listUsd),
  money(r.effectiveUsd),
  money(r.committedUsd),
  r.committedUnusedUsd === null ? '-' : money(r.committedUnusedUsd),
];

/** Whether the table needs the commitment columns: commitments were given, or usage drew on some. */
const withCommitments = (report: CostReport): boolean =>
  report.commitments !== null || report.totals.committedUsd > 0;

/** Per commitment: what it cost in the window, what was drawn, and who is charged the unused part. */
const commitmentLines = (report: CostReport): string[] => {
  if (report.commitments === null) return [];
  const head = ['commitment', 'kind', 'committed', 'used', 'unused', 'charged to'];
  const body = report.commitments.map((c) => [
    printable(c.name),
    c.kind,
    money(c.committedUsd),
    money(c.usedUsd),
    money(c.unusedUsd),
    [
      ...c.unusedByTeam.map((t) => `${printable(t.team)} ${money(t.usd)}`),
      ...(c.unassignedUsd > 0 ? [`unassigned ${money(c.unassignedUsd)}`] : []),
    ].join(', ') || '-',
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i < 2 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const unlisted = report.unlistedCommitmentIds;
  return [
    '',
    `Commitments (unused cost charged to the team each was bought for, else shared by the teams that drew on it):`,
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    ...(unlisted.length === 0
      ? []
      : [`Usage drew on commitments not in the commitments file: ${unlisted.map(printable).join(', ')}`]),
  ];
};

/** An aligned plain-text table: one line per group, then the total (USD, rounded to the cent). */
export const formatCostReportTable = (report: CostReport): string => {
  const extra = withCommitments(report);
  const head = [report.groupBy, ...HEADERS, ...(extra ? COMMITMENT_HEADERS : [])];
  const row = (r: Omit<CostReportRow, 'key' | 'team'>) => [...cells(r), ...(extra ? commitmentCells(r) : [])];
  const body = report.rows.map((r) => [printable(r.key), ...row(r)]);
  const total = ['TOTAL', ...row(report.totals)];
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
    ...commitmentLines(report),
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
  'listUsd',
  'effectiveUsd',
  'committedUsd',
  'committedUnusedUsd',
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
  r.listUsd,
  r.effectiveUsd,
  r.committedUsd,
  r.committedUnusedUsd,
];

/** CSV lines: header, one per group, and a `TOTAL` line. Cells that look like formulas are escaped. */
export const costReportCsvLines = (report: CostReport): string[] => [
  csvLine(CSV_HEADER),
  ...report.rows.map((r) => csvLine(csvCells(r.key, r.team, r))),
  csvLine(csvCells('TOTAL', null, report.totals)),
];
