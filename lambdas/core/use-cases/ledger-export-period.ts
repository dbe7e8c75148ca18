import {
  budgetLine,
  eventLine,
  jobLine,
  type LedgerRecord,
  type LedgerUsage,
  usageLine,
} from '../ledger/ledger-export.js';
import type { BudgetLedger, JobEvent, JobLedger, Period, UsageLedger, UsageRecord } from '../ports.js';

/**
 * Walks a ledger (any adapter: DynamoDB, in-memory) and yields the export records of some teams
 * for one month: each team's budget, then per job its record, events and usage intervals. What a
 * monthly export to S3 or `qm report` on a live ledger reads.
 */

export type ExportableLedger = Pick<JobLedger, 'listJobsByTeamAndPeriod' | 'listEvents'> &
  Pick<UsageLedger, 'listUsageByJob'> &
  Pick<BudgetLedger, 'getBudget'>;

/** Usage instants are exported to the second (FOCUS and the export format want whole seconds). */
const toSecond = (iso: string): string =>
  new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface AttemptFacts {
  readonly onDemandPriceUsdPerHour: number | null;
  readonly priceBookId: string | undefined;
  interrupted: boolean;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Per allocation: the on-demand price per instance-hour the planner priced it against, the price
 * book, and whether the attempt ended in a spot interruption (an INTERRUPTED event after its
 * ALLOCATED event and before the next one).
 */
export const attemptFacts = (events: readonly JobEvent[]): Map<string, AttemptFacts> => {
  const facts = new Map<string, AttemptFacts>();
  let current: AttemptFacts | undefined;
  for (const event of events) {
    if (event.type === 'ALLOCATED') {
      const allocationId = event.data.allocationId;
      const allocation = event.data.allocation as Record<string, unknown> | undefined;
      const decision = event.data.decision as Record<string, unknown> | undefined;
      const onDemand = num(allocation?.onDemandEquivalentUsd);
      const hours = num(allocation?.expectedHours);
      const nodes = num(allocation?.nodes) ?? 1;
      current = {
        onDemandPriceUsdPerHour:
          onDemand !== undefined && hours !== undefined && hours > 0
            ? Math.round((onDemand / (hours * nodes)) * 1_000_000) / 1_000_000
            : null,
        priceBookId: typeof decision?.priceBookId === 'string' ? decision.priceBookId : undefined,
        interrupted: false,
      };
      if (typeof allocationId === 'string') facts.set(allocationId, current);
    } else if (event.type === 'INTERRUPTED' && current !== undefined) current.interrupted = true;
  }
  return facts;
};

const exportUsage = (
  usage: UsageRecord,
  facts: AttemptFacts | undefined,
  tags: Readonly<Record<string, string>> | undefined,
): LedgerUsage => {
  const base: UsageRecord = {
    ...usage,
    startedAt: toSecond(usage.startedAt),
    stoppedAt: usage.stoppedAt === null ? null : toSecond(usage.stoppedAt),
  };
  return usageLine(base, {
    onDemandPriceUsdPerHour: facts?.onDemandPriceUsdPerHour ?? null,
    interrupted: (facts?.interrupted ?? false) && base.stoppedAt !== null,
    ...(facts?.priceBookId !== undefined ? { priceBookId: facts.priceBookId } : {}),
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
    let cursor: string | undefined;
    do {
      const page = await ledger.listJobsByTeamAndPeriod(team, period, cursor === undefined ? {} : { cursor });
      for (const job of page.items) {
        yield jobLine(job);
        const events = await ledger.listEvents(job.jobId);
        for (const event of events) yield eventLine(event);
        const facts = attemptFacts(events);
        for (const usage of await ledger.listUsageByJob(job.jobId))
          yield exportUsage(usage, facts.get(usage.allocationId), job.request.tags);
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
}
