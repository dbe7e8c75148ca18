import type { InterruptionBucket, PurchaseOption } from './offer.js';

/**
 * Spot prices in the catalog are rounded to 4 decimals while on-demand prices have up to 5, so
 * "spot equals on-demand" means equal after that rounding.
 */
const SAME_PRICE_TOLERANCE = 1e-4;

export interface PricedFact {
  readonly price: number;
  readonly source: string;
  readonly asOf: string;
}

/** Two or more different prices for one offer key; the latest `asOf` wins. */
export interface DuplicateNote {
  readonly key: string;
  readonly kept: PricedFact;
  readonly dropped: readonly PricedFact[];
}

/** A price for an offer key, with the row (`file:line`) it came from. */
export interface Candidate extends PricedFact {
  readonly at: string;
}

/** One Spot Advisor row: interruption bucket, savings and the spot price they imply. */
export interface AdvisorEntry {
  readonly bucket: InterruptionBucket | null;
  readonly savingsPct: number;
  readonly impliedSpot: number | null;
  readonly source: string;
  readonly asOf: string;
  readonly at: string;
}

export const offerId = (
  instanceType: string,
  region: string,
  az: string | null,
  option: PurchaseOption,
): string => `${instanceType}|${region}|${az ?? '*'}|${option}`;

/** Appends `value` to the list under `key`. */
export const push = <V>(map: Map<string, V[]>, key: string, value: V): void => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};

/** A per-AZ spot price equal to the on-demand price: no spot market there, so no spot offer. */
export const isNoSpotMarket = (spot: number, onDemand: number): boolean =>
  Math.abs(spot - onDemand) < SAME_PRICE_TOLERANCE;

/**
 * The spot price an advisor entry implies: its stated implied price, else its on-demand price less
 * the savings, rounded to 4 decimals; `null` when it states neither.
 */
export const impliedSpotPrice = (
  implied: number | null,
  onDemand: number | null,
  savingsPct: number,
): number | null =>
  implied !== null
    ? implied
    : onDemand !== null
      ? Math.round(onDemand * (1 - savingsPct / 100) * 1e4) / 1e4
      : null;

/**
 * Keeps one fact per key: the latest `asOf`; on a tie, the lower price then the source name, so the
 * choice never depends on row order. Identical facts repeated (the catalog repeats a region's
 * on-demand price on every AZ row) are one fact, not a duplicate.
 */
export const resolveCandidates = (
  candidates: ReadonlyMap<string, readonly Candidate[]>,
  duplicates: DuplicateNote[],
): Map<string, Candidate> => {
  const chosen = new Map<string, Candidate>();
  for (const [key, list] of candidates) {
    const sorted = [...list].sort(
      (a, b) =>
        b.asOf.localeCompare(a.asOf) ||
        a.price - b.price ||
        a.source.localeCompare(b.source) ||
        a.at.localeCompare(b.at),
    );
    const kept = sorted[0];
    if (kept === undefined) continue;
    chosen.set(key, kept);
    const distinct = new Map<string, PricedFact>();
    for (const fact of sorted.slice(1)) {
      const same = fact.price === kept.price && fact.source === kept.source && fact.asOf === kept.asOf;
      if (!same) distinct.set(`${fact.price}|${fact.source}|${fact.asOf}`, fact);
    }
    if (distinct.size > 0) {
      duplicates.push({
        key,
        kept: { price: kept.price, source: kept.source, asOf: kept.asOf },
        dropped: [...distinct.values()].map(({ price, source, asOf }) => ({ price, source, asOf })),
      });
    }
  }
  return chosen;
};

/**
 * Keeps the latest advisor entry per type × region (on a tie, the earlier row). Entries dropped with
 * a different savings or bucket are noted as duplicates when the kept one implies a price.
 */
export const resolveAdvisorEntries = (
  candidates: ReadonlyMap<string, readonly AdvisorEntry[]>,
  duplicates: DuplicateNote[],
): Map<string, AdvisorEntry> => {
  const advisor = new Map<string, AdvisorEntry>();
  for (const [key, list] of candidates) {
    const sorted = [...list].sort((a, b) => b.asOf.localeCompare(a.asOf) || a.at.localeCompare(b.at));
    const kept = sorted[0];
    if (kept === undefined) continue;
    advisor.set(key, kept);
    const dropped = sorted
      .slice(1)
      .filter((e) => e.savingsPct !== kept.savingsPct || e.bucket !== kept.bucket);
    if (dropped.length > 0 && kept.impliedSpot !== null) {
      duplicates.push({
        key: `${key} (advisor)`,
        kept: { price: kept.impliedSpot, source: kept.source, asOf: kept.asOf },
        dropped: dropped.map((e) => ({ price: e.impliedSpot ?? 0, source: e.source, asOf: e.asOf })),
      });
    }
  }
  return advisor;
};

/** What an advisor entry gives: an implied spot offer, or why it gives none. */
export type AdvisorOutcome = 'implied-offer' | 'observed-spot-preferred' | 'no-discount' | 'no-price';

/**
 * Observed per-AZ spot data (including "no spot market" observations) beats an advisor entry;
 * savings ≤ 0 give no offer (spot never costs more than on-demand); nor does an implied price that is
 * missing, not finite or ≤ 0.
 */
export const advisorOutcome = (entry: AdvisorEntry, spotObserved: boolean): AdvisorOutcome => {
  if (spotObserved) return 'observed-spot-preferred';
  if (entry.savingsPct <= 0) return 'no-discount';
  if (entry.impliedSpot === null || !Number.isFinite(entry.impliedSpot) || entry.impliedSpot <= 0) {
    return 'no-price';
  }
  return 'implied-offer';
};
