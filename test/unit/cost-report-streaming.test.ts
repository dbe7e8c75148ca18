import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import { generateLedgerMonth } from '../support/ledger-export-fixtures.js';

// A full collection before each reading, so the figures are live memory, not garbage not yet swept.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
};

describe('cost report streaming', () => {
  it('reports on 100,000 jobs while holding only accumulators, not the records', async () => {
    const JOBS = 100_000;
    let records = 0;
    let retainedAtEndMb = 0;
    const before = liveHeapMb();
    async function* source(): AsyncGenerator<LedgerRecord> {
      for (const record of generateLedgerMonth({ jobs: JOBS, seed: 3 })) {
        records += 1;
        yield record;
      }
      // Everything the report still references after reading the last record is live here.
      retainedAtEndMb = liveHeapMb() - before;
    }
    const report = await buildCostReport(source(), { from: '2026-11-01', to: '2026-11-30', groupBy: 'team' });

    expect(records).toBeGreaterThan(2 * JOBS);
    expect(report.jobs).toBe(JOBS);
    expect(report.rows).toHaveLength(4);
    // The records themselves weigh several hundred MB; the accumulators (a per-job cost for the
    // top-jobs list, per team and day sums) stay well below that.
    const allRecordsMb = await (async () => {
      const held = [...generateLedgerMonth({ jobs: 10_000, seed: 3 })];
      const mb = liveHeapMb() - before;
      expect(held.length).toBeGreaterThan(0);
      return mb * 10;
    })();
    expect(retainedAtEndMb).toBeLessThan(allRecordsMb / 4);
    console.info(
      `streaming report: ${records} records, ${retainedAtEndMb.toFixed(1)} MB retained vs ~${allRecordsMb.toFixed(0)} MB to hold them`,
    );
  });
});
