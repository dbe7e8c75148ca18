import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/in-memory-ledger.js';
import { loadStaticPriceBook } from '../../../lambdas/adapters/static-price-book.js';
import type { CostReport } from '../../../lambdas/core/accounting/cost-report.js';
import { FOCUS_HEADER } from '../../../lambdas/core/reports/focus-export.js';
import { quietObservability } from '../../../lambdas/handlers/middleware.js';
import {
  type ExportObject,
  makeHandler as makeExportHandler,
  previousMonth,
} from '../../../lambdas/handlers/monthly-export.js';
import {
  makeHandler,
  parseReportRequest,
  previousPeriod,
  type ReportLedger,
  renderReport,
} from '../../../lambdas/handlers/report.js';
import { FakeClock } from '../../support/fake-clock.js';
import { allocationFor, jobRequest } from '../../support/ledger-fixtures.js';
import { lambdaContext } from './lambda-fixtures.js';

const clock = new FakeClock('2026-03-01T08:00:00.000Z');
const ledger = new InMemoryLedger({ clock });

/** One job of team vision, allocated on spot and run 4 hours on 2026-03-01. */
beforeAll(async () => {
  const { job } = (await ledger.putJobIfAbsent({ request: jobRequest('train-1') })) as {
    job: { version: number };
  };
  await ledger.allocate(
    allocationFor({ jobId: 'train-1', team: 'vision', version: job.version }, 52.5, 1000),
  );
  await ledger.startUsage({
    instanceId: 'i-0123456789abcdef0',
    jobId: 'train-1',
    allocationId: 'train-1-a1',
    team: 'vision',
    project: 'detector',
    instanceType: 'p5.48xlarge',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    purchaseOption: 'spot',
    unitPriceUsdPerHour: 12.5,
    startedAt: '2026-03-01T09:00:00.000Z',
  });
  await ledger.stopUsage({
    instanceId: 'i-0123456789abcdef0',
    stoppedAt: '2026-03-01T13:00:00.000Z',
    costUsd: 50,
  });
});

const urlEvent = (query: Record<string, string>, method = 'GET'): LambdaFunctionURLEvent =>
  ({
    version: '2.0',
    rawPath: '/',
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method, path: '/' } },
  }) as unknown as LambdaFunctionURLEvent;

const deps = (source: ReportLedger = ledger) => ({
  ledger: source,
  teams: ['vision'],
  clock: new FakeClock('2026-03-20T00:00:00.000Z'),
  obs: quietObservability(),
});

/** A structured Function URL result (the handler never returns a bare string). */
type UrlResponse = { statusCode: number; body: string; headers: Record<string, string> };

const call = async (query: Record<string, string>, source?: ReportLedger, method?: string) =>
  (await makeHandler(deps(source))(urlEvent(query, method), lambdaContext('qm-report'))) as UrlResponse;

