import {
  type CapacityReservationCommitment,
  type Commitment,
  instanceFamilyOf,
} from '../commitments/commitment.js';
import type { Offer, OfferCommitment, PriceBook } from '../pricing/offer.js';
import type { Allocation } from './plan.js';

/** The commitments a plan may draw on, and what running allocations already draw on each. */
export interface PlanCommitments {
  readonly commitments: readonly Commitment[];
  /** Units (instances, or USD per hour of a Savings Plan) each commitment already covers, by id. */
  readonly drawn: ReadonlyMap<string, number>;
}

/** Offers drawn on commitments, and how many units each commitment has left at the planning instant. */
export interface CommitmentOffers {
  readonly offers: readonly Offer[];
  readonly left: ReadonlyMap<string, number>;
}

const HOUR_MS = 3_600_000;

/**
 * A capacity reservation's rate, when the source gave none: the on-demand price of its type in its
 * region (what AWS bills every reserved instance-hour at). Others pass through.
 */
export const resolveCommitmentRates = (commitments: readonly Commitment[], book: PriceBook): Commitment[] => {
  const onDemand = onDemandOffers(book);
  return commitments.map((c): Commitment => {
    if (c.kind !== 'capacity-reservation' || c.unitPriceUsdPerHour !== null) return c;
    const price = onDemand.get(`${c.instanceType}|${c.region}`)?.priceUsdPerHour ?? null;
    return { ...c, unitPriceUsdPerHour: price } satisfies CapacityReservationCommitment;
  });
};

const onDemandOffers = (book: PriceBook): Map<string, Offer> => {
  const out = new Map<string, Offer>();
  for (const o of book.offers)
    if (o.purchaseOption === 'on-demand' && o.availabilityZone === null && o.commitment === undefined)
      out.set(`${o.instanceType}|${o.region}`, o);
  return out;
};

const isActive = (c: Commitment, nowMs: number): boolean =>
  Date.parse(c.start) <= nowMs && (c.end === null || nowMs < Date.parse(c.end));

/**
 * The offers a plan gains from the account's commitments: for each commitment active at `nowMs`,
 * the on-demand offers it covers, at a marginal price of 0 (the hour is paid for whether a job uses
 * it or not, ADR 0015) and drawing on the commitment's units. A reservation or block names one type
 * (and zone, where it reserves capacity); a Savings Plan covers every on-demand offer of its
 * families (in its region, for an EC2 Instance plan) at the discounted rate. A commitment whose type
 * the price book does not sell yields nothing: its instances cannot be specified. Units left are
 * the commitment's size less what running allocations draw, never below zero.
 */
export const commitmentOffers = (book: PriceBook, plan: PlanCommitments, nowMs: number): CommitmentOffers => {
  const onDemand = onDemandOffers(book);
  const offers: Offer[] = [];
  const left = new Map<string, number>();
  for (const c of plan.commitments) {
    if (!isActive(c, nowMs)) continue;
    const drawn = plan.drawn.get(c.id) ?? 0;
    if (c.kind === 'savings-plan') {
      left.set(c.id, Math.max(0, c.hourlyCommitmentUsd - drawn));
      for (const o of onDemand.values()) {
        const discount = c.discounts[instanceFamilyOf(o.instanceType)];
        if (discount === undefined || (c.region !== null && o.region !== c.region)) continue;
        const rate = o.priceUsdPerHour * (1 - discount);
        offers.push(
          drawnOffer(o, null, { id: c.id, kind: c.kind, unitsPerInstanceHour: rate, rate, until: c.end }),
        );
      }
      continue;
    }
    const base = onDemand.get(`${c.instanceType}|${c.region}`);
    if (base === undefined) continue;
    left.set(c.id, Math.max(0, c.count - drawn));
    const rate =
      c.kind === 'reserved-instance'
        ? c.effectiveHourlyUsd
        : c.kind === 'capacity-reservation'
          ? (c.unitPriceUsdPerHour ?? base.priceUsdPerHour)
          : c.priceUsd === null
            ? 0
            : c.priceUsd / (c.count * ((Date.parse(c.end) - Date.parse(c.start)) / HOUR_MS));
    offers.push(
      drawnOffer(base, c.availabilityZone, {
        id: c.id,
        kind: c.kind,
        unitsPerInstanceHour: 1,
        rate,
        until: c.end,
      }),
    );
  }
  return { offers, left };
};

const drawnOffer = (
  base: Offer,
  zone: string | null,
  d: {
    id: string;
    kind: OfferCommitment['kind'];
    unitsPerInstanceHour: number;
    rate: number;
    until: string | null;
  },
): Offer => ({
  ...base,
  id: `${base.instanceType}|${base.region}|${zone ?? '*'}|on-demand|${d.id}`,
  availabilityZone: zone,
  priceUsdPerHour: 0,
  onDemandPriceUsdPerHour: base.priceUsdPerHour,
  commitment: {
    id: d.id,
    kind: d.kind,
    unitsPerInstanceHour: d.unitsPerInstanceHour,
    effectiveRateUsdPerHour: d.rate,
    listPriceUsdPerHour: base.priceUsdPerHour,
    until: d.until,
  },
});

/** Units each commitment covers for the given running allocations. */
export const drawnByCommitment = (
  allocations: readonly Pick<Allocation, 'commitment'>[],
): Map<string, number> => {
  const out = new Map<string, number>();
  for (const a of allocations)
    if (a.commitment !== undefined)
      out.set(a.commitment.id, (out.get(a.commitment.id) ?? 0) + a.commitment.units);
  return out;
};

/**
 * The price book a plan searches: the stored one, plus the offers drawn on the account's
 * commitments when there are any (the stored book itself is never changed).
 */
export const bookWithCommitments = (
  book: PriceBook,
  plan: PlanCommitments | undefined,
  nowMs: number,
): { book: PriceBook; left: ReadonlyMap<string, number> } => {
  if (plan === undefined || plan.commitments.length === 0) return { book, left: new Map() };
  const resolved = { ...plan, commitments: resolveCommitmentRates(plan.commitments, book) };
  const { offers, left } = commitmentOffers(book, resolved, nowMs);
  return offers.length === 0
    ? { book, left }
    : { book: { ...book, offers: [...book.offers, ...offers] }, left };
};
