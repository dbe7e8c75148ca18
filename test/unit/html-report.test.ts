import { describe, expect, it } from 'vitest';
import { buildCostReport, type CostReport } from '../../lambdas/core/accounting/cost-report.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import { formatUsd, renderHtmlReport } from '../../lambdas/core/reports/html-report.js';
import { escapeHtml, niceTicks, STATUS_COLORS, STATUS_LEGEND } from '../../lambdas/core/reports/svg-chart.js';
import { generateLedgerMonth } from '../support/ledger-export-fixtures.js';

const HOSTILE = ['<script>alert(1)</script>', "=cmd|' /C calc'!A0", '"onmouseover="alert(2)', 'plain'];
const NOV = { from: '2026-11-01', to: '2026-11-30' } as const;

const hostileMonth = (): LedgerRecord[] =>
  [...generateLedgerMonth({ jobs: 120, seed: 5, teams: HOSTILE, budgetUsd: 20_000 })].map((r) =>
    r.kind === 'job' || r.kind === 'usage' ? { ...r, jobId: `${r.jobId}<img src=x onerror=alert(3)>` } : r,
  );

const render = async (groupBy: CostReport['groupBy'] = 'team') => {
  const report = await buildCostReport(hostileMonth(), { ...NOV, groupBy });
  return {
    report,
    html: renderHtmlReport(report, { source: 'ledger <test>.jsonl', generatedAt: '2026-12-01T08:00:00Z' }),
  };
};

