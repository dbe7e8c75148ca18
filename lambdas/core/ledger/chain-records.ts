import { periodOf } from '../ports.js';
import { budgetChainId } from './budget-chain.js';
import {
  ALLOCATED_EVENT_FIELDS,
  type BudgetChainFacts,
  type ChainedInterval,
  foldBudgetEvent,
  foldJobEvent,
  type JobChainFacts,
  newBudgetChainFacts,
  newJobChainFacts,
} from './chain-facts.js';
import {
  type LedgerAllocation,
  type LedgerBudget,
  type LedgerJob,
  type LedgerRecord,
  type LedgerUsage,
  toSecondInstant,
} from './ledger-export.js';

/**
 * The ledger as its chains state it (ADR 0010): job, usage and budget records rebuilt from the
 * chained facts alone, in the export's shapes, so a report built from them (`qm report
 * --from-chain`) owes nothing to the records that sit beside the chains. What a chain does not
 * state stays out: an interval of a job whose chain predates usage chaining has no chained record.
 */

/** The usage line a chained interval stands for, as the ledger export would write it. */
export const chainedUsage = (f: JobChainFacts, interval: ChainedInterval): LedgerUsage | undefined => {
  const r = f.received;
  if (r === null) return undefined;
  const { start, stop } = interval;
  const attempt = f.attemptFacts.get(start.allocationId);
  const book = start.priceBookId ?? attempt?.priceBookId;
  const listPrice =
    start.onDemandPriceUsdPerHour !== undefined
      ? start.onDemandPriceUsdPerHour
      : (attempt?.onDemandPriceUsdPerHour ?? null);
  const stoppedAt = stop === null ? null : toSecondInstant(stop.stoppedAt);
  const checkpoint = stop?.lastCheckpointAt;
  return {
    kind: 'usage',
    instanceId: start.instanceId,
    jobId: f.jobId,
    allocationId: start.allocationId,
    team: r.team,
    project: r.project,
    region: start.region,
    availabilityZone: start.availabilityZone,
    instanceType: start.instanceType,
    purchaseOption: start.purchaseOption,
    unitPriceUsdPerHour: start.unitPriceUsdPerHour,
    onDemandPriceUsdPerHour: listPrice,
    ...(book === undefined ? {} : { priceBookId: book }),
    ...(attempt?.commitment === undefined ? {} : { commitment: attempt.commitment }),
    startedAt: toSecondInstant(start.startedAt),
    stoppedAt,
    // Stated at the stop, or (as the export derives it) the attempt's INTERRUPTED event.
    interrupted: stop?.interrupted ?? ((attempt?.interrupted ?? false) && stoppedAt !== null),
    ...(checkpoint === undefined ? {} : { lastCheckpointAt: checkpoint }),
  };
};

/** What a job line's allocation needs from the chain: the event's fields, its book and reservation. */
const ALLOCATION_FIELDS = ['priceBookId', ...ALLOCATED_EVENT_FIELDS, 'reservedUsd'] as const;

/**
 * The job line a chain stands for; its allocation only when the ALLOCATED event states all of
 * it (a simulation's own event shape does not), else `null`.
 */
export const chainedJob = (f: JobChainFacts): LedgerJob | undefined => {
  const r = f.received;
  if (r === null) return undefined;
  const held = f.allocation;
  const complete = held !== null && ALLOCATION_FIELDS.every((k) => held.fields[k] !== undefined);
  const allocation =
    held === null || !complete
      ? null
      : ({
          allocationId: held.allocationId,
          allocatedAt: held.allocatedAt,
          ...held.fields,
        } as unknown as LedgerAllocation);
  return {
    kind: 'job',
    jobId: f.jobId,
    team: r.team,
    project: r.project,
    priority: r.priority,
    state: f.state ?? 'PENDING',
    version: f.events,
    createdAt: r.at,
    updatedAt: f.lastAt ?? r.at,
    period: periodOf(r.at),
    attempts: f.attempts,
    allocation,
    runtime: f.runtime ?? {},
    eventCount: f.events,
    headHash: f.lastHash,
    ...(r.tags === undefined ? {} : { tags: { ...r.tags } }),
  };
};

/** The budget line a budget chain stands for: the balances after its last change. */
export const chainedBudget = (b: BudgetChainFacts): LedgerBudget | undefined =>
  b.after === null
    ? undefined
    : {
        kind: 'budget',
        team: b.team,
        period: b.period,
        limitUsd: b.after.limitUsd,
        reservedUsd: b.after.reservedUsd,
        spentUsd: b.after.spentUsd,
        eventCount: b.events,
        headHash: b.lastHash,
      };

/** Records of the source the chains could not speak for, by kind. */
export interface UnchainedRecords {
  usage: number;
  budget: number;
  job: number;
}

/**
 * Reads every record, folds the chains, then yields the records they state: budgets, then per
 * job its record and its usage intervals. Holds the chained facts of the whole export. Counts in
 * `unchained` the source's usage, budget and job records no chain stands for.
 * @example await buildCostReport(recordsFromChains(parseLedgerLines(lines)), options)
 */
export async function* recordsFromChains(
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  unchained: UnchainedRecords = { usage: 0, budget: 0, job: 0 },
): AsyncGenerator<LedgerRecord> {
  const jobs = new Map<string, JobChainFacts>();
  const budgets = new Map<string, BudgetChainFacts>();
  const usageIds: { jobId: string; instanceId: string }[] = [];
  const budgetIds: string[] = [];
  const jobIds: string[] = [];
  for await (const record of records) {
    if (record.kind === 'event') {
      const budget = budgets.get(record.jobId) ?? newBudgetChainFacts(record.jobId);
      if (budget !== undefined) {
        budgets.set(record.jobId, budget);
        foldBudgetEvent(budget, record);
        continue;
      }
      let f = jobs.get(record.jobId);
      if (f === undefined) {
        f = newJobChainFacts(record.jobId);
        jobs.set(record.jobId, f);
      }
      foldJobEvent(f, record);
    } else if (record.kind === 'usage') usageIds.push({ jobId: record.jobId, instanceId: record.instanceId });
    else if (record.kind === 'budget') budgetIds.push(budgetChainId(record.team, record.period));
    else jobIds.push(record.jobId);
  }
  for (const { jobId, instanceId } of usageIds)
    if (jobs.get(jobId)?.intervals.has(instanceId) !== true) unchained.usage += 1;
  for (const id of budgetIds) if (budgets.get(id)?.after == null) unchained.budget += 1;
  for (const id of jobIds) if (jobs.get(id)?.received == null) unchained.job += 1;

  for (const b of budgets.values()) {
    const line = chainedBudget(b);
    if (line !== undefined) yield line;
  }
  for (const f of jobs.values()) {
    const job = chainedJob(f);
    if (job === undefined) continue;
    yield job;
    for (const interval of f.intervals.values()) {
      const usage = chainedUsage(f, interval);
      if (usage !== undefined) yield usage;
    }
  }
}
