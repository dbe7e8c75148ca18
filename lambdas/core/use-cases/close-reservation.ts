import { costMicrosOf, microsPerHour, usdOf } from '../accounting/metering.js';
import { NotFoundError } from '../errors.js';
import type { Clock, Ledger, UsageRecord } from '../ports.js';

/** What one interval cost, from its stored unit price (never re-priced). */
export const intervalCostUsd = (startedAt: string, stoppedAt: string, unitPriceUsdPerHour: number): number =>
  usdOf(costMicrosOf(Date.parse(stoppedAt) - Date.parse(startedAt), microsPerHour(unitPriceUsdPerHour)));

export type CloseOutcome =
  | { readonly kind: 'settled' | 'released' | 'already-closed'; readonly actualUsd: number }
  /** Some instance of the allocation still runs; its stop closes the reservation. */
  | { readonly kind: 'deferred'; readonly openIntervals: number }
  | { readonly kind: 'no-reservation' };

/**
 * Closes an allocation's budget reservation once nothing of it runs any more: settled at the sum
 * of its usage intervals (each at its stored unit price), or released when it never ran.
 * Idempotent: a second call finds the reservation closed. Called after every usage stop and when
 * a job finishes, so whichever comes last closes it.
 */
export const closeReservation = async (
  deps: { readonly ledger: Ledger; readonly clock: Clock },
  team: string,
  jobId: string,
  allocationId: string,
  /** The allocation's usage intervals when the caller holds all of them (saves a query). */
  known?: readonly UsageRecord[],
): Promise<CloseOutcome> => {
  const usage: readonly UsageRecord[] = (known ?? (await deps.ledger.listUsageByJob(jobId))).filter(
    (u) => u.allocationId === allocationId,
  );
  const open = usage.filter((u) => u.stoppedAt === null).length;
  if (open > 0) return { kind: 'deferred', openIntervals: open };
  const at = deps.clock.now().toISOString();
  try {
    if (usage.length === 0) {
      const r = await deps.ledger.releaseBudget({ team, allocationId, at });
      return { kind: r.outcome === 'already-closed' ? 'already-closed' : 'released', actualUsd: 0 };
    }
    // Sum in whole micro-dollars so the settled amount equals the sum of the recorded costs exactly.
    const micros = usage.reduce((sum, u) => sum + Math.round((u.costUsd ?? 0) * 1_000_000), 0);
    const r = await deps.ledger.settleBudget({ team, allocationId, actualUsd: usdOf(micros), at });
    return {
      kind: r.outcome === 'already-closed' ? 'already-closed' : 'settled',
      actualUsd: r.reservation.actualUsd ?? usdOf(micros),
    };
  } catch (err) {
    if (err instanceof NotFoundError) return { kind: 'no-reservation' };
    throw err;
  }
};
