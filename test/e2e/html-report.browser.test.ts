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
const ARGS = ['--ledger', LEDGER, '--from', '2026-11-01', '--to', '2026-11-30'];

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

  it('draws the five charts, each announced as an image with a name and a description', async () => {
    const names = [
      'Spend per team per day',
      'Spot versus on-demand spend',
      'Budget burn per team',
      'Actual spend against the on-demand equivalent, per team',
      `Top ${json.topJobs.length} jobs by cost`,
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
    const topBars = await page.locator('[data-chart="top-jobs"] rect').count();
    expect(topBars).toBe(json.topJobs.length);
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
