import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSimulateCommand } from '../../bin/commands/simulate.js';
import type { SimulationPagePolicy } from '../../lambdas/core/reports/simulation-page.js';
import { openBlockedPage } from '../support/blocked-page.js';

/**
 * The `qm simulate --jobs --format html` page of a slice of the examples, rendered in headless
 * Chromium with every network request blocked: every chart announced as an image with a name and a
 * description, the table's figures equal to `--format json` of the same run, and a screenshot for
 * review.
 */

const JOBS = [
  'vision-infer-captions',
  'nlp-eval-llm-70b',
  'vision-batch-reindex',
  'recsys-batch-item-embeddings',
  'vision-sweep-lr-01',
  'speech-sweep-vad-01',
];
const ARGS = [
  '--jobs',
  'slice.jsonl',
  '--quotas',
  'examples/quotas.json',
  '--budgets',
  'examples/budgets.json',
  '--start',
  '2026-11-26T12:00:00Z',
  '--idle-solve-skip-minutes',
  '10',
];

const simulate = async (format: 'json' | 'html'): Promise<string> => {
  const slice = (await readFile('examples/jobs.jsonl', 'utf8'))
    .split('\n')
    .filter((line) => JOBS.some((id) => line.includes(`"jobId":"${id}"`)))
    .join('\n');
  let out = '';
  const program = new Command('qm').exitOverride().configureOutput({
    writeOut: (text) => {
      out += text;
    },
    writeErr: () => undefined,
  });
  registerSimulateCommand(program, {
    stderrIsTty: false,
    stdoutIsTty: false,
    readText: async (path) => (path === 'slice.jsonl' ? slice : readFile(path, 'utf8')),
  });
  try {
    await program.parseAsync(['simulate', ...ARGS, '--format', format], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      throw new Error(`qm simulate exited ${error.exitCode}: ${error.message}`);
    throw error;
  }
  return out;
};

describe('the simulate page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let policies: readonly SimulationPagePolicy[];
  let attempted: string[] = [];

  beforeAll(async () => {
    policies = (JSON.parse(await simulate('json')) as { policies: SimulationPagePolicy[] }).policies;
    const html = await simulate('html');
    ({ browser, page, attempted } = await openBlockedPage(html));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('makes no network request at all', () => {
    expect(attempted).toEqual([]);
  });

  it('announces every chart as an image with a name and a description that states its figures', async () => {
    const names = [
      'Total cost per policy',
      'Spot-eligible cost per policy',
      'Savings against on-demand',
      'On-demand and spot instance-hours per policy',
      'Interruptions and changeovers per policy',
      'Service per team: allocated over demanded GPU-hours',
    ];
    for (const name of names) {
      const chart = page.getByRole('img', { name, exact: true });
      await expect(chart.count()).resolves.toBe(1);
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(60);
      const describedBy = await chart.getAttribute('aria-describedby');
      const description = (await page.locator(`[id="${describedBy}"]`).textContent()) ?? '';
      for (const p of policies) expect(description).toContain(p.policy);
    }
  });

  it('starts the cost axis where the differences show, and says so', async () => {
    const costs = policies.map((p) => p.totalCostUsd);
    // The examples' totals differ by a few percent: an axis from 0 would hide that.
    expect((Math.max(...costs) - Math.min(...costs)) / Math.max(...costs)).toBeLessThan(0.25);
    const note = await page.locator('[data-chart="sim-cost"] .axis-note').textContent();
    expect(note).toMatch(/^axis starts at \$[\d,]+, not 0$/);
    const description = await page.locator('#sim-cost-desc').textContent();
    expect(description).toMatch(/The axis starts at \$[\d,]+, not 0\./);
  });

  it('has a table whose every figure equals the JSON', async () => {
    const table = page.getByRole('table', { name: /Every figure per policy/ });
    const rows = table.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(policies.length);
    const usd = (v: number) =>
      `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    for (const [i, p] of policies.entries()) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      await expect(rows.nth(i).locator('th').textContent()).resolves.toBe(p.policy);
      expect(cells[0]).toBe(usd(p.totalCostUsd));
      expect(cells[1]).toBe(usd(p.spotEligibleCostUsd));
      expect(Number(cells[3])).toBe(p.onDemandHours);
      expect(Number(cells[4])).toBe(p.spotHours);
      expect(cells.slice(5, 12).map(Number)).toEqual([
        p.interruptions,
        p.changeovers,
        p.deadlineMisses,
        p.jobsFinished,
        p.jobsUnfinished,
        p.jobsUnplaced,
        p.jobsRejected,
      ]);
      expect(Number(cells[12])).toBe(p.makespanHours);
      expect(Number(cells[13])).toBe(p.jainIndex);
      expect(Number(cells[14])).toBe(p.solves);
      expect(cells[17]).toBe(p.stoppedBy);
    }
    const teams = page.getByRole('table', { name: 'Service per team and policy' }).locator('tbody tr');
    await expect(teams.count()).resolves.toBe(policies.reduce((n, p) => n + p.teams.length, 0));
  });

  it('saves a full-page screenshot for review', async () => {
    mkdirSync('test-results', { recursive: true });
    const png = await page.screenshot({ path: 'test-results/simulate-page.png', fullPage: true });
    expect(png.byteLength).toBeGreaterThan(50_000);
  });
});
