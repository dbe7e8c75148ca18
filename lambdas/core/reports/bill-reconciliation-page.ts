import {
  BILL_DIFFERENCE_KINDS,
  type BillDriftRow,
  type BillReconciliation,
} from '../accounting/bill-reconciliation.js';
import { billSummaryLine, KIND_TITLES } from './bill-reconciliation-format.js';
import { pageHtml } from './page-style.js';
import { escapeHtml } from './svg-chart.js';

/**
 * The bill reconciliation in HTML: a section any page with the shared stylesheet can hold (the
 * cost report may add it), and a standalone page around it. No scripts, no requests; every piece
 * of text from the ledger or the bill is escaped.
 */

const usd = (v: number): string =>
  `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signedUsd = (v: number): string => (Math.round(v * 100) > 0 ? `+${usd(v)}` : usd(v));
const driftClass = (v: number): string => (Math.round(v * 100) !== 0 ? ' class="over"' : '');

const driftTable = (
  id: string,
  caption: string,
  key: string,
  rows: readonly BillDriftRow[],
  withTeam: boolean,
): string => {
  const body = rows
    .map(
      (r) =>
        `<tr><th scope="row" class="text">${escapeHtml(r.key)}</th>${withTeam ? `<td class="text">${escapeHtml(r.team ?? '')}</td>` : ''}<td>${usd(r.ledgerUsd)}</td><td>${usd(r.billedUsd)}</td><td${driftClass(r.driftUsd)}>${signedUsd(r.driftUsd)}</td></tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table id="${id}"><caption>${escapeHtml(caption)}</caption><thead><tr><th scope="col" class="text">${escapeHtml(key)}</th>${withTeam ? '<th scope="col" class="text">team</th>' : ''}<th scope="col">ledger</th><th scope="col">billed</th><th scope="col">drift</th></tr></thead><tbody>${body}</tbody></table></div>`;
};

/** Most differences a page lists; JSON and CSV have every one. */
const DIFFERENCES_SHOWN = 500;

/**
 * The reconciliation as one `<section>`: totals, per team, per day, drifting jobs and the
 * differences. Needs the shared stylesheet (page-style.ts) on the page that holds it.
 */
export const renderBillReconciliationSection = (r: BillReconciliation): string => {
  const kpi = (k: string, v: string, s: string) =>
    `<li class="kpi"><span class="k">${escapeHtml(k)}</span><span class="v">${escapeHtml(v)}</span><span class="s">${escapeHtml(s)}</span></li>`;
  const counted = BILL_DIFFERENCE_KINDS.filter((k) => r.counts[k] > 0);
  const jobs = r.jobs.filter((j) => Math.round(j.driftUsd * 100) !== 0);
  const shown = r.differences.slice(0, DIFFERENCES_SHOWN);
  const differences =
    shown.length === 0
      ? '<p class="note">No differences: every billed instance-hour matches the ledger within the tolerance.</p>'
      : `<div class="table-wrap"><table id="bill-differences"><caption>${escapeHtml(`Differences${r.differences.length > shown.length ? ` (first ${shown.length} of ${r.differences.length})` : ''}`)}</caption><thead><tr><th scope="col" class="text">kind</th><th scope="col" class="text">instance</th><th scope="col" class="text">job</th><th scope="col" class="text">team</th><th scope="col" class="text">from</th><th scope="col" class="text">to</th><th scope="col">ledger</th><th scope="col">billed</th><th scope="col">drift</th><th scope="col" class="text">why</th></tr></thead><tbody>${shown
          .map(
            (d) =>
              `<tr><td class="text">${escapeHtml(d.kind)}</td><td class="text">${escapeHtml(d.instanceId)}</td><td class="text">${escapeHtml(d.jobId ?? '')}</td><td class="text">${escapeHtml(d.team ?? '')}</td><td class="text">${escapeHtml(d.from)}</td><td class="text">${escapeHtml(d.to)}</td><td>${usd(d.ledgerUsd)}</td><td>${usd(d.billedUsd)}</td><td${driftClass(d.driftUsd)}>${signedUsd(d.driftUsd)}</td><td class="text">${escapeHtml(d.detail)}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  return `<section id="bill-reconciliation" aria-labelledby="bill-reconciliation-title">
<h2 id="bill-reconciliation-title">The bill, reconciled</h2>
<p class="note">${escapeHtml(billSummaryLine(r))}</p>
<ul class="kpis">
${kpi('Ledger', usd(r.totals.ledgerUsd), 'usage × the unit price stored with each allocation')}
${kpi('Billed', usd(r.totals.billedUsd), `${r.format === 'cur2' ? 'CUR 2.0' : 'FOCUS 1.2'}: effective cost of the managed instances`)}
${kpi('Drift', signedUsd(r.totals.driftUsd), `${signedUsd(r.totals.explainedDriftUsd)} explained by the bill`)}
${kpi('Differences', String(r.differences.length), counted.map((k) => `${r.counts[k]} ${k}`).join(', ') || 'none')}
</ul>
<p class="note">${escapeHtml(`${r.rows} bill rows, ${r.instanceLines} instance-hour lines; ${r.unmanaged.instances} instance(s) neither in the ledger nor tagged as managed (${usd(r.unmanaged.billedUsd)}) are not reconciled.`)}</p>
<p class="note">${escapeHtml(counted.map((k) => `${k}: ${KIND_TITLES[k]}`).join(' · '))}</p>
${differences}
${driftTable('bill-teams', 'Per team', 'team', r.teams, false)}
${driftTable('bill-days', 'Per day', 'day', r.days, false)}
${driftTable('bill-jobs', `Jobs with drift (${jobs.length} of ${r.jobs.length})`, 'job', jobs, true)}
</section>`;
};

export interface BillReconciliationPageOptions {
  /** The ledger file, named in the header. */
  readonly ledger?: string;
  /** Shown as "generated"; the caller's clock. */
  readonly generatedAt?: string;
}

/** A standalone page: the shared stylesheet, its CSP, and the section. */
export const renderBillReconciliationPage = (
  r: BillReconciliation,
  options: BillReconciliationPageOptions = {},
): string => {
  const title = 'Quartermaster bill reconciliation';
  const sub = [
    r.period === null ? 'no instance usage on the bill' : `${r.period.start} to ${r.period.end}`,
    `bill ${r.source}`,
    ...(options.ledger === undefined ? [] : [`ledger ${options.ledger}`]),
  ].join(' · ');
  return pageHtml(
    title,
    sub,
    `${renderBillReconciliationSection(r)}
${options.generatedAt === undefined ? '' : `<footer>${escapeHtml(`Generated ${options.generatedAt}.`)}</footer>`}`,
  );
};
