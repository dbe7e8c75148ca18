import { describe, expect, it } from 'vitest';
import { type BillReconciliation, reconcileBill } from '../../lambdas/core/accounting/bill-reconciliation.js';
import type { LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';

/** Ledger usage records and CUR 2.0 rows built by hand, so each rule is seen on its own. */

const usage = (over: Partial<LedgerUsage> = {}): LedgerUsage => ({
  kind: 'usage',
  instanceId: 'i-0000000000000a001',
  jobId: 'nlp-1',
  allocationId: 'nlp-1-a1',
  team: 'nlp',
  project: 'llm',
  region: 'us-east-1',
  availabilityZone: null,
  instanceType: 'p5.48xlarge',
  purchaseOption: 'on-demand',
  unitPriceUsdPerHour: 10,
  onDemandPriceUsdPerHour: 10,
  startedAt: '2026-11-03T10:00:00Z',
  stoppedAt: '2026-11-03T13:00:00Z',
  interrupted: false,
  ...over,
});

const MANAGED = { 'user_quartermaster:managed-by': 'quartermaster' };

interface Row {
  id?: string;
  hour: string;
  hours?: number;
  cost: number;
  type?: string;
  usageType?: string;
  term?: string;
  spCost?: number;
  riCost?: number;
  tags?: Record<string, string>;
}

const PERIOD = {
  bill_billing_period_start_date: '2026-11-01T00:00:00Z',
  bill_billing_period_end_date: '2026-12-01T00:00:00Z',
};

const curRow = (r: Row) => {
  const start = Date.parse(r.hour);
  return {
    ...PERIOD,
    line_item_line_item_type: r.type ?? 'Usage',
    line_item_product_code: 'AmazonEC2',
    line_item_usage_type: r.usageType ?? 'USE1-BoxUsage:p5.48xlarge',
    line_item_resource_id: r.id ?? 'i-0000000000000a001',
    line_item_usage_start_date: new Date(start).toISOString(),
    line_item_usage_end_date: new Date(start + 3_600_000).toISOString(),
    line_item_usage_amount: String(r.hours ?? 1),
    line_item_unblended_cost: String(r.cost),
    pricing_term: r.term ?? 'OnDemand',
    savings_plan_savings_plan_effective_cost: r.spCost === undefined ? '' : String(r.spCost),
    savings_plan_savings_plan_a_r_n: r.spCost === undefined ? '' : 'arn:aws:savingsplans::1:savingsplan/sp-1',
    reservation_effective_cost: r.riCost === undefined ? '' : String(r.riCost),
    reservation_reservation_a_r_n:
      r.riCost === undefined ? '' : 'arn:aws:ec2:us-east-1:1:reserved-instances/ri-1',
    resource_tags: JSON.stringify(r.tags ?? MANAGED),
  };
};

const run = (usages: LedgerUsage[], rows: Row[]): Promise<BillReconciliation> => {
  const values = rows.map(curRow);
  return reconcileBill(usages, {
    source: 'bill.csv',
    columns: Object.keys(values[0] ?? curRow({ hour: '2026-11-01T00:00:00Z', cost: 0 })),
    rows: values.map((v, i) => ({ line: i + 2, values: v })),
  });
};

const hours = (from: number, n: number, cost: number, extra: Partial<Row> = {}): Row[] =>
  Array.from({ length: n }, (_, i) => ({
    hour: `2026-11-03T${String(from + i).padStart(2, '0')}:00:00Z`,
    cost,
    ...extra,
  }));

const kinds = (r: BillReconciliation) => r.differences.map((d) => [d.kind, d.instanceId, d.from, d.to]);

describe('reconcileBill: matching by instance id and clock hour', () => {
  it('finds no difference when every hour is billed at the stored price', async () => {
    const r = await run([usage()], hours(10, 3, 10));
    expect(r.differences).toEqual([]);
    expect(r.totals).toMatchObject({ ledgerUsd: 30, billedUsd: 30, driftUsd: 0 });
    expect(r.jobs).toEqual([{ key: 'nlp-1', team: 'nlp', ledgerUsd: 30, billedUsd: 30, driftUsd: 0 }]);
    expect(r.days).toEqual([{ key: '2026-11-03', team: null, ledgerUsd: 30, billedUsd: 30, driftUsd: 0 }]);
  });

  it('matches partial hours by the seconds each side records, rounding within the tolerance', async () => {
    const u = usage({
      startedAt: '2026-11-03T10:20:00Z',
      stoppedAt: '2026-11-03T11:40:00Z',
      unitPriceUsdPerHour: 3,
    });
    // 40 minutes in each hour: 2 USD each; the bill rounds its rate to four decimals.
    const r = await run([u], hours(10, 2, 2.0001, { hours: 0.6666667 }));
    expect(r.differences).toEqual([]);
    expect(r.totals.ledgerUsd).toBe(4);
  });

  it('names a leak: a managed instance the ledger does not know, with its tagged team and job', async () => {
    const tags = { ...MANAGED, 'user_quartermaster:team': 'cv', 'user_quartermaster:job-id': 'cv-9' };
    const r = await run(
      [usage()],
      [...hours(10, 3, 10), ...hours(10, 2, 7, { id: 'i-0000000000000beef', tags })],
    );
    expect(kinds(r)).toEqual([
      ['leak', 'i-0000000000000beef', '2026-11-03T10:00:00Z', '2026-11-03T12:00:00Z'],
    ]);
    expect(r.differences[0]).toMatchObject({
      team: 'cv',
      jobId: 'cv-9',
      billedUsd: 14,
      ledgerUsd: 0,
      driftUsd: 14,
      billLine: 5,
    });
    expect(r.teams.find((t) => t.key === 'cv')).toMatchObject({ ledgerUsd: 0, billedUsd: 14 });
    expect(r.totals.unexplainedDriftUsd).toBe(14);
  });

  it('leaves instances of other workloads out: neither in the ledger nor tagged as managed', async () => {
    const r = await run(
      [usage()],
      [...hours(10, 3, 10), ...hours(10, 2, 7, { id: 'i-0000000000000c0de', tags: { user_team: 'x' } })],
    );
    expect(r.differences).toEqual([]);
    expect(r.unmanaged).toEqual({ instances: 1, lines: 2, billedUsd: 14 });
    expect(r.totals.billedUsd).toBe(30);
  });

  it('names missing lines: recorded usage the bill does not charge, consecutive hours as one', async () => {
    const u = usage({ stoppedAt: '2026-11-03T15:00:00Z' });
    const r = await run([u], [...hours(10, 1, 10), ...hours(13, 2, 10)]);
    expect(kinds(r)).toEqual([
      ['missing', 'i-0000000000000a001', '2026-11-03T11:00:00Z', '2026-11-03T13:00:00Z'],
    ]);
    expect(r.differences[0]).toMatchObject({
      hours: 2,
      ledgerUsd: 20,
      billedUsd: 0,
      driftUsd: -20,
      billLine: null,
    });
  });

  it('counts usage of an instance the bill never mentions as missing, inside the bill period only', async () => {
    const outside = usage({
      instanceId: 'i-0000000000000a002',
      startedAt: '2026-10-31T20:00:00Z',
      stoppedAt: '2026-10-31T22:00:00Z',
    });
    const absent = usage({ instanceId: 'i-0000000000000a003' });
    const r = await run([usage(), outside, absent], hours(10, 3, 10));
    expect(kinds(r)).toEqual([
      ['missing', 'i-0000000000000a003', '2026-11-03T10:00:00Z', '2026-11-03T13:00:00Z'],
    ]);
  });

  it('names billed hours outside the recorded usage of a known instance', async () => {
    const r = await run([usage()], hours(10, 5, 10));
    expect(kinds(r)).toEqual([
      ['outside-usage', 'i-0000000000000a001', '2026-11-03T13:00:00Z', '2026-11-03T15:00:00Z'],
    ]);
    expect(r.differences[0]?.detail).toMatch(/no recorded usage of the instance/);
  });

  it('names billed time that differs from the recorded time', async () => {
    const r = await run([usage()], [...hours(10, 2, 10), ...hours(12, 1, 5, { hours: 0.5 })]);
    expect(kinds(r)).toEqual([
      ['hours-differ', 'i-0000000000000a001', '2026-11-03T12:00:00Z', '2026-11-03T13:00:00Z'],
    ]);
    expect(r.differences[0]?.detail).toBe('billed 0.500 instance-hours, the ledger records 1.000');
  });

  it('explains a price difference by Savings Plan coverage, ignoring the negation line', async () => {
    const covered = hours(11, 2, 10, { type: 'SavingsPlanCoveredUsage', spCost: 7.2 });
    const negation = hours(11, 2, -10, { type: 'SavingsPlanNegation' });
    const r = await run([usage()], [...hours(10, 1, 10), ...covered, ...negation]);
    expect(kinds(r)).toEqual([
      ['savings-plan', 'i-0000000000000a001', '2026-11-03T11:00:00Z', '2026-11-03T13:00:00Z'],
    ]);
    expect(r.differences[0]).toMatchObject({ driftUsd: -5.6 });
    expect(r.differences[0]?.detail).toContain('arn:aws:savingsplans::1:savingsplan/sp-1');
    expect(r.totals).toMatchObject({ explainedDriftUsd: -5.6, unexplainedDriftUsd: 0 });
  });

  it('explains a price difference by reservation coverage', async () => {
    const r = await run(
      [usage()],
      [...hours(10, 2, 10), ...hours(12, 1, 0, { type: 'DiscountedUsage', term: 'Reserved', riCost: 6 })],
    );
    expect(kinds(r)).toEqual([
      ['reserved-instance', 'i-0000000000000a001', '2026-11-03T12:00:00Z', '2026-11-03T13:00:00Z'],
    ]);
  });

  it('holds hours the planner placed on a commitment to its effective rate, not the marginal 0 it stored', async () => {
    // An ODCR's hours are billed at the on-demand rate; a Savings Plan's carry its effective cost.
    const odcr = usage({
      unitPriceUsdPerHour: 0,
      commitment: {
        id: 'cr-0a1b2c3d4e5f60718',
        kind: 'capacity-reservation',
        effectiveUnitPriceUsdPerHour: 10,
      },
    });
    const onOdcr = await run([odcr], hours(10, 3, 10));
    expect(onOdcr.differences).toEqual([]);
    expect(onOdcr.totals).toMatchObject({ ledgerUsd: 30, billedUsd: 30, driftUsd: 0 });
    const plan = usage({
      unitPriceUsdPerHour: 0,
      commitment: { id: 'sp-1', kind: 'savings-plan', effectiveUnitPriceUsdPerHour: 7.2 },
    });
    const covered = hours(10, 3, 10, { type: 'SavingsPlanCoveredUsage', spCost: 7.2 });
    const onPlan = await run([plan], [...covered, ...hours(10, 3, -10, { type: 'SavingsPlanNegation' })]);
    expect(onPlan.differences).toEqual([]);
    expect(onPlan.totals).toMatchObject({ ledgerUsd: 21.6, billedUsd: 21.6, driftUsd: 0 });
  });

  it('explains a spot price that moved within the hour', async () => {
    const spot = usage({ purchaseOption: 'spot', unitPriceUsdPerHour: 4 });
    const spotHour = { usageType: 'USE1-SpotUsage:p5.48xlarge', term: 'Spot' };
    const moved = [
      { hour: '2026-11-03T11:00:00Z', hours: 0.5, cost: 2, ...spotHour },
      { hour: '2026-11-03T11:00:00Z', hours: 0.5, cost: 2.5, ...spotHour },
    ];
    const r = await run([spot], [...hours(10, 1, 4, spotHour), ...moved, ...hours(12, 1, 4, spotHour)]);
    expect(kinds(r)).toEqual([
      ['spot-price-move', 'i-0000000000000a001', '2026-11-03T11:00:00Z', '2026-11-03T12:00:00Z'],
    ]);
    expect(r.differences[0]?.detail).toBe(
      'spot price 4.0000–5.0000 USD/h on the bill against 4.0000 USD/h spot at allocation; the price moved within the hour',
    );
  });

  it('leaves a price difference unexplained when the bill gives no reason (on-demand billed for a spot allocation)', async () => {
    const spot = usage({ purchaseOption: 'spot', unitPriceUsdPerHour: 4 });
    const r = await run(
      [spot],
      [...hours(10, 2, 4, { usageType: 'USE1-SpotUsage:p5.48xlarge', term: 'Spot' }), ...hours(12, 1, 10)],
    );
    expect(kinds(r)).toEqual([
      ['price-differs', 'i-0000000000000a001', '2026-11-03T12:00:00Z', '2026-11-03T13:00:00Z'],
    ]);
    expect(r.differences[0]?.detail).toBe(
      'billed 10.0000 USD/h (on-demand) against 4.0000 USD/h spot in the ledger',
    );
    expect(r.totals.unexplainedDriftUsd).toBe(6);
  });

  it('meters a still-running interval to the end of the bill period', async () => {
    const open = usage({ startedAt: '2026-11-30T22:00:00Z', stoppedAt: null });
    const rows = [
      { hour: '2026-11-30T22:00:00Z', cost: 10 },
      { hour: '2026-11-30T23:00:00Z', cost: 10 },
    ];
    const r = await run([open], rows);
    expect(r.differences).toEqual([]);
    expect(r.totals.ledgerUsd).toBe(20);
  });

  it('adds rows up: team, day and job totals equal the grand totals', async () => {
    const a = usage();
    const b = usage({
      instanceId: 'i-0000000000000b001',
      jobId: 'cv-1',
      team: 'cv',
      startedAt: '2026-11-04T10:00:00Z',
      stoppedAt: '2026-11-04T12:00:00Z',
    });
    const rows = [
      ...hours(10, 3, 10),
      { id: 'i-0000000000000b001', hour: '2026-11-04T10:00:00Z', cost: 10 },
      { id: 'i-0000000000000b001', hour: '2026-11-04T11:00:00Z', cost: 12 },
    ];
    const r = await run([a, b], rows);
    const total = (rows: readonly { ledgerUsd: number; billedUsd: number }[]) => [
      rows.reduce((s, x) => s + x.ledgerUsd, 0),
      rows.reduce((s, x) => s + x.billedUsd, 0),
    ];
    for (const group of [r.teams, r.days, r.jobs]) expect(total(group)).toEqual([50, 52]);
    expect(r.totals).toMatchObject({ ledgerUsd: 50, billedUsd: 52, driftUsd: 2 });
    expect(r.counts['price-differs']).toBe(1);
  });
});