describe('Report handler', () => {
  it('returns the JSON cost report of the ledger for the window, grouped by team', async () => {
    const response = await call({ from: '2026-03-01', to: '2026-03-31', groupBy: 'team' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const report = JSON.parse(response.body);
    expect(report.rows.map((r: { key: string; actualUsd: number }) => [r.key, r.actualUsd])).toEqual([
      ['vision', 50],
    ]);
    expect(report.totals.instanceHours).toBe(4);
  });

  it('counts GPU-hours by the stored price book, and none without one', async () => {
    const without = JSON.parse((await call({ from: '2026-03-01', to: '2026-03-31' })).body);
    expect(without.totals.gpuHours).toBeNull();
    const book = loadStaticPriceBook();
    // The same ledger, with a stored book (the price refresh stores one in a deployment).
    const reading = new Proxy(ledger, {
      get: (target, p) => {
        if (p === 'getLatestPriceBook') return async () => book;
        const value: unknown = Reflect.get(target, p, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const report = JSON.parse((await call({ from: '2026-03-01', to: '2026-03-31' }, reading)).body);
    // p5.48xlarge holds 8 H100s: 4 instance-hours are 32 GPU-hours, 50 USD is 1.5625 USD a GPU-hour.
    expect(report.totals.gpuHours).toBe(32);
    expect(report.totals.usdPerGpuHour).toBeCloseTo(1.5625, 6);
  });

  it('returns FOCUS CSV with the FOCUS header and the account from the function ARN', async () => {
    const response = await call({ from: '2026-03-01', to: '2026-03-31', format: 'focus' });
    expect(response.statusCode).toBe(200);
    const [header, row] = response.body.trim().split('\n');
    expect(header?.split(',')).toEqual([...FOCUS_HEADER]);
    expect(row).toContain('123456789012');
  });

  it('returns CSV rows and an HTML page', async () => {
    const csv = await call({ from: '2026-03-01', to: '2026-03-31', format: 'csv' });
    expect(csv.body.split('\n')[1]).toMatch(/^vision,vision,50,/);
    const html = await call({ from: '2026-03-01', to: '2026-03-31', format: 'html' });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<html');
  });

  it('answers 400 naming the parameter for a bad date, grouping, format or a too-long window', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2026-02-30' }, 'from: must be a date YYYY-MM-DD; got "2026-02-30"'],
      [
        { from: '2026-03-01', to: '2026-03-31', groupBy: 'zone' },
        'groupBy: must be one of team, project, job, day, month, region, instance-type',
      ],
      [
        { from: '2026-03-01', to: '2026-03-31', format: 'xlsx' },
        'format: must be one of json, csv, focus, html',
      ],
      [{ from: '2024-01-01', to: '2026-01-01' }, 'to: the window is 732 days; at most 366 per request'],
    ];
    for (const [query, message] of cases) {
      const response = await call(query);
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(JSON.parse(response.body).error).toContain(message);
    }
  });

  it('answers a generic 500 without internal details when the ledger fails', async () => {
    const failing: ReportLedger = {
      listJobsByTeamAndPeriod: () =>
        Promise.reject(new Error('ProvisionedThroughputExceeded on table secret-name')),
      listEvents: () => Promise.reject(new Error('boom')),
      listUsageByJob: () => Promise.reject(new Error('boom')),
      getBudget: () => Promise.reject(new Error('boom')),
      listBudgetEvents: () => Promise.reject(new Error('boom')),
    };
    const response = await call({ from: '2026-03-01', to: '2026-03-31' }, failing);
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe(JSON.stringify({ error: 'internal error' }));
  });

  it('refuses methods other than GET', async () => {
    expect((await call({}, undefined, 'POST')).statusCode).toBe(405);
  });

  it('reads the month before the window too, across a year boundary', () => {
    expect(previousPeriod('2026-03')).toBe('2026-02');
    expect(previousPeriod('2026-01')).toBe('2025-12');
  });

  it('defaults to the current month so far, grouped by team, as JSON', () => {
    expect(parseReportRequest(undefined, new Date('2026-03-20T10:00:00Z'))).toEqual({
      from: '2026-03-01',
      to: '2026-03-20',
      groupBy: 'team',
      format: 'json',
    });
  });
});

describe('Monthly export handler', () => {
  it('names the previous calendar month, across a year boundary too', () => {
    expect(previousMonth(new Date('2026-04-01T03:00:00Z'))).toEqual({
      period: '2026-03',
      from: '2026-03-01',
      to: '2026-03-31',
    });
    expect(previousMonth(new Date('2026-01-01T03:00:00Z'))).toEqual({
      period: '2025-12',
      from: '2025-12-01',
      to: '2025-12-31',
    });
  });

  it("writes last month's FOCUS CSV and HTML report under exports/<month>/", async () => {
    const written: ExportObject[] = [];
    const handler = makeExportHandler({
      ledger,
      teams: ['vision'],
      clock: new FakeClock('2026-04-01T03:00:00.000Z'),
      obs: quietObservability(),
      write: async (object) => {
        written.push(object);
      },
    });
    const result = await handler({} as never, lambdaContext('qm-monthly-export'));
    expect(result).toEqual({
      period: '2026-03',
      keys: ['exports/2026-03/focus.csv', 'exports/2026-03/report.html'],
    });
    expect(written.map((w) => w.contentType)).toEqual([
      'text/csv; charset=utf-8',
      'text/html; charset=utf-8',
    ]);
    expect(written[0]?.body.trim().split('\n')).toHaveLength(2);
    expect(written[1]?.body).toContain('vision');
  });
});

describe('the deployed FOCUS export with commitments (ADR 0015)', () => {
  const odcr = {
    kind: 'capacity-reservation',
    id: 'cr-0a1b2c3d4e5f60718',
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    count: 1,
    unitPriceUsdPerHour: null,
    start: '2026-03-01T00:00:00Z',
    end: null,
  } as const;
  const meta = { accountId: '123456789012', generatedAt: '2026-04-01T00:00:00Z' };
  const request = { from: '2026-03-01', to: '2026-03-31', groupBy: 'team', format: 'focus' } as const;

  it("adds a reservation's unused days, valued at the stored book's on-demand rate", async () => {
    const book = loadStaticPriceBook();
    const reading: ReportLedger = new Proxy(ledger, {
      get: (target, p) => {
        if (p === 'getLatestPriceBook') return async () => book;
        const value: unknown = Reflect.get(target, p, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const body = await renderReport(
      request,
      { ledger: reading, teams: ['vision'], commitments: [odcr] },
      meta,
    );
    const unused = body.split('\n').filter((l) => l.includes('Unused On-Demand Capacity Reservation'));
    expect(unused).toHaveLength(31);
    const rate = book.offers.find(
      (o) =>
        o.instanceType === 'p4de.24xlarge' && o.region === 'us-east-1' && o.purchaseOption === 'on-demand',
    )?.priceUsdPerHour;
    expect(rate).toBeGreaterThan(0);
    expect(unused[0]).toContain(`,${Math.round((rate ?? 0) * 24 * 1e6) / 1e6},`);
  });

  it('charges the unused reservation to teams in the deployed cost report (json)', async () => {
    const priced = { ...odcr, unitPriceUsdPerHour: 10, team: 'vision' };
    const body = await renderReport(
      { ...request, format: 'json' },
      { ledger, teams: ['vision'], commitments: [priced] },
      meta,
    );
    const report = JSON.parse(body) as CostReport;
    // Nothing in this ledger drew on it: 31 idle days at 10 USD/h, all charged to the team it is for.
    expect(report.commitments).toEqual([
      {
        id: 'cr-0a1b2c3d4e5f60718',
        name: 'cr-0a1b2c3d4e5f60718',
        kind: 'capacity-reservation',
        owner: 'vision',
        committedUsd: 7440,
        usedUsd: 0,
        unusedUsd: 7440,
        unusedByTeam: [{ team: 'vision', usd: 7440 }],
        unassignedUsd: 0,
      },
    ]);
    expect(report.teams.find((t) => t.team === 'vision')?.committedUnusedUsd).toBe(7440);
  });

  it('says which commitment it cannot value when neither the configuration nor a stored book prices it', async () => {
    await expect(
      renderReport(request, { ledger, teams: ['vision'], commitments: [odcr] }, meta),
    ).rejects.toThrow(/QM_COMMITMENTS: cr-0a1b2c3d4e5f60718 states no price/);
  });
});
