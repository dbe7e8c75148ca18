import { createHash } from 'node:crypto';
import type {
  InstanceTypeSpec,
  OnDemandPriceObservation,
  SpotPlacementScore,
  SpotPriceObservation,
} from '../cloud-ports.js';
import type { InterruptionBucket, Offer, PriceBook, QuotaLimit } from './offer.js';
import { buildPriceBookWithReport, type PriceBookBuildReport } from './price-book.js';
import { type CatalogRow, type OnDemandRow, PriceBookInputError, type SpecRow } from './price-book-parse.js';

/** What one refresh read from the Market. */
export interface FetchedMarketData {
  readonly onDemand: readonly OnDemandPriceObservation[];
  readonly spot: readonly SpotPriceObservation[];
  /** Accelerated instance types; the same type from several regions is one spec. */
  readonly specs: readonly InstanceTypeSpec[];
  /** Per-zone spot placement scores of sets of types, where the account could read them. */
  readonly placementScores?: readonly SpotPlacementScore[];
}

export interface RefreshInput {
  /** The latest stored book; `undefined` when none was ever stored. */
  readonly previous: PriceBook | undefined;
  /** The bundled static book: the baseline and the answer when nothing is stored. */
  readonly fallback: PriceBook;
  readonly fetched: FetchedMarketData;
  /** The regions this refresh covers; each must come back with on-demand and spot prices. */
  readonly regions: readonly string[];
  /** When the data was read (ISO instant): the live book's `asOf`. */
  readonly asOf: string;
  /**
   * Least share (0–1] of the baseline's offer keys (type × region × purchase option, in the
   * refreshed regions) the new book must have. @default 0.8
   */
  readonly minCoverage?: number;
  /**
   * A spot-only refresh: the on-demand offers of the refreshed regions are this book's, as they
   * are (same price, source and date), and `fetched.onDemand` is not read. The Price List API is
   * slow and on-demand prices change rarely, so the frequent refresh reads spot prices only.
   */
  readonly onDemandFrom?: PriceBook;
  /** The account's vCPU quotas read with this refresh, stored with the new book. */
  readonly quotas?: readonly QuotaLimit[];
}

/** The acceptance rule a refresh failed. */
export type RefreshRule =
  | 'empty-fetch'
  | 'region-missing'
  | 'build-failed'
  | 'coverage'
  | 'stale'
  | 'unchanged';

export type RefreshResult =
  | {
      readonly outcome: 'updated';
      readonly book: PriceBook;
      /** What the build left out, and why (as for the static book). */
      readonly report: PriceBookBuildReport;
      /** Spot observations at the on-demand price: no spot market there, no spot offer. */
      readonly noSpotMarket: number;
    }
  | {
      readonly outcome: 'kept';
      /** The book to keep using: the previous one, or the static fallback when none is stored. */
      readonly book: PriceBook;
      readonly rule: RefreshRule;
      readonly reason: string;
    };

export const DEFAULT_MIN_COVERAGE = 0.8;
export const LIVE_ON_DEMAND_SOURCE = 'aws-pricing-api:GetProducts (Linux, Shared, Used, no software)';
export const LIVE_SPOT_SOURCE = 'aws-ec2:DescribeSpotPriceHistory (Linux/UNIX, latest per AZ)';
/** Spot within this of on-demand is the same price: the rule the static build uses too. */
const SAME_PRICE_TOLERANCE = 1e-4;

const coverageKey = (o: Pick<Offer, 'instanceType' | 'region' | 'purchaseOption'>): string =>
  `${o.instanceType}|${o.region}|${o.purchaseOption}`;

const specRows = (specs: readonly InstanceTypeSpec[]): SpecRow[] => {
  const byType = new Map<string, InstanceTypeSpec>();
  for (const spec of specs) if (!byType.has(spec.instanceType)) byType.set(spec.instanceType, spec);
  return [...byType.values()].map((s) => ({
    instance_type: s.instanceType,
    accelerator_kind: s.acceleratorKind,
    accelerator_name: s.acceleratorName,
    accelerator_count: String(s.acceleratorCount),
    accel_memory_per_device_gib: s.acceleratorMemoryGiB === null ? '' : String(s.acceleratorMemoryGiB),
    vcpus: String(s.vcpus),
    memory_gib: String(s.memoryGiB),
    efa_interfaces: String(s.efaInterfaces),
    at: `DescribeInstanceTypes ${s.instanceType}`,
  }));
};

