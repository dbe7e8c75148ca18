import { budgetLine, jobLine, type LedgerRecord, usageLine } from '../ledger-export.js';
import type { JobRecord, Ledger, Page, PageRequest, Period } from '../ports.js';

/** The ledger reads a report needs. */
export type ReportLedger = Pick<Ledger, 'listJobsByTeamAndPeriod' | 'listUsageByTeamAndPeriod' | 'getBudget'>;

/** The month before `period` (`yyyy-mm`). */
export const previousPeriod = (period: Period): Period => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

async function* pages<T>(list: (page: PageRequest) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await list(cursor === undefined ? { limit: 500 } : { limit: 500, cursor });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** On-demand price per instance-hour implied by the allocation, when it has the figures. */
const onDemandPriceOf = (job: JobRecord | undefined): number | null => {
  const a = job?.allocation?.allocation;
  if (a === undefined || a.nodes <= 0 || a.expectedHours <= 0) return null;
  return a.onDemandEquivalentUsd / (a.nodes * a.expectedHours);
};

/**
 * Streams the ledger records (jobs, usage intervals, budgets) of `teams` for the report periods,
 * in the export format the cost report, FOCUS and HTML builders read. Usage is listed by the month
 * it started in, so the month before the first period is read too: an interval that started then
 * and ran into the window is charged for its part inside it (the builders clip to the window).
 *
 * A usage interval counts as interrupted (lost work) when its allocation is not the job's
 * current one: the job was sent back and allocated again, so that interval's work was redone.
 */
export async function* ledgerRecords(
  ledger: ReportLedger,
  teams: readonly string[],
  periods: readonly Period[],
): AsyncGenerator<LedgerRecord> {
  const first = periods[0];
  const usagePeriods = first === undefined ? [] : [previousPeriod(first), ...periods];
  for (const team of teams) {
    const jobs = new Map<string, JobRecord>();
    for (const period of usagePeriods) {
      for await (const job of pages((p) => ledger.listJobsByTeamAndPeriod(team, period, p))) {
        jobs.set(job.jobId, job);
        if (periods.includes(period)) yield jobLine(job);
      }
    }
    for (const period of usagePeriods) {
      for await (const usage of pages((p) => ledger.listUsageByTeamAndPeriod(team, period, p))) {
        const job = jobs.get(usage.jobId);
        const current = job?.allocation?.allocationId;
        yield usageLine(usage, {
          onDemandPriceUsdPerHour: onDemandPriceOf(job),
          interrupted: current !== undefined && current !== usage.allocationId,
        });
      }
    }
    for (const period of periods) {
      const budget = await ledger.getBudget(team, period);
      if (budget !== undefined) yield budgetLine(budget);
    }
  }
}
