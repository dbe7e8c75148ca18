import { mkdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerReportCommand } from '../../bin/commands/report.js';
import type { CostReport } from '../../lambdas/core/accounting/cost-report.js';
import { formatUsd } from '../../lambdas/core/reports/html-report.js';
import { openBlockedPage } from '../support/blocked-page.js';

/**
 * The HTML cost report of the example ledger, rendered in headless Chromium with every network
 * request blocked: the charts and figures must be there, equal the JSON report, and need nothing
 * from outside the file. The browser comes from `findChromium`: QM_CHROMIUM, a system Chromium, or the
 * one shipped in the @sparticuz/chromium dev dependency.
 */

const LEDGER = 'examples/ledger-month.jsonl';
// Known to the 20th, so each team's cumulative chart has a forecast to draw to the 30th.
const ARGS = [
  '--ledger',
  LEDGER,
  '--from',
  '2026-11-01',
  '--to',
  '2026-11-30',
  '--as-of',
  '2026-11-20T00:00:00Z',
];

const runReport = async (args: string[]): Promise<string> => {
  let out = '';
  const program = new Command('qm').exitOverride();
  registerReportCommand(program, {
    write: (s) => {
      out += s;
    },
    now: () => '2026-12-01T08:00:00Z',
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(['node', 'qm', 'report', ...args]);
  } catch (error) {
    if (error instanceof CommanderError)
      throw new Error(`qm report exited ${error.exitCode}: ${error.message}`);
    throw error;
  }
  return out;
};

describe('HTML cost report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let json: CostReport;
  let attempted: string[] = [];

  beforeAll(async () => {
    json = JSON.parse(await runReport([...ARGS, '--format', 'json'])) as CostReport;
    const html = await runReport([...ARGS, '--format', 'html']);
    ({ browser, page, attempted } = await openBlockedPage(html));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('makes no network request at all', () => {
    expect(attempted).toEqual([]);
  });

  it('draws every chart, each announced as an image with a name and a description', async () => {
    const names = [
      'Spend per team per day',
      'Spot versus on-demand spend',
      'Budget burn per team',
      'Actual spend against the on-demand equivalent, per team',
      `Top ${json.topJobs.length} jobs by cost`,
      ...json.teams.map((t) => `Cumulative spend against budget: ${t.team}`),
    ];
    for (const name of names) {
      const chart = page.getByRole('img', { name, exact: true });
      await expect(chart.count()).resolves.toBe(1);
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(400);
      expect(box?.height).toBeGreaterThan(80);
      const describedBy = await chart.getAttribute('aria-describedby');
      const description = (await page.locator(`[id="${describedBy}"]`).textContent()) ?? '';
      expect(description.length).toBeGreaterThan(20);
    }
    const bars = await page.locator('[data-chart="spend-over-time"] rect').count();
    expect(bars).toBeGreaterThan(30);
    // Bars (each with its figure as a title), not the legend's swatches.
    const topBars = await page.locator('[data-chart="top-jobs"] rect > title').count();
    expect(topBars).toBe(json.topJobs.length);
  });

  it("draws each team's cumulative spend to as-of, its forecast dashed and its budget, as the JSON states them", async () => {
    for (const t of json.teams) {
      const chart = page.getByRole('img', {
        name: `Cumulative spend against budget: ${t.team}`,
        exact: true,
      });
      const description =
        (await page.locator(`[id="${await chart.getAttribute('aria-describedby')}"]`).textContent()) ?? '';
      const f = json.forecast.find((x) => x.team === t.team);
      expect(description).toContain(`${t.team} spent ${formatUsd(t.actualUsd)}`);
      expect(description).toContain(`at that rate ${formatUsd(f?.forecastUsd ?? -1)} by 2026-11-30`);
      expect(description).toContain(formatUsd(t.budgetUsd ?? -1));
      await expect(chart.locator('polyline[stroke-dasharray]').count()).resolves.toBe(1);
      await expect(chart.locator('line.level').count()).resolves.toBe(1);
      // A dated time axis with both titles, as printed text rather than a tooltip.
      const text = await chart.locator('text').allTextContents();
      for (const label of ['Nov 1', 'Day (UTC)', 'USD', 'budget $']) expect(text.join('|')).toContain(label);
    }
    const daily = await page.locator('[data-chart="spend-over-time"] text').allTextContents();
    expect(daily).toEqual(expect.arrayContaining(['Nov 1', 'Nov 4', 'Day (UTC)', 'USD']));
  });

  it('gives each team one colour in every chart and keeps the status scale apart, with legends', async () => {
    const legendColor = async (chart: string, name: string) =>
      page
        .locator(`[data-chart="${chart}"] text.legend`, { hasText: new RegExp(`^${name}$`) })
        .evaluate(
          (el) =>
            el.previousElementSibling?.getAttribute('fill') ??
            el.previousElementSibling?.getAttribute('stroke'),
        );
    const teamColors = new Set<string>();
    for (const [i, t] of json.teams.entries()) {
      const color = await legendColor('spend-over-time', t.team);
      teamColors.add(color ?? '');
      await expect(legendColor('savings', `${t.team} actual`)).resolves.toBe(color);
      await expect(legendColor(`cumulative-${i}`, `${t.team}: actual`)).resolves.toBe(color);
    }
    expect(teamColors.size).toBe(json.teams.length);
    const status = await page.locator('[data-chart="budget-burn"] text.legend').allTextContents();
    expect(status).toEqual(['under 80 % of budget', '80–100 %', 'at or over budget']);
    for (const name of status) expect(teamColors).not.toContain(await legendColor('budget-burn', name));
  });

  it('shows the previous period and USD per GPU-hour equal to the JSON report', async () => {
    const table = page.getByRole('table', { name: /Cost by team/ });
    const header = await table.locator('thead th').allTextContents();
    const col = (name: string) => header.indexOf(name) - 1;
    const foot = await table.locator('tfoot td').allTextContents();
    expect(foot[col('Previous period')]).toBe(formatUsd(json.totals.previous.actualUsd));
    expect(foot[col('GPU-hours')]).toBe(
      json.totals.gpuHours?.toLocaleString('en-US', { maximumFractionDigits: 1 }),
    );
    expect(foot[col('USD per GPU-hour')]).toBe(`$${json.totals.usdPerGpuHour?.toFixed(4)}`);
    const value = await page.locator('[data-kpi="usd-per-gpu-hour"]').getAttribute('data-value');
    expect(Number(value)).toBe(json.totals.usdPerGpuHour);
  });

  it('prints every table whole: no column cut off on a landscape page', async () => {
    await page.emulateMedia({ media: 'print' });
    try {
      const clipped = await page
        .locator('.table-wrap')
        .evaluateAll((wraps) => wraps.filter((w) => w.scrollWidth > w.clientWidth + 1).length);
      expect(clipped).toBe(0);
      mkdirSync('test-results', { recursive: true });
      const pdf = await page.pdf({ path: 'test-results/html-report.pdf', landscape: true });
      expect(pdf.byteLength).toBeGreaterThan(50_000);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it('shows headline figures equal to the JSON report', async () => {
    const kpi = (key: string) => page.locator(`[data-kpi="${key}"] .v`).textContent();
    expect(await kpi('actual')).toBe(formatUsd(json.totals.actualUsd));
    expect(await kpi('on-demand-equivalent')).toBe(formatUsd(json.totals.onDemandEquivalentUsd));
    expect(await kpi('savings')).toBe(formatUsd(json.totals.savingsUsd));
    expect(await kpi('interrupted')).toBe(formatUsd(json.totals.interruptedUsd));
    const value = await page.locator('[data-kpi="actual"]').getAttribute('data-value');
    expect(Number(value)).toBe(json.totals.actualUsd);
  });

  it('has a table per team whose rows and total equal the JSON report', async () => {
    const table = page.getByRole('table', { name: /Cost by team/ });
    const rows = table.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(json.rows.length);
    for (const [i, row] of json.rows.entries()) {
      await expect(rows.nth(i).locator('th').textContent()).resolves.toBe(row.key);
      await expect(rows.nth(i).locator('td').first().textContent()).resolves.toBe(formatUsd(row.actualUsd));
    }
    await expect(table.locator('tfoot td').first().textContent()).resolves.toBe(
      formatUsd(json.totals.actualUsd),
    );
    const top = page.getByRole('table', { name: /Top \d+ jobs by cost/ });
    await expect(top.locator('tbody tr th').first().textContent()).resolves.toBe(json.topJobs[0]?.jobId);
  });

  it('reads as a structure a screen reader can follow', async () => {
    const snapshot = await page.locator('body').ariaSnapshot();
    expect(snapshot).toContain('heading "GPU cost report, 2026-11-01 to 2026-11-30"');
    expect(snapshot).toMatch(/img "Budget burn per team"/);
    expect(snapshot).toMatch(/table "Cost by team, 2026-11-01 to 2026-11-30 \(USD\)"/);
    expect(snapshot).toMatch(/columnheader "Actual"/);
    expect(snapshot).toMatch(/rowheader "nlp"/);
  });

  it('saves a full-page screenshot for review', async () => {
    mkdirSync('test-results', { recursive: true });
    const png = await page.screenshot({ path: 'test-results/html-report.png', fullPage: true });
    expect(png.byteLength).toBeGreaterThan(50_000);
  });
});