describe('HTML cost report', () => {
  it('escapes every piece of text that came from the ledger', async () => {
    const { html } = await render('job');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('"onmouseover="');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('&#61;cmd|&#39; /C calc&#39;!A0'.replace('&#61;', '='));
    expect(html).toContain('ledger &#60;test&#62;.jsonl');
  });

  it('loads nothing from anywhere: no scripts, links, images, fonts or URLs, and a CSP that forbids fetches', async () => {
    const { html } = await render();
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((t) => /\s(src|href|srcset|poster|action)\s*=/i.test(t))).toEqual([]);
    expect(html).not.toMatch(/url\(|@import|@font-face/i);
    const urls = html.match(/https?:\/\/[^"'\s)]+/g) ?? [];
    expect(urls.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('draws five charts and one cumulative chart per team, each an image named by its title and described by its description', async () => {
    const { html, report } = await render();
    const charts = [...html.matchAll(/<svg [^>]*data-chart="([^"]+)"[^>]*>/g)];
    expect(charts.map((m) => m[1])).toEqual([
      'spend-over-time',
      'purchase-split',
      'budget-burn',
      'savings',
      'top-jobs',
      ...report.teams.map((_, i) => `cumulative-${i}`),
    ]);
    for (const [tag, id] of charts) {
      expect(tag).toContain('role="img"');
      expect(tag).toContain(`aria-labelledby="${id}-title" aria-describedby="${id}-desc"`);
      expect(html).toMatch(
        new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`),
      );
    }
  });

  it('gives every table a caption and scoped headers', async () => {
    const { html } = await render('project');
    const tables = html.match(/<table[\s\S]*?<\/table>/g) ?? [];
    expect(tables).toHaveLength(5);
    for (const table of tables) {
      expect(table).toMatch(/^<table[^>]*><caption>[^<]+/);
      const heads = table.match(/<th[ >][^>]*>/g) ?? [];
      expect(heads.length).toBeGreaterThan(5);
      for (const th of heads) expect(th).toMatch(/scope="(col|row)"/);
    }
  });

  it("prints each team's budget left, run rate, forecast and run-out day as the JSON states them", async () => {
    const { report, html } = await render();
    const table = /<table id="forecast-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(report.forecast.length).toBeGreaterThan(0);
    const rows = table.split('<tr data-team=').slice(1);
    expect(rows).toHaveLength(report.forecast.length);
    for (const [i, f] of report.forecast.entries()) {
      const row = rows[i] ?? '';
      expect(row.startsWith(`"${escapeHtml(f.team)}"`)).toBe(true);
      expect(row).toContain(formatUsd(f.forecastUsd));
      expect(row).toContain(formatUsd(f.runRateUsdPerDay));
      expect(row).toContain(f.budgetRunsOutOn ?? '—');
    }
  });

  it('shows the report totals as headline figures and in the total row', async () => {
    const { report, html } = await render();
    const value = (key: string) => new RegExp(`data-kpi="${key}" data-value="([^"]+)"`).exec(html)?.[1];
    expect(Number(value('actual'))).toBe(report.totals.actualUsd);
    expect(Number(value('savings'))).toBe(report.totals.savingsUsd);
    expect(Number(value('interrupted'))).toBe(report.totals.interruptedUsd);
    expect(html).toContain(`<tr><th scope="row">Total</th><td>${formatUsd(report.totals.actualUsd)}</td>`);
  });

  it('shows the previous period, the change and the change % beside each row and the total', async () => {
    const records = [...hostileMonth()];
    const report = await buildCostReport(records, { from: '2026-11-16', to: '2026-11-30', groupBy: 'team' });
    const html = renderHtmlReport(report);
    expect(report.previousPeriod).toEqual({ from: '2026-11-01', to: '2026-11-15' });
    expect(report.totals.previous.actualUsd).toBeGreaterThan(0);
    const table = /<table id="rows-table"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(table).toContain('<th scope="col">Previous period</th><th scope="col">Change</th>');
    const foot = /<tfoot>[\s\S]*?<\/tfoot>/.exec(table)?.[0] ?? '';
    const p = report.totals.previous;
    expect(foot).toContain(
      `<td>${formatUsd(p.actualUsd)}</td><td>${p.changeUsd > 0 ? '+' : ''}${formatUsd(p.changeUsd)}</td><td>${p.changePct !== null && p.changePct > 0 ? '+' : ''}${p.changePct?.toFixed(1)} %</td>`,
    );
    expect(html).toMatch(new RegExp(`data-kpi="previous" data-value="${p.actualUsd}"`));
  });

  it('shows GPU-hours and USD per GPU-hour per row, in the total and as a headline figure', async () => {
    const report = await buildCostReport(hostileMonth(), {
      ...NOV,
      groupBy: 'team',
      acceleratorsOf: () => ({ gpuModel: 'H100', gpuCount: 8 }),
    });
    const html = renderHtmlReport(report);
    const t = report.totals;
    expect(t.gpuHours).toBeCloseTo(t.instanceHours * 8, 2);
    expect(html).toContain('<th scope="col">GPU-hours</th><th scope="col">USD per GPU-hour</th>');
    const foot = /<tfoot>[\s\S]*?<\/tfoot>/.exec(html)?.[0] ?? '';
    expect(foot).toContain(`<td>$${t.usdPerGpuHour?.toFixed(4)}</td>`);
    expect(html).toMatch(new RegExp(`data-kpi="usd-per-gpu-hour" data-value="${t.usdPerGpuHour}"`));
  });

  it('renders an empty period without dividing by zero', async () => {
    const report = await buildCostReport([], { from: '2026-12-01', to: '2026-12-31', groupBy: 'team' });
    const html = renderHtmlReport(report);
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(html).toContain('No team has a budget for this period.');
  });

  it('draws a long window by month', async () => {
    const report = await buildCostReport(generateLedgerMonth({ jobs: 20 }), {
      from: '2026-09-01',
      to: '2027-02-28',
      groupBy: 'month',
    });
    expect(renderHtmlReport(report)).toContain(
      '<title id="spend-over-time-title">Spend per team per month</title>',
    );
  });
});

describe('cumulative spend against budget', () => {
  it('runs actual to as-of, the forecast dashed to the end and the budget as a level, on a dated axis', async () => {
    const report = await buildCostReport(hostileMonth(), {
      ...NOV,
      groupBy: 'team',
      asOf: '2026-11-16T00:00:00Z',
    });
    const html = renderHtmlReport(report);
    const i = report.teams.findIndex((t) => t.team === 'plain');
    const svg = new RegExp(`<svg [^>]*data-chart="cumulative-${i}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
    const f = report.forecast.find((x) => x.team === 'plain');
    expect(svg).toContain('<title id="cumulative-');
    expect(svg).toContain('Cumulative spend against budget: plain');
    expect(svg).toContain(formatUsd(f?.forecastUsd ?? -1));
    // 15 days of record: a point at the start and one per day; the forecast is one dashed segment.
    const actual = /<polyline [^>]*points="([^"]+)" data-line="plain: actual"/.exec(svg)?.[1] ?? '';
    expect(actual.split(' ')).toHaveLength(16);
    expect(svg).toMatch(/<polyline [^>]*stroke-dasharray="6 4" points="[^" ]+ [^" ]+" data-line="forecast/);
    expect(svg).toContain('class="level"');
    for (const label of ['Nov 1', 'Day (UTC)', 'USD']) expect(svg).toContain(`>${label}</text>`);
  });

  it('gives each team one colour in every chart, and budget status colours no team has', async () => {
    const { html, report } = await render();
    const teamColor = new Map<string, string>();
    // Legend entries: a swatch then the team's name.
    for (const m of html.matchAll(/fill="(#[0-9A-Fa-f]{6})"\/><text [^>]*class="legend">([^<]+)<\/text>/g)) {
      const name = (m[2] ?? '').replace(/ actual$/, '');
      if (!report.teams.some((t) => escapeHtml(t.team) === name)) continue;
      const seen = teamColor.get(name);
      if (seen !== undefined) expect(m[1]).toBe(seen);
      teamColor.set(name, m[1] ?? '');
    }
    // Legends clip names past 22 characters; the others are all there, each its own colour.
    const named = report.teams.filter((t) => t.team.length <= 22).length;
    expect(teamColor.size).toBe(named);
    expect(new Set(teamColor.values()).size).toBe(named);
    const plainLine = /<polyline fill="none" stroke="(#[0-9A-Fa-f]{6})"[^>]*data-line="plain: actual"/.exec(
      html,
    );
    expect(plainLine?.[1]).toBe(teamColor.get('plain'));
    for (const c of Object.values(STATUS_COLORS)) expect([...teamColor.values()]).not.toContain(c);
    // The budget-burn chart has the status scale as its legend.
    const burn = /<svg [^>]*data-chart="budget-burn"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    for (const item of STATUS_LEGEND) expect(burn).toContain(`>${escapeHtml(item.name)}</text>`);
  });

  it('keeps meaning out of tooltips: no abbreviations, the forecast status in words, every daily bar in a table', async () => {
    const { html, report } = await render();
    const daily = /<table id="daily-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    const days = new Set(report.daily.map((d) => d.day));
    expect(daily.split('<tr><th scope="row">').length - 1).toBe(days.size);
    const first = report.daily[0];
    expect(daily).toContain(`<th scope="row">${first?.day}</th>`);
    expect(daily).toContain(formatUsd(first?.actualUsd ?? -1));
    expect(html).not.toContain('<abbr');
    const table = /<table id="forecast-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(table).toMatch(/\d+\.\d % \((under 80 %|80–100 %|at or over budget)\)/);
    expect(html).toContain('@media print{');
  });
});

describe('chart helpers', () => {
  it('shows list, effective and committed cost per team and each commitment, only when there are commitments', async () => {
    const { html: without } = await render();
    expect(without).not.toContain('commitments-table');
    const month = hostileMonth();
    const report = await buildCostReport(month, {
      ...NOV,
      groupBy: 'team',
      commitments: [
        {
          kind: 'capacity-block',
          id: 'cr-0c1d2e3f4a5b6c7d8',
          name: 'block <b>eval</b>',
          team: 'plain',
          instanceType: 'p5.48xlarge',
          region: 'us-east-1',
          availabilityZone: 'us-east-1a',
          count: 1,
          priceUsd: 2400,
          start: '2026-11-10T00:00:00Z',
          end: '2026-11-20T00:00:00Z',
        },
      ],
    });
    const html = renderHtmlReport(report, { source: 'l.jsonl', generatedAt: '2026-12-01T08:00:00Z' });
    const tables = html.match(/<table[\s\S]*?<\/table>/g) ?? [];
    const teams = tables.find((t) => t.includes('id="commitment-teams-table"')) ?? '';
    expect(teams.split('<tr><th scope="row">').length - 1).toBe(report.teams.length + 1);
    const commitments = tables.find((t) => t.includes('id="commitments-table"')) ?? '';
    // Nobody drew on the block: its whole price is unused and charged to the team it was bought for.
    expect(commitments).toContain(
      `<th scope="row">block &#60;b&#62;eval&#60;/b&#62;</th><td class="text">capacity-block</td><td>${formatUsd(2400)}</td><td>${formatUsd(0)}</td><td>${formatUsd(2400)}</td><td class="text">plain ${formatUsd(2400)}</td>`,
    );
    expect(teams).toContain(`<th scope="row">plain</th>`);
    expect(report.teams.find((t) => t.team === 'plain')?.committedUnusedUsd).toBe(2400);
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&#60;a href&#61;&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;'.replace('&#61;', '='),
    );
  });

  it('picks round ticks that reach the maximum', () => {
    expect(niceTicks(3_870)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(niceTicks(100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
