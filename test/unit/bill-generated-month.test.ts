import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBillExport } from '../../lambdas/adapters/bill-export-file.js';
import { reconcileBill } from '../../lambdas/core/accounting/bill-reconciliation.js';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import {
  type LedgerUsage,
  ledgerTextLines,
  parseLedgerLines,
} from '../../lambdas/core/ledger/ledger-export.js';
import { type BillInjections, planBill } from '../support/bill-generator.js';
import { type BillFileKind, writeBillFile } from '../support/bill-writer.js';

/**
 * The example month (300 jobs planned by the production planner, 363 usage intervals) and a bill
 * generated for it with differences injected: reconciliation finds each one and nothing else.
 */

const LEDGER = 'examples/ledger-month.jsonl';
let text: string[];
let usages: LedgerUsage[];
let dir: string;

beforeAll(async () => {
  text = ledgerTextLines(await readFile(LEDGER, 'utf8'));
  usages = [];
  for await (const r of parseLedgerLines(text)) if (r.kind === 'usage') usages.push(r);
  dir = await mkdtemp(join(tmpdir(), 'qm-bill-month-'));
});

const key = (d: { kind: string; instanceId: string; from: string; to: string }) =>
  `${d.kind} ${d.instanceId} ${d.from} ${d.to}`;

const MANY: BillInjections = {
  leaks: 6,
  missing: 8,
  spotMoves: 8,
  savingsPlans: 5,
  reservations: 5,
  unmanaged: 4,
};

describe('reconcile-bill on a generated bill for the example month', () => {
  for (const [format, kind, seed] of [
    ['cur2', 'csv.gz', 1],
    ['cur2', 'csv', 2],
    ['focus12', 'csv', 3],
    ['focus12', 'csv.gz', 4],
  ] as const)
    it(`finds every injected difference and nothing else (${format}, ${kind}, seed ${seed})`, async () => {
      const plan = planBill(usages, format, { seed, injections: MANY });
      // Unmanaged instances are billed but are no difference.
      expect(plan.injected.length).toBe(
        MANY.leaks + MANY.missing + MANY.spotMoves + MANY.savingsPlans + MANY.reservations,
      );
      const path = join(dir, `bill-${seed}.${kind}`);
      await writeBillFile(plan, path, kind as BillFileKind);
      const r = await reconcileBill(parseLedgerLines(text), await openBillExport(path));
      expect(r.differences.map(key).sort()).toEqual(plan.injected.map(key).sort());
      expect(r.unmanaged.instances).toBe(4);
      // Where nothing was injected, the bill equals the ledger to the micro-dollar.
      const differing = new Set(r.differences.map((d) => d.jobId));
      const clean = r.jobs.filter((j) => !differing.has(j.key));
      expect(clean.length).toBeGreaterThan(250);
      for (const job of clean) expect(job.driftUsd, job.key).toBe(0);
      const drift = r.differences.reduce((s, d) => s + d.driftUsd, 0);
      expect(Math.abs(drift - r.totals.driftUsd)).toBeLessThan(1e-6);
    });

  it('reports no difference on a bill with nothing injected', async () => {
    const none: BillInjections = {
      leaks: 0,
      missing: 0,
      spotMoves: 0,
      savingsPlans: 0,
      reservations: 0,
      unmanaged: 0,
    };
    const plan = planBill(usages, 'cur2', { seed: 5, injections: none });
    const path = join(dir, 'clean.csv.gz');
    await writeBillFile(plan, path, 'csv.gz');
    const r = await reconcileBill(parseLedgerLines(text), await openBillExport(path));
    expect(r.differences).toEqual([]);
    expect(r.totals.driftUsd).toBe(0);
    expect(r.jobs.every((j) => j.driftUsd === 0)).toBe(true);
    // The ledger column is what qm report shows for the same whole days, to the micro-dollar.
    const report = await buildCostReport(parseLedgerLines(text), {
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: 'team',
    });
    expect(r.period).toEqual({ start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    expect(r.totals.ledgerUsd).toBe(report.totals.actualUsd);
    for (const team of report.teams)
      expect(r.teams.find((t) => t.key === team.team)?.ledgerUsd).toBe(team.actualUsd);
  });
});
