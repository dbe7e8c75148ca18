import { describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../lambdas/adapters/in-memory-ledger.js';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import { verifyLedgerRecords } from '../../lambdas/core/audit/ledger-verifier.js';
import { type LedgerRecord, ledgerLine, parseLedgerLine } from '../../lambdas/core/ledger/ledger-export.js';
import { intervalCostUsd } from '../../lambdas/core/use-cases/close-reservation.js';
import { exportLedgerPeriod } from '../../lambdas/core/use-cases/ledger-export-period.js';
import { FakeClock } from '../support/fake-clock.js';
import { allocationFor, jobRequest } from '../support/ledger-fixtures.js';

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

/** Two jobs through the ledger's ports: one interrupted and re-run on spot, one still running. */
const liveLedger = async () => {
  const clock = new FakeClock('2026-11-03T08:00:00.000Z');
  const ledger = new InMemoryLedger({ clock });
  await ledger.putBudget({ team: 'vision', period: '2026-11', limitUsd: 1000 });
  const { job } = await ledger.putJobIfAbsent({ request: jobRequest('train-1') });
  let record = await ledger.allocate(allocationFor(job, 52.5, 1000, '2026-11'));
  const start = {
    jobId: 'train-1',
    team: 'vision',
    project: 'detector',
    instanceType: 'p5.48xlarge',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    purchaseOption: 'spot' as const,
    unitPriceUsdPerHour: 12.5,
  };
  await ledger.startUsage({
    ...start,
    instanceId: 'i-1',
    allocationId: 'train-1-a1',
    startedAt: '2026-11-03T08:05:00.250Z',
  });
  // The start appended USAGE_STARTED: the job's version moved on.
  record = (await ledger.getJob('train-1')) ?? record;
  for (const to of ['PROVISIONING', 'RUNNING', 'INTERRUPTED', 'PENDING'] as const)
    record = await ledger.transition({ jobId: 'train-1', expectedVersion: record.version, to });
  // The cost the events handler records: the interval at its stored price (what the audit re-meters).
  await ledger.stopUsage({
    instanceId: 'i-1',
    stoppedAt: '2026-11-03T10:05:00Z',
    costUsd: intervalCostUsd('2026-11-03T08:05:00.250Z', '2026-11-03T10:05:00Z', 12.5),
  });
  record = (await ledger.getJob('train-1')) ?? record;
  record = await ledger.allocate(allocationFor(record, 52.5, 1000, '2026-11', 2));
  await ledger.startUsage({
    ...start,
    instanceId: 'i-2',
    allocationId: 'train-1-a2',
    startedAt: '2026-11-03T11:00:00Z',
  });
  await ledger.stopUsage({ instanceId: 'i-2', stoppedAt: '2026-11-03T15:00:00Z', costUsd: 50 });
  clock.advance(3_600_000);
  const second = await ledger.putJobIfAbsent({ request: jobRequest('eval-2') });
  await ledger.allocate(allocationFor(second.job, 10, 1000, '2026-11'));
  await ledger.startUsage({
    ...start,
    jobId: 'eval-2',
    instanceId: 'i-3',
    allocationId: 'eval-2-a1',
    startedAt: '2026-11-30T23:00:00Z',
  });
  return ledger;
};

describe('exporting a live ledger for a month', () => {
  it('yields budgets, jobs, their events and usage that read back, verify and report', async () => {
    const records = await collect(exportLedgerPeriod(await liveLedger(), ['vision'], '2026-11'));
    expect(records.map((r) => (r.kind === 'event' ? r.type : r.kind))).toEqual([
      ...['budget', 'BUDGET_SET', 'BUDGET_RESERVED', 'BUDGET_RESERVED', 'BUDGET_RESERVED'],
      ...['job', 'RECEIVED', 'ALLOCATED', 'USAGE_STARTED', 'PROVISIONING', 'RUNNING', 'INTERRUPTED'],
      ...['REQUEUED', 'USAGE_STOPPED', 'ALLOCATED', 'USAGE_STARTED', 'USAGE_STOPPED', 'usage', 'usage'],
      ...['job', 'RECEIVED', 'ALLOCATED', 'USAGE_STARTED', 'usage'],
    ]);
    // Every exported line is valid export format.
    for (const r of records) expect(parseLedgerLine(ledgerLine(r), 1)).toEqual(r);

    const usage = records.filter((r): r is Extract<LedgerRecord, { kind: 'usage' }> => r.kind === 'usage');
    expect(
      usage.map((u) => [u.instanceId, u.startedAt, u.interrupted, u.onDemandPriceUsdPerHour, u.priceBookId]),
    ).toEqual([
      ['i-1', '2026-11-03T08:05:00Z', true, 39.333333, 'book-2026-03-01'],
      ['i-2', '2026-11-03T11:00:00Z', false, 39.333333, 'book-2026-03-01'],
      ['i-3', '2026-11-30T23:00:00Z', false, 39.333333, 'book-2026-03-01'],
    ]);

    const verdict = verifyLedgerRecords(records);
    expect(verdict.chains).toMatchObject({ ok: true, jobs: 2, budgets: 1, events: 18 });
    // Every record agrees with the chain that states it; none is left uncovered.
    expect(verdict.records).toMatchObject({ ok: true, checked: { job: 2, usage: 3, budget: 1 } });

    const report = await buildCostReport(records, { from: '2026-11-01', to: '2026-11-30', groupBy: 'job' });
    expect(report.rows.map((r) => [r.key, r.actualUsd, r.interruptedUsd])).toEqual([
      ['eval-2', 12.5, 0],
      ['train-1', 75, 25],
    ]);
    expect(report.totals.budgetUsd).toBe(1000);
  });
});
