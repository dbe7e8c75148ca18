import type { ChainHead, ChainInterval } from '../ports.js';

/** The fields of an event that decide a head; job events, budget events and export lines have them. */
export interface HeadEvent {
  readonly jobId: string;
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

/** Whether an instant lies in `(after, until]`; instants compare as times, not as strings. */
export const inInterval = (at: string, interval: ChainInterval): boolean => {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return false;
  if (interval.after !== null && ms <= Date.parse(interval.after)) return false;
  return ms <= Date.parse(interval.until);
};

/**
 * Every chain's head in an interval: of the chain's events with `at` in it, the one with the
 * highest seq. Deterministic from the events alone, so a verifier holding an export computes
 * exactly what the digest writer computed from the ledger, whenever either ran.
 * @example chainHeadsIn(events, { after: null, until: '2026-11-01T01:00:00Z' })
 */
export const chainHeadsIn = (events: Iterable<HeadEvent>, interval: ChainInterval): ChainHead[] => {
  const heads = new Map<string, ChainHead>();
  for (const event of events) {
    if (!inInterval(event.at, interval)) continue;
    const seen = heads.get(event.jobId);
    if (seen !== undefined && seen.eventCount >= event.seq) continue;
    heads.set(event.jobId, {
      chainId: event.jobId,
      eventCount: event.seq,
      headHash: event.hash,
      lastEventAt: event.at,
    });
  }
  return [...heads.values()].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
};
