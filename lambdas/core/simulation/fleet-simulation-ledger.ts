import { appendEvent, type ChainedEvent, toJsonObject } from '../ledger/event-chain.js';
import type {
  LedgerBudget,
  LedgerEvent,
  LedgerJob,
  LedgerRecord,
  LedgerUsage,
} from '../ledger/ledger-export.js';
import type { Candidate } from '../planning/plan.js';
import type { PriceBook } from '../pricing/offer.js';
import type { FleetPolicyResult, PlacedJob, SimulatedUsage } from './fleet-simulation.js';

/**
 * The ledger a simulated run would have written, in the ledger export format, so `qm report` can
 * preview what finance would see. Per job: a `job` record, its hash-chained events
 * (RECEIVED, then per start ALLOCATED → PROVISIONING → RUNNING, ending in SUCCEEDED, or in
 * INTERRUPTED → REQUEUED), and one `usage` record per node and start with the unit price stored
 * at allocation. Spot reclaims are usage records with `interrupted: true` and INTERRUPTED events
 * with `cause: "spot-reclaim"`; a move the policy chose is an INTERRUPTED event with
 * `cause: "policy"` and usage that is not marked interrupted.
 *
 * Instants are whole UTC seconds, as the export requires, so metered cost can differ from the
 * simulated one by a second's worth per interval.
 */

export interface FleetLedgerContext {
  readonly priceBook: PriceBook;
  /** The placements the run was prepared from (for requests, tags and submission times). */
  readonly placed: readonly PlacedJob[];
  /** Budget lines to include, e.g. from a budgets file. */
  readonly budgets?: readonly LedgerBudget[];
}

