import { type AttemptFacts, attemptFacts } from '../ledger/chain-facts.js';
import {
  budgetLine,
  eventLine,
  jobLine,
  type LedgerRecord,
  type LedgerUsage,
  toSecondInstant,
  usageLine,
} from '../ledger/ledger-export.js';
import type { BudgetLedger, JobLedger, Period, UsageLedger, UsageRecord } from '../ports.js';

/**
 * Walks a ledger (any adapter: DynamoDB, in-memory) and yields the export records of some teams
 * for one month: each team's budget and its chain's events, then per job its record, events and
 * usage intervals. What a monthly export to S3 or `qm report` on a live ledger reads. Usage
 * instants are exported to the second (FOCUS and the export format want whole seconds).
 */

export type ExportableLedger = Pick<JobLedger, 'listJobsByTeamAndPeriod' | 'listEvents'> &
  Pick<UsageLedger, 'listUsageByJob'> &
  Pick<BudgetLedger, 'getBudget' | 'listBudgetEvents'>;

const exportUsage = (
  usage: UsageRecord,
  facts: AttemptFacts | undefined,
  tags: Readonly<Record<string, string>> | undefined,
): LedgerUsage => {
  const base: UsageRecord = {
    ...usage,
    startedAt: toSecondInstant(usage.startedAt),
    stoppedAt: usage.stoppedAt === null ? null : toSecondInstant(usage.stoppedAt),
  };
  return usageLine(base, {
    onDemandPriceUsdPerHour: facts?.onDemandPriceUsdPerHour ?? null,
    interrupted: (facts?.interrupted ?? false) && base.stoppedAt !== null,
    ...(facts?.priceBookId !== undefined ? { priceBookId: facts.priceBookId } : {}),
    ...(facts?.commitment !== undefined ? { commitment: facts.commitment } : {}),
    ...(tags !== undefined ? { tags } : {}),
  });
};

/**
 * Yields the export of `teams` for `period`, reading one page of jobs at a time.
 * @example await writeLedgerFile('2026-11.jsonl', exportLedgerPeriod(ledger, ['vision', 'nlp'], '2026-11'));
 */
export async function* exportLedgerPeriod(
  ledger: ExportableLedger,
  teams: readonly string[],
  period: Period,
): AsyncGenerator<LedgerRecord> {
  for (const team of teams) {
    const budget = await ledger.getBudget(team, period);
    if (budget !== undefined) yield budgetLine(budget);
    for (const event of await ledger.listBudgetEvents(team, period)) yield eventLine(event);
    let cursor: string | undefined;
    do {
      const page = await ledger.listJobsByTeamAndPeriod(team, period, cursor === undefined ? {} : { cursor });
      for (const job of page.items) {
        yield jobLine(job);
        const events = await ledger.listEvents(job.jobId);
        for (const event of events) yield eventLine(event);
        // The list price, book and interruption of each attempt, as the chain states them.
        const facts = attemptFacts(events);
        for (const usage of await ledger.listUsageByJob(job.jobId))
          yield exportUsage(usage, facts.get(usage.allocationId), job.request.tags);
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
}
