import {
  BILL_DIFFERENCE_KINDS,
  type BillDifference,
  type BillDriftRow,
  type BillReconciliation,
} from '../accounting/bill-reconciliation.js';
import { safeText } from '../jobs/safe-text.js';
import { csvLine } from './csv.js';
import { textTable } from './text-table.js';

/**
 * `qm reconcile-bill` as text and CSV: the totals, then per team, per day, the jobs whose billed
 * cost drifts from the ledger's, and every difference with what explains it.
 */

const money = (usd: number): string => usd.toFixed(2);
const signed = (usd: number): string => (Math.round(usd * 100) > 0 ? `+${usd.toFixed(2)}` : usd.toFixed(2));

/** Drift that shows at cents. */
const drifts = (row: BillDriftRow): boolean => Math.round(row.driftUsd * 100) !== 0;

const DIFFERENCES_SHOWN = 200;

export const KIND_TITLES: Readonly<Record<(typeof BILL_DIFFERENCE_KINDS)[number], string>> = {
  leak: 'leak: a managed instance the ledger does not know',
  missing: 'missing: ledger usage the bill does not charge',
  'outside-usage': 'billed outside the recorded usage',
  'hours-differ': 'billed time differs from the recorded time',
  'savings-plan': 'price explained: Savings Plan coverage',
  'reserved-instance': 'price explained: reservation coverage',
  'spot-price-move': 'price explained: the spot price moved',
  'price-differs': 'price differs, unexplained',
};

/** The one-line verdict a reader asks first. */
export const billSummaryLine = (r: BillReconciliation): string => {
  const n = r.differences.length;
  const period = r.period === null ? 'an empty bill' : `${r.period.start} to ${r.period.end}`;
  return `Bill ${period}: ledger ${money(r.totals.ledgerUsd)} USD, billed ${money(r.totals.billedUsd)} USD, drift ${signed(r.totals.driftUsd)} USD (${signed(r.totals.explainedDriftUsd)} explained by the bill, ${signed(r.totals.unexplainedDriftUsd)} not); ${n === 0 ? 'no differences' : `${n} difference${n === 1 ? '' : 's'}`}.`;
};

const driftTable = (title: string, rows: readonly BillDriftRow[], withTeam: boolean): string =>
  `${title}\n${textTable(
    withTeam
      ? ['key', 'team', 'ledger USD', 'billed USD', 'drift USD']
      : ['key', 'ledger USD', 'billed USD', 'drift USD'],
    rows.map((row) => [
      safeText(row.key),
      ...(withTeam ? [safeText(row.team ?? '')] : []),
      money(row.ledgerUsd),
      money(row.billedUsd),
      money(row.driftUsd),
    ]),
  )}`;

const differenceRow = (d: BillDifference): string[] => [
  d.kind,
  safeText(d.instanceId),
  safeText(d.jobId ?? ''),
  d.from,
  String(d.hours),
  money(d.ledgerUsd),
  money(d.billedUsd),
  money(d.driftUsd),
  safeText(d.detail),
];

export const formatBillReconciliationTable = (r: BillReconciliation, width = 120): string => {
  const counts = BILL_DIFFERENCE_KINDS.filter((k) => r.counts[k] > 0).map((k) => `${r.counts[k]} ${k}`);
  const lines = [
    billSummaryLine(r),
    `${r.format === 'cur2' ? 'CUR 2.0' : 'FOCUS 1.2'} ${safeText(r.source)}: ${r.rows} rows, ${r.instanceLines} instance-hour lines, ${r.skippedRows} other rows skipped; ${r.unmanaged.instances} instance(s) neither in the ledger nor tagged as managed (${money(r.unmanaged.billedUsd)} USD, not reconciled).`,
    counts.length === 0 ? 'Differences: none.' : `Differences: ${counts.join(', ')}.`,
    '',
    driftTable('Per team', r.teams, false),
    '',
    driftTable('Per day', r.days, false),
  ];
  const jobs = r.jobs.filter(drifts);
  lines.push('', driftTable(`Jobs with drift (${jobs.length} of ${r.jobs.length})`, jobs, true));
  if (r.differences.length > 0) {
    const shown = r.differences.slice(0, DIFFERENCES_SHOWN);
    lines.push(
      '',
      `Differences${r.differences.length > shown.length ? ` (first ${shown.length} of ${r.differences.length}; --format json or csv has all)` : ''}`,
      textTable(
        ['kind', 'instance', 'job', 'from', 'hours', 'ledger USD', 'billed USD', 'drift USD', 'detail'],
        shown.map(differenceRow),
        { width, wrap: 8, minWrapWidth: 30 },
      ),
    );
  }
  return lines.join('\n');
};

export const BILL_CSV_HEADER = [
  'record',
  'key',
  'team',
  'jobId',
  'instanceId',
  'kind',
  'from',
  'to',
  'hours',
  'ledgerUsd',
  'billedUsd',
  'driftUsd',
  'detail',
  'billLine',
] as const;

/** One CSV row per team, day, job and difference, told apart by `record`. */
export function* billReconciliationCsvLines(r: BillReconciliation): Generator<string> {
  yield csvLine(BILL_CSV_HEADER);
  for (const [record, rows] of [
    ['team', r.teams],
    ['day', r.days],
    ['job', r.jobs],
  ] as const)
    for (const row of rows)
      yield csvLine([
        record,
        row.key,
        row.team,
        record === 'job' ? row.key : null,
        null,
        null,
        null,
        null,
        null,
        row.ledgerUsd,
        row.billedUsd,
        row.driftUsd,
        null,
        null,
      ]);
  for (const d of r.differences)
    yield csvLine([
      'difference',
      `${d.kind}:${d.instanceId}:${d.from}`,
      d.team,
      d.jobId,
      d.instanceId,
      d.kind,
      d.from,
      d.to,
      d.hours,
      d.ledgerUsd,
      d.billedUsd,
      d.driftUsd,
      d.detail,
      d.billLine,
    ]);
}