/** `YYYY-MM-DDTHH:mm:ssZ`, rounded to the nearest second. */
const secondIso = (ms: number): string =>
  new Date(Math.round(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const candidateFor = (placed: PlacedJob, offerId: string): Candidate | undefined =>
  placed.onDemand?.offerId === offerId ? placed.onDemand : placed.spot.find((c) => c.offerId === offerId);

/**
 * Ledger records of one simulated policy run: budgets first, then each job with its events and usage.
 *
 * @throws {Error} when a usage interval names an offer the placements do not hold (a bug)
 */
export const fleetLedgerRecords = (
  result: FleetPolicyResult,
  context: FleetLedgerContext,
): LedgerRecord[] => {
  const records: LedgerRecord[] = [...(context.budgets ?? [])];
  const placedById = new Map(context.placed.map((p) => [p.job.jobId, p] as const));
  const offers = new Map(context.priceBook.offers.map((o) => [o.id, o] as const));
  const usageByJob = new Map<string, SimulatedUsage[]>();
  for (const u of result.usage) {
    const list = usageByJob.get(u.jobId) ?? [];
    list.push(u);
    usageByJob.set(u.jobId, list);
  }

  for (const outcome of result.jobs) {
    const placed = placedById.get(outcome.jobId);
    if (placed === undefined) continue;
    const request = placed.job;
    const intervals = usageByJob.get(outcome.jobId) ?? [];
    const events: ChainedEvent[] = [];
    const add = (type: string, atMs: number, data: Record<string, unknown>): void => {
      events.push(
        appendEvent(events.at(-1), {
          jobId: request.jobId,
          type,
          at: secondIso(atMs),
          data: toJsonObject(data),
        }),
      );
    };
    add('RECEIVED', outcome.activatedAtMs, { request, simulated: true, policy: result.policy });

    const usageLines: LedgerUsage[] = [];
    let lastAllocation: LedgerJob['allocation'] = null;
    intervals.forEach((u, index) => {
      const attempt = index + 1;
      const allocationId = `sim:${request.jobId}:${attempt}`;
      const candidate = candidateFor(placed, u.offerId);
      if (candidate === undefined) {
        throw new Error(
          `usage of job ${u.jobId} names offer ${u.offerId}, which is not among its candidates`,
        );
      }
      const instanceIds = Array.from(
        { length: u.nodes },
        (_, n) => `sim-${request.jobId}-${attempt}-${n + 1}`,
      );
      add('ALLOCATED', u.startMs, {
        allocationId,
        offerId: u.offerId,
        purchaseOption: u.purchaseOption,
        unitPriceUsdPerHour: u.unitPriceUsdPerHour,
        priceBookId: context.priceBook.id,
      });
      add('PROVISIONING', u.startMs, { allocationId });
      add('RUNNING', u.startMs, { allocationId, instanceIds });
      const finished = outcome.finishedAtMs !== null && index === intervals.length - 1;
      if (finished) add('SUCCEEDED', u.endMs, { allocationId });
      else if (u.interrupted) {
        add('INTERRUPTED', u.endMs, {
          allocationId,
          cause: 'spot-reclaim',
          lastCheckpointAt: u.lastCheckpointMs === null ? null : secondIso(u.lastCheckpointMs),
        });
        add('REQUEUED', u.endMs, { reason: 'spot capacity reclaimed' });
      } else if (u.endMs < result.endedAtMs) {
        add('INTERRUPTED', u.endMs, { allocationId, cause: 'policy', policy: result.policy });
        add('REQUEUED', u.endMs, { reason: `moved by the ${result.policy} policy` });
      }
      const started = secondIso(u.startMs);
      const stopped = secondIso(Math.max(u.endMs, Math.round(u.startMs / 1000) * 1000));
      const listPrice = offers.get(u.offerId)?.onDemandPriceUsdPerHour ?? null;
      for (const instanceId of instanceIds) {
        usageLines.push({
          kind: 'usage',
          instanceId,
          jobId: request.jobId,
          allocationId,
          team: request.team,
          project: request.project,
          region: u.region,
          availabilityZone: u.availabilityZone,
          instanceType: u.instanceType,
          purchaseOption: u.purchaseOption,
          unitPriceUsdPerHour: u.unitPriceUsdPerHour,
          onDemandPriceUsdPerHour: listPrice,
          priceBookId: context.priceBook.id,
          startedAt: started,
          stoppedAt: stopped,
          interrupted: u.interrupted,
          ...(u.interrupted
            ? { lastCheckpointAt: u.lastCheckpointMs === null ? null : secondIso(u.lastCheckpointMs) }
            : {}),
          ...(request.tags !== undefined ? { tags: { ...request.tags } } : {}),
        });
      }
      lastAllocation = {
        allocationId,
        priceBookId: context.priceBook.id,
        priceBookAsOf: context.priceBook.asOf,
        allocatedAt: started,
        instanceType: candidate.instanceType,
        region: candidate.region,
        availabilityZone: candidate.availabilityZone,
        purchaseOption: candidate.purchaseOption,
        nodes: candidate.nodes,
        unitPriceUsdPerHour: candidate.unitPriceUsdPerHour,
        expectedHours: candidate.expectedHours,
        expectedCostUsd: candidate.expectedCostUsd,
        onDemandEquivalentUsd: candidate.onDemandEquivalentUsd,
        reservedUsd: candidate.expectedCostUsd,
      };
    });

    const last = intervals.at(-1);
    const head = events.at(-1);
    const state =
      outcome.finishedAtMs !== null
        ? 'SUCCEEDED'
        : last !== undefined && head?.type === 'RUNNING'
          ? 'RUNNING'
          : 'PENDING';
    const createdAt = secondIso(outcome.activatedAtMs);
    const first = intervals[0];
    const job: LedgerJob = {
      kind: 'job',
      jobId: request.jobId,
      team: request.team,
      project: request.project,
      priority: request.priority,
      state,
      version: events.length,
      createdAt,
      updatedAt: head?.at ?? createdAt,
      period: createdAt.slice(0, 7),
      attempts: intervals.length,
      allocation: state === 'PENDING' ? null : lastAllocation,
      runtime: {
        ...(first !== undefined ? { startedAt: secondIso(first.startMs) } : {}),
        ...(outcome.finishedAtMs !== null ? { finishedAt: secondIso(outcome.finishedAtMs) } : {}),
        ...(outcome.unplacedReason !== null ? { reason: outcome.unplacedReason } : {}),
      },
      eventCount: events.length,
      headHash: head?.hash ?? '',
      ...(request.tags !== undefined ? { tags: { ...request.tags } } : {}),
    };
    records.push(job, ...events.map((e): LedgerEvent => ({ kind: 'event', ...e })), ...usageLines);
  }
  return records;
};