/**
 * Interruption buckets come from the Spot Instance Advisor, which has no API; they change slowly,
 * so a live book keeps the baseline's bucket for the same type and region.
 */
const bucketsOf = (book: PriceBook): Map<string, InterruptionBucket> => {
  const buckets = new Map<string, InterruptionBucket>();
  for (const o of book.offers) {
    if (o.purchaseOption === 'spot' && o.interruptionBucket !== null) {
      buckets.set(`${o.instanceType}|${o.region}`, o.interruptionBucket);
    }
  }
  return buckets;
};

const poolKey = (o: { instanceType: string; region: string; availabilityZone: string | null }): string =>
  `${o.instanceType}|${o.region}|${o.availabilityZone}`;

/**
 * Each scored zone's score for every type of the set it was scored for. A type scored in two sets
 * (it should not be: the refresh scores each quota family once) keeps the lower score.
 */
const scoresByPool = (scores: readonly SpotPlacementScore[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const s of scores)
    for (const instanceType of s.instanceTypes) {
      const key = poolKey({ instanceType, region: s.region, availabilityZone: s.availabilityZone });
      out.set(key, Math.min(out.get(key) ?? s.score, s.score));
    }
  return out;
};

/**
 * Turns a Market read into a new live price book, or says why the last good book stays.
 *
 * The live book goes through the same `buildPriceBook` path as the bundled static book (same
 * spec normalisation, same "no price, no offer" rule), with `source: 'live'` and an id that is a
 * hash of its offers, so the same prices give the same id. A refresh is refused, keeping the
 * previous book (or the static one when none is stored), when:
 *
 * - `empty-fetch`: on-demand prices, spot prices or specs came back empty;
 * - `region-missing`: a refreshed region has no on-demand or no spot offer;
 * - `build-failed`: the rows do not make a book (malformed, or no offer at all);
 * - `coverage`: the new book holds fewer than `minCoverage` of the baseline's offer keys in the
 *   refreshed regions (baseline: the previous book, else the static one);
 * - `stale`: `asOf` is not later than the previous book's (an out-of-order run);
 * - `unchanged`: the new book is the previous book (same id): nothing to store.
 *
 * @throws RangeError for a `minCoverage` outside (0, 1]; TypeError for an `asOf` that is not an instant
 */
export const refreshPriceBook = (input: RefreshInput): RefreshResult => {
  const minCoverage = input.minCoverage ?? DEFAULT_MIN_COVERAGE;
  if (!(minCoverage > 0 && minCoverage <= 1)) {
    throw new RangeError(`refreshPriceBook: minCoverage must be in (0, 1], got ${minCoverage}`);
  }
  const asOfMs = Date.parse(input.asOf);
  if (Number.isNaN(asOfMs) || !/^\d{4}-\d{2}-\d{2}T/.test(input.asOf)) {
    throw new TypeError(`refreshPriceBook: asOf ${JSON.stringify(input.asOf)} is not an ISO instant`);
  }
  const current = input.previous ?? input.fallback;
  const keep = (rule: RefreshRule, reason: string): RefreshResult => ({
    outcome: 'kept',
    book: current,
    rule,
    reason,
  });
  const { spot, specs } = input.fetched;
  const regions = new Set(input.regions);
  const onDemand =
    input.onDemandFrom === undefined
      ? input.fetched.onDemand
      : input.onDemandFrom.offers.filter((o) => o.purchaseOption === 'on-demand' && regions.has(o.region));

  if (input.previous !== undefined && !(asOfMs > Date.parse(input.previous.asOf))) {
    return keep(
      'stale',
      `data read at ${input.asOf} is not newer than book ${input.previous.id} (${input.previous.asOf})`,
    );
  }
  const empty = [
    ...(onDemand.length === 0 ? ['on-demand prices'] : []),
    ...(spot.length === 0 ? ['spot prices'] : []),
    ...(specs.length === 0 ? ['instance type specs'] : []),
  ];
  if (empty.length > 0) return keep('empty-fetch', `the refresh read no ${empty.join(', no ')}`);

  const date = input.asOf.slice(0, 10);
  const onDemandPrice = new Map(onDemand.map((p) => [`${p.instanceType}|${p.region}`, p.priceUsdPerHour]));
  const from = input.onDemandFrom;
  const onDemandRows: OnDemandRow[] =
    from === undefined
      ? input.fetched.onDemand.map((p) => ({
          instance_type: p.instanceType,
          region: p.region,
          on_demand_usd_per_hour: String(p.priceUsdPerHour),
          source: LIVE_ON_DEMAND_SOURCE,
          as_of: date,
          at: `GetProducts ${p.region} ${p.instanceType}`,
        }))
      : from.offers
          .filter((o) => o.purchaseOption === 'on-demand' && regions.has(o.region))
          .map((o) => ({
            instance_type: o.instanceType,
            region: o.region,
            on_demand_usd_per_hour: String(o.priceUsdPerHour),
            source: o.source,
            as_of: o.asOf,
            at: `book ${from.id} ${o.region} ${o.instanceType}`,
          }));
  let noSpotMarket = 0;
  const catalogRows: CatalogRow[] = [];
  for (const p of spot) {
    const od = onDemandPrice.get(`${p.instanceType}|${p.region}`);
    // Spot at the on-demand price means no spot market in that AZ (the static build's rule);
    // the on-demand cell stays empty so the on-demand offer keeps its own source.
    if (od !== undefined && Math.abs(p.priceUsdPerHour - od) < SAME_PRICE_TOLERANCE) {
      noSpotMarket += 1;
      continue;
    }
    catalogRows.push({
      instance_type: p.instanceType,
      region: p.region,
      zone: p.availabilityZone,
      on_demand_usd_per_hour: '',
      spot_usd_per_hour: String(p.priceUsdPerHour),
      source: LIVE_SPOT_SOURCE,
      as_of: date,
      at: `DescribeSpotPriceHistory ${p.availabilityZone} ${p.instanceType}`,
    });
  }

  let built: ReturnType<typeof buildPriceBookWithReport>;
  try {
    built = buildPriceBookWithReport({
      catalog: catalogRows,
      specs: specRows(specs),
      advisor: [],
      onDemand: onDemandRows,
    });
  } catch (err) {
    if (err instanceof PriceBookInputError) return keep('build-failed', err.message);
    throw err;
  }

  const buckets = bucketsOf(current);
  const scores = scoresByPool(input.fetched.placementScores ?? []);
  const offers: Offer[] = built.book.offers.map((o) => {
    if (o.purchaseOption !== 'spot') return o;
    const score = o.availabilityZone === null ? undefined : scores.get(poolKey(o));
    return {
      ...o,
      interruptionBucket: buckets.get(`${o.instanceType}|${o.region}`) ?? null,
      ...(score === undefined ? {} : { placementScore: score }),
    };
  });

  for (const region of input.regions) {
    const inRegion = offers.filter((o) => o.region === region);
    const missing = (['on-demand', 'spot'] as const).filter(
      (opt) => !inRegion.some((o) => o.purchaseOption === opt),
    );
    if (missing.length > 0) {
      return keep('region-missing', `region ${region} came back with no ${missing.join(' and no ')} offers`);
    }
  }

  const refreshed = new Set(input.regions);
  const baseline = new Set(current.offers.filter((o) => refreshed.has(o.region)).map(coverageKey));
  const present = new Set(offers.map(coverageKey));
  const covered = [...baseline].filter((key) => present.has(key)).length;
  if (baseline.size > 0 && covered / baseline.size < minCoverage) {
    const pct = (n: number) => `${Math.round(n * 1000) / 10} %`;
    return keep(
      'coverage',
      `the new book covers ${covered} of ${baseline.size} offer keys of book ${current.id} in ${input.regions.join(', ')} ` +
        `(${pct(covered / baseline.size)}), below the ${pct(minCoverage)} required`,
    );
  }

  // Quotas are part of what a book says, so a changed quota alone makes a new book.
  const quotas = input.quotas;
  const hashed = quotas === undefined || quotas.length === 0 ? offers : { offers, quotas };
  const id = `live-${createHash('sha256').update(JSON.stringify(hashed)).digest('hex').slice(0, 16)}`;
  if (input.previous !== undefined && input.previous.id === id) {
    return keep('unchanged', `prices are those of book ${id}`);
  }
  return {
    outcome: 'updated',
    book: {
      id,
      source: 'live',
      asOf: input.asOf,
      offers,
      ...(quotas === undefined || quotas.length === 0 ? {} : { quotas }),
    },
    report: built.report,
    noSpotMarket,
  };
};
