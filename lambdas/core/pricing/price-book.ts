import { createHash } from 'node:crypto';
import { QuartermasterError } from '../errors.js';
import { type AcceleratorKind, type GpuModel, isGpuModel } from '../jobs/gpu-model.js';
import { normaliseGpuModel } from './gpu-normalise.js';
import type { InterruptionBucket, Offer, PriceBook, PurchaseOption, QuotaFamily } from './offer.js';
import { quotaFamilyOf } from './quota-family.js';

/** Columns of `aws_gpu_catalog.csv`: one type × region (× AZ when a spot price is known). */
export const CATALOG_COLUMNS = [
  'instance_type',
  'region',
  'zone',
  'on_demand_usd_per_hour',
  'spot_usd_per_hour',
  'source',
  'as_of',
] as const;

/** Columns of `aws_gpu_instance_specs.csv`: one row per instance type. */
export const SPEC_COLUMNS = [
  'instance_type',
  'accelerator_kind',
  'accelerator_name',
  'accelerator_count',
  'accel_memory_per_device_gib',
  'vcpus',
  'memory_gib',
  'efa_interfaces',
] as const;

/** Columns of `aws_spot_advisor_gpu.csv`: interruption bucket and savings per region × type. */
export const ADVISOR_COLUMNS = [
  'region',
  'instance_type',
  'interruption_r',
  'savings_pct_s',
  'on_demand_usd_per_hour',
  'implied_spot_usd_per_hour',
  'source',
  'as_of',
] as const;

/** Columns of a dated on-demand table such as `aws_gpu_ondemand_us_east_1_karpenter_<date>.csv`. */
export const ON_DEMAND_COLUMNS = [
  'instance_type',
  'region',
  'on_demand_usd_per_hour',
  'source',
  'as_of',
] as const;

/** `at` says where a row came from (`file:line`), so a bad value is reported where it lives. */
type Row<Columns extends readonly string[]> = Readonly<Record<Columns[number], string>> & {
  readonly at?: string;
};

export type CatalogRow = Row<typeof CATALOG_COLUMNS>;
export type SpecRow = Row<typeof SPEC_COLUMNS>;
export type AdvisorRow = Row<typeof ADVISOR_COLUMNS>;
export type OnDemandRow = Row<typeof ON_DEMAND_COLUMNS>;

/** Parsed source rows, as strings exactly as the files hold them. */
export interface PriceBookInput {
  readonly catalog: readonly CatalogRow[];
  readonly specs: readonly SpecRow[];
  readonly advisor: readonly AdvisorRow[];
  readonly onDemand: readonly OnDemandRow[];
}

/** A price book built from dated files: `asOf` is the newest price, `oldestPriceAsOf` the oldest. */
export interface StaticPriceBook extends PriceBook {
  readonly source: 'static';
  readonly oldestPriceAsOf: string;
}

/** Two or more different prices for one offer key; the latest `asOf` wins. */
export interface DuplicateNote {
  readonly key: string;
  readonly kept: PricedFact;
  readonly dropped: readonly PricedFact[];
}

export interface PricedFact {
  readonly price: number;
  readonly source: string;
  readonly asOf: string;
}

/** What the build left out, and why. Nothing is dropped without a line here. */
export interface PriceBookBuildReport {
  /** Catalog rows whose "region" is a Local or Wavelength Zone, not a region code. */
  readonly nonRegionRowsDropped: number;
  readonly nonRegionNames: readonly string[];
  /** Per-AZ rows whose spot price equals the on-demand price: no spot market, no spot offer. */
  readonly noSpotMarketRows: number;
  /** Rows with no usable price at all (empty, ≤ 0 or not a number). */
  readonly rowsWithoutPrice: number;
  /** Price cells that were present but ≤ 0 or not a finite number. */
  readonly invalidPriceCells: number;
  /** Spot prices on rows without an AZ: the catalog's spot prices are per AZ, so these are not used. */
  readonly spotWithoutZoneIgnored: number;
  /** Advisor entries with savings ≤ 0: spot never costs more than on-demand, so no implied offer. */
  readonly advisorNoDiscountSkipped: number;
  /** Advisor entries not used for an implied price because observed per-AZ spot data exists. */
  readonly advisorObservedSpotPreferred: number;
  /** Instance types skipped because their accelerator did not map to a known model. */
  readonly unknownAccelerators: readonly { readonly instanceType: string; readonly name: string }[];
  /** Instance types with prices but no spec row: skipped. */
  readonly typesWithoutSpec: readonly string[];
  readonly duplicates: readonly DuplicateNote[];
}

export interface PriceBookBuild {
  readonly book: StaticPriceBook;
  readonly report: PriceBookBuildReport;
}

/** Standard region codes; Local Zones (`us-east-1-atl-1`) and Wavelength Zones are not regions. */
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/**
 * Spot prices in the catalog are rounded to 4 decimals while on-demand prices have up to 5, so
 * "spot equals on-demand" means equal after that rounding.
 */
const SAME_PRICE_TOLERANCE = 1e-4;

/** Bad input rows: the message names the file position and the column. */
export class PriceBookInputError extends QuartermasterError {
  override readonly name = 'PriceBookInputError';
}

const where = (row: { readonly at?: string }): string => row.at ?? 'input row';

/**
 * The date a price holds for. A range (`2026-03-24/2026-07-20`: collected between two dates) gives
 * its first date; `<=2025-06-28` (no later than) gives that date.
 */
export const parseAsOf = (raw: string, at = 'input'): string => {
  const first = raw.trim().replace(/^<=/, '').split('/')[0]?.trim() ?? '';
  if (!ISO_DATE.test(first) || Number.isNaN(Date.parse(first))) {
    throw new PriceBookInputError(`${at}: as_of "${raw}" is not an ISO date (YYYY-MM-DD)`);
  }
  return first;
};

type PriceCell =
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'price'; readonly value: number };

const priceCell = (raw: string): PriceCell => {
  const text = raw.trim();
  if (text === '') return { kind: 'empty' };
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? { kind: 'price', value } : { kind: 'invalid' };
};

const requiredNumber = (raw: string, column: string, row: { readonly at?: string }): number => {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new PriceBookInputError(`${where(row)}: ${column} "${raw}" is not a non-negative number`);
  }
  return value;
};

const optionalNumber = (raw: string, column: string, row: { readonly at?: string }): number | null =>
  raw.trim() === '' ? null : requiredNumber(raw, column, row);

const ACCELERATOR_KINDS: Readonly<Record<string, AcceleratorKind>> = {
  gpu: 'gpu',
  neuron: 'neuron',
  'other-accelerator': 'other',
  other: 'other',
};

interface TypeSpec {
  readonly acceleratorKind: AcceleratorKind;
  readonly gpuModel: GpuModel;
  readonly gpuCount: number;
  readonly gpuMemoryGiB: number | null;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly efa: boolean;
  readonly quotaFamily: QuotaFamily;
}

interface Candidate extends PricedFact {
  readonly at: string;
}

const offerId = (instanceType: string, region: string, az: string | null, option: PurchaseOption): string =>
  `${instanceType}|${region}|${az ?? '*'}|${option}`;

/**
 * Keeps one fact per key: the latest `asOf`; on a tie, the lower price then the source name, so the
 * choice never depends on row order. Identical facts repeated (the catalog repeats a region's
 * on-demand price on every AZ row) are one fact, not a duplicate.
 */
const resolve = (
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

const push = <V>(map: Map<string, V[]>, key: string, value: V): void => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};

const parseSpecs = (
  rows: readonly SpecRow[],
  unknown: { instanceType: string; name: string }[],
): Map<string, TypeSpec> => {
  const specs = new Map<string, TypeSpec>();
  const seen = new Set<string>();
  for (const row of rows) {
    const instanceType = row.instance_type.trim();
    if (seen.has(instanceType)) {
      throw new PriceBookInputError(
        `${where(row)}: instance type "${instanceType}" has more than one spec row`,
      );
    }
    seen.add(instanceType);
    const gpuMemoryGiB = optionalNumber(row.accel_memory_per_device_gib, 'accel_memory_per_device_gib', row);
    const gpuModel = normaliseGpuModel(row.accelerator_name, gpuMemoryGiB);
    const acceleratorKind = ACCELERATOR_KINDS[row.accelerator_kind.trim()];
    if (gpuModel === undefined || acceleratorKind === undefined) {
      unknown.push({ instanceType, name: `${row.accelerator_kind}/${row.accelerator_name}` });
      continue;
    }
    const gpuCount = requiredNumber(row.accelerator_count, 'accelerator_count', row);
    if (gpuCount <= 0) {
      throw new PriceBookInputError(`${where(row)}: accelerator_count must be > 0 for "${instanceType}"`);
    }
    specs.set(instanceType, {
      acceleratorKind,
      gpuModel,
      gpuCount,
      gpuMemoryGiB,
      vcpus: requiredNumber(row.vcpus, 'vcpus', row),
      memoryGiB: requiredNumber(row.memory_gib, 'memory_gib', row),
      efa: (optionalNumber(row.efa_interfaces, 'efa_interfaces', row) ?? 0) > 0,
      quotaFamily: quotaFamilyOf(instanceType),
    });
  }
  return specs;
};

const parseBucket = (row: AdvisorRow): InterruptionBucket | null => {
  const text = row.interruption_r.trim();
  if (text === '') return null;
  const value = Number(text);
  if (value === 0 || value === 1 || value === 2 || value === 3 || value === 4) return value;
  throw new PriceBookInputError(`${where(row)}: interruption_r "${row.interruption_r}" is not 0..4`);
};

interface AdvisorEntry {
  readonly bucket: InterruptionBucket | null;
  readonly savingsPct: number;
  readonly impliedSpot: number | null;
  readonly source: string;
  readonly asOf: string;
  readonly at: string;
}

/**
 * Builds the bundled price book from parsed source rows: one offer per instance type × region ×
 * AZ × purchase option that has a known price > 0.
 *
 * - A catalog row with a `zone` and a spot price gives an observed per-AZ spot offer, unless the spot
 *   price equals the on-demand price (no spot market there).
 * - The on-demand price of a type × region (catalog or dated on-demand table, latest `asOf` wins)
 *   gives a region-level on-demand offer.
 * - Where no per-AZ spot data exists for a type × region, a Spot Advisor entry gives a region-level
 *   spot offer at the advisor's implied price (`spotPriceImplied: true`), if its savings are > 0.
 * - Rows outside a standard region, or for types whose accelerator is unknown, are reported and skipped.
 *
 * The book id is `static-` plus a short SHA-256 of the offers, so the same inputs give the same id.
 *
 * @throws PriceBookInputError on malformed rows (bad dates, bad spec numbers) or when no offer results.
 */
export const buildPriceBookWithReport = (input: PriceBookInput): PriceBookBuild => {
  const unknownAccelerators: { instanceType: string; name: string }[] = [];
  const specs = parseSpecs(input.specs, unknownAccelerators);
  const unknownTypes = new Set(unknownAccelerators.map((u) => u.instanceType));
  const typesWithoutSpec = new Set<string>();
  const nonRegionNames = new Set<string>();
  const duplicates: DuplicateNote[] = [];
  let nonRegionRowsDropped = 0;
  let noSpotMarketRows = 0;
  let rowsWithoutPrice = 0;
  let invalidPriceCells = 0;
  let spotWithoutZoneIgnored = 0;

  const knownType = (instanceType: string): boolean => {
    if (specs.has(instanceType)) return true;
    if (!unknownTypes.has(instanceType)) typesWithoutSpec.add(instanceType);
    return false;
  };

  const onDemandCandidates = new Map<string, Candidate[]>();
  const spotCandidates = new Map<string, Candidate[]>();
  /** type|region pairs with observed per-AZ spot data, including "no spot market" observations. */
  const observedSpot = new Set<string>();

  for (const row of input.catalog) {
    const instanceType = row.instance_type.trim();
    const region = row.region.trim();
    const zone = row.zone.trim();
    if (!REGION.test(region)) {
      nonRegionRowsDropped += 1;
      nonRegionNames.add(region);
      continue;
    }
    const asOf = parseAsOf(row.as_of, where(row));
    const onDemand = priceCell(row.on_demand_usd_per_hour);
    const spot = priceCell(row.spot_usd_per_hour);
    invalidPriceCells += (onDemand.kind === 'invalid' ? 1 : 0) + (spot.kind === 'invalid' ? 1 : 0);
    if (onDemand.kind !== 'price' && spot.kind !== 'price') {
      rowsWithoutPrice += 1;
      continue;
    }
    if (!knownType(instanceType)) continue;
    const fact = { source: row.source.trim(), asOf, at: where(row) };
    if (onDemand.kind === 'price') {
      push(onDemandCandidates, offerId(instanceType, region, null, 'on-demand'), {
        ...fact,
        price: onDemand.value,
      });
    }
    if (spot.kind === 'price' && zone === '') spotWithoutZoneIgnored += 1;
    if (spot.kind === 'price' && zone !== '') {
      observedSpot.add(`${instanceType}|${region}`);
      if (onDemand.kind === 'price' && Math.abs(spot.value - onDemand.value) < SAME_PRICE_TOLERANCE) {
        noSpotMarketRows += 1;
        continue;
      }
      push(spotCandidates, offerId(instanceType, region, zone, 'spot'), { ...fact, price: spot.value });
    }
  }

  for (const row of input.onDemand) {
    const instanceType = row.instance_type.trim();
    const region = row.region.trim();
    if (!REGION.test(region)) {
      throw new PriceBookInputError(`${where(row)}: region "${row.region}" is not a region code`);
    }
    const asOf = parseAsOf(row.as_of, where(row));
    const price = priceCell(row.on_demand_usd_per_hour);
    if (price.kind !== 'price') {
      rowsWithoutPrice += 1;
      invalidPriceCells += price.kind === 'invalid' ? 1 : 0;
      continue;
    }
    if (!knownType(instanceType)) continue;
    push(onDemandCandidates, offerId(instanceType, region, null, 'on-demand'), {
      price: price.value,
      source: row.source.trim(),
      asOf,
      at: where(row),
    });
  }

  const advisorCandidates = new Map<string, AdvisorEntry[]>();
  for (const row of input.advisor) {
    const region = row.region.trim();
    if (!REGION.test(region)) {
      throw new PriceBookInputError(`${where(row)}: region "${row.region}" is not a region code`);
    }
    const savingsText = row.savings_pct_s.trim();
    const savingsPct = Number(savingsText);
    if (savingsText === '' || !Number.isFinite(savingsPct) || savingsPct > 100) {
      throw new PriceBookInputError(
        `${where(row)}: savings_pct_s "${row.savings_pct_s}" is not a percentage`,
      );
    }
    const implied = priceCell(row.implied_spot_usd_per_hour);
    const advisorOnDemand = priceCell(row.on_demand_usd_per_hour);
    const impliedSpot =
      implied.kind === 'price'
        ? implied.value
        : advisorOnDemand.kind === 'price'
          ? Math.round(advisorOnDemand.value * (1 - savingsPct / 100) * 1e4) / 1e4
          : null;
    push(advisorCandidates, `${row.instance_type.trim()}|${region}`, {
      bucket: parseBucket(row),
      savingsPct,
      impliedSpot,
      source: row.source.trim(),
      asOf: parseAsOf(row.as_of, where(row)),
      at: where(row),
    });
  }
  const advisor = new Map<string, AdvisorEntry>();
  for (const [key, list] of advisorCandidates) {
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

  const onDemand = resolve(onDemandCandidates, duplicates);
  const spot = resolve(spotCandidates, duplicates);
  const onDemandPriceOf = (instanceType: string, region: string): number | null =>
    onDemand.get(offerId(instanceType, region, null, 'on-demand'))?.price ?? null;

  const offers: Offer[] = [];
  const makeOffer = (
    instanceType: string,
    region: string,
    availabilityZone: string | null,
    purchaseOption: PurchaseOption,
    fact: PricedFact,
    interruptionBucket: InterruptionBucket | null,
    spotPriceImplied: boolean,
  ): void => {
    const spec = specs.get(instanceType);
    if (spec === undefined) return;
    offers.push({
      id: offerId(instanceType, region, availabilityZone, purchaseOption),
      instanceType,
      region,
      availabilityZone,
      purchaseOption,
      priceUsdPerHour: fact.price,
      onDemandPriceUsdPerHour: onDemandPriceOf(instanceType, region),
      ...spec,
      interruptionBucket,
      spotPriceImplied,
      source: fact.source,
      asOf: fact.asOf,
    });
  };

  for (const [id, fact] of onDemand) {
    const [instanceType = '', region = ''] = id.split('|');
    makeOffer(instanceType, region, null, 'on-demand', fact, null, false);
  }
  for (const [id, fact] of spot) {
    const [instanceType = '', region = '', zone = ''] = id.split('|');
    const bucket = advisor.get(`${instanceType}|${region}`)?.bucket ?? null;
    makeOffer(instanceType, region, zone, 'spot', fact, bucket, false);
  }
  let advisorNoDiscountSkipped = 0;
  let advisorObservedSpotPreferred = 0;
  for (const [key, entry] of advisor) {
    if (observedSpot.has(key)) {
      advisorObservedSpotPreferred += 1;
      continue;
    }
    if (entry.savingsPct <= 0) {
      advisorNoDiscountSkipped += 1;
      continue;
    }
    if (entry.impliedSpot === null || !Number.isFinite(entry.impliedSpot) || entry.impliedSpot <= 0) continue;
    const [instanceType = '', region = ''] = key.split('|');
    if (!knownType(instanceType)) continue;
    const price = { price: entry.impliedSpot, source: entry.source, asOf: entry.asOf };
    makeOffer(instanceType, region, null, 'spot', price, entry.bucket, true);
  }

  if (offers.length === 0) {
    throw new PriceBookInputError('price book input produced no offers: refusing to build an empty book');
  }
  offers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const dates = offers.map((o) => o.asOf).sort();
  const id = `static-${createHash('sha256').update(JSON.stringify(offers)).digest('hex').slice(0, 16)}`;
  return {
    book: {
      id,
      source: 'static',
      asOf: dates[dates.length - 1] ?? '',
      oldestPriceAsOf: dates[0] ?? '',
      offers,
    },
    report: {
      nonRegionRowsDropped,
      nonRegionNames: [...nonRegionNames].sort(),
      noSpotMarketRows,
      rowsWithoutPrice,
      invalidPriceCells,
      spotWithoutZoneIgnored,
      advisorNoDiscountSkipped,
      advisorObservedSpotPreferred,
      unknownAccelerators,
      typesWithoutSpec: [...typesWithoutSpec].sort(),
      duplicates,
    },
  };
};

/** {@link buildPriceBookWithReport} without the report. */
export const buildPriceBook = (input: PriceBookInput): StaticPriceBook =>
  buildPriceBookWithReport(input).book;

/** Offer counts, for the generated header, the build output and docs. */
export interface PriceBookSummary {
  readonly offers: number;
  readonly onDemand: number;
  readonly spotObserved: number;
  readonly spotImplied: number;
  readonly instanceTypes: number;
  readonly regions: number;
  readonly availabilityZones: number;
}

export const summarisePriceBook = (book: PriceBook): PriceBookSummary => {
  const count = (keep: (offer: Offer) => boolean): number => book.offers.filter(keep).length;
  return {
    offers: book.offers.length,
    onDemand: count((o) => o.purchaseOption === 'on-demand'),
    spotObserved: count((o) => o.purchaseOption === 'spot' && !o.spotPriceImplied),
    spotImplied: count((o) => o.purchaseOption === 'spot' && o.spotPriceImplied),
    instanceTypes: new Set(book.offers.map((o) => o.instanceType)).size,
    regions: new Set(book.offers.map((o) => o.region)).size,
    availabilityZones: new Set(
      book.offers.flatMap((o) => (o.availabilityZone === null ? [] : [o.availabilityZone])),
    ).size,
  };
};

/** One source file the book was generated from, with the as-of dates its rows state. */
export interface SourceFileNote {
  readonly file: string;
  readonly rows: number;
  readonly statedAsOf: readonly string[];
}

export const PRICE_BOOK_FILE_FORMAT = 1;

/** Offer fields stored per row; the per-type fields live once in `instanceTypes`. */
export const OFFER_COLUMNS = [
  'instanceType',
  'region',
  'availabilityZone',
  'purchaseOption',
  'priceUsdPerHour',
  'onDemandPriceUsdPerHour',
  'interruptionBucket',
  'spotPriceImplied',
  'provenance',
] as const;

type OfferRow = readonly [
  string,
  string,
  string | null,
  PurchaseOption,
  number,
  number | null,
  InterruptionBucket | null,
  boolean,
  number,
];

type TypeFields = Pick<
  Offer,
  'acceleratorKind' | 'gpuModel' | 'gpuCount' | 'gpuMemoryGiB' | 'vcpus' | 'memoryGiB' | 'efa' | 'quotaFamily'
>;

/**
 * The on-disk form of a static book (`data/price-book.json`). Per-type specs and the long source
 * strings are stored once and referenced, which keeps the file small and quick to parse;
 * {@link decodePriceBookFile} expands it back to full offers.
 */
export interface PriceBookFile {
  readonly header: {
    readonly generatedBy: string;
    readonly note: string;
    readonly asOf: string;
    readonly oldestPriceAsOf: string;
    readonly counts: PriceBookSummary;
  };
  readonly format: number;
  readonly id: string;
  readonly source: 'static';
  readonly asOf: string;
  readonly oldestPriceAsOf: string;
  readonly generatedFrom: readonly SourceFileNote[];
  readonly instanceTypes: Readonly<Record<string, TypeFields>>;
  readonly provenance: readonly { readonly source: string; readonly asOf: string }[];
  readonly offerColumns: readonly string[];
  readonly offers: readonly OfferRow[];
}

/** Turns a built book into its file form. `generatedBy` names the command that regenerates it. */
export const encodePriceBookFile = (
  book: StaticPriceBook,
  generatedFrom: readonly SourceFileNote[],
  generatedBy: string,
): PriceBookFile => {
  const instanceTypes: Record<string, TypeFields> = {};
  const provenance: { source: string; asOf: string }[] = [];
  const provenanceIndex = new Map<string, number>();
  const offers = book.offers.map((o): OfferRow => {
    instanceTypes[o.instanceType] = {
      acceleratorKind: o.acceleratorKind,
      gpuModel: o.gpuModel,
      gpuCount: o.gpuCount,
      gpuMemoryGiB: o.gpuMemoryGiB,
      vcpus: o.vcpus,
      memoryGiB: o.memoryGiB,
      efa: o.efa,
      quotaFamily: o.quotaFamily,
    };
    const key = `${o.source}\n${o.asOf}`;
    let index = provenanceIndex.get(key);
    if (index === undefined) {
      index = provenance.length;
      provenance.push({ source: o.source, asOf: o.asOf });
      provenanceIndex.set(key, index);
    }
    return [
      o.instanceType,
      o.region,
      o.availabilityZone,
      o.purchaseOption,
      o.priceUsdPerHour,
      o.onDemandPriceUsdPerHour,
      o.interruptionBucket,
      o.spotPriceImplied,
      index,
    ];
  });
  return {
    header: {
      generatedBy,
      note: 'Generated file: do not edit. Every offer keeps the source and as-of date of its price (provenance).',
      asOf: book.asOf,
      oldestPriceAsOf: book.oldestPriceAsOf,
      counts: summarisePriceBook(book),
    },
    format: PRICE_BOOK_FILE_FORMAT,
    id: book.id,
    source: 'static',
    asOf: book.asOf,
    oldestPriceAsOf: book.oldestPriceAsOf,
    generatedFrom,
    instanceTypes,
    provenance,
    offerColumns: OFFER_COLUMNS,
    offers,
  };
};

/** JSON with one offer per line, so a regenerated file diffs offer by offer. */
export const stringifyPriceBookFile = (file: PriceBookFile): string => {
  const { offers, ...rest } = file;
  const head = JSON.stringify({ ...rest, offers: [] }, null, 2);
  const rows = offers.map((row) => `    ${JSON.stringify(row)}`).join(',\n');
  return `${head.replace(/"offers": \[\]\n}$/, `"offers": [\n${rows}\n  ]\n}`)}\n`;
};

/** A price book file that cannot be read; the message names the file and the bad field. */
export class PriceBookFileError extends QuartermasterError {
  override readonly name = 'PriceBookFileError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const PURCHASE_OPTIONS: readonly unknown[] = ['spot', 'on-demand'];
const BUCKETS: readonly unknown[] = [null, 0, 1, 2, 3, 4];
const KINDS: readonly unknown[] = ['gpu', 'neuron', 'other'];
const QUOTA_FAMILIES: readonly unknown[] = ['P', 'G', 'Inf', 'Trn', 'DL', 'F', 'Standard'];

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

const decodeTypeFields = (raw: unknown, at: string): TypeFields => {
  const fail = (field: string): never => {
    throw new PriceBookFileError(`${at}.${field} is missing or invalid`);
  };
  if (!isRecord(raw)) return fail('(object)');
  const gpuModel = raw.gpuModel;
  if (typeof gpuModel !== 'string' || !isGpuModel(gpuModel)) return fail('gpuModel');
  const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (!KINDS.includes(raw.acceleratorKind)) return fail('acceleratorKind');
  if (!positive(raw.gpuCount)) return fail('gpuCount');
  if (raw.gpuMemoryGiB !== null && !positive(raw.gpuMemoryGiB)) return fail('gpuMemoryGiB');
  if (!positive(raw.vcpus)) return fail('vcpus');
  if (!positive(raw.memoryGiB)) return fail('memoryGiB');
  if (typeof raw.efa !== 'boolean') return fail('efa');
  if (!QUOTA_FAMILIES.includes(raw.quotaFamily)) return fail('quotaFamily');
  return {
    acceleratorKind: raw.acceleratorKind as AcceleratorKind,
    gpuModel,
    gpuCount: raw.gpuCount,
    gpuMemoryGiB: raw.gpuMemoryGiB,
    vcpus: raw.vcpus,
    memoryGiB: raw.memoryGiB,
    efa: raw.efa,
    quotaFamily: raw.quotaFamily as QuotaFamily,
  };
};

/**
 * Validates a price book file and expands it to a deep-frozen {@link StaticPriceBook}.
 *
 * @param raw the parsed JSON
 * @param path where it came from, for error messages
 * @throws PriceBookFileError naming `path` and the first bad field
 */
export const decodePriceBookFile = (raw: unknown, path: string): StaticPriceBook => {
  const fail = (what: string): never => {
    throw new PriceBookFileError(`${path}: ${what}; regenerate it with \`npm run data:build\``);
  };
  if (!isRecord(raw)) return fail('not a JSON object');
  if (raw.format !== PRICE_BOOK_FILE_FORMAT) return fail(`format must be ${PRICE_BOOK_FILE_FORMAT}`);
  if (typeof raw.id !== 'string' || !raw.id.startsWith('static-'))
    return fail('id must start with "static-"');
  if (raw.source !== 'static') return fail('source must be "static"');
  const asOf = raw.asOf;
  const oldest = raw.oldestPriceAsOf;
  if (typeof asOf !== 'string' || !ISO_DATE.test(asOf)) return fail('asOf must be an ISO date');
  if (typeof oldest !== 'string' || !ISO_DATE.test(oldest))
    return fail('oldestPriceAsOf must be an ISO date');
  if (JSON.stringify(raw.offerColumns) !== JSON.stringify(OFFER_COLUMNS)) {
    return fail(`offerColumns must be ${JSON.stringify(OFFER_COLUMNS)}`);
  }
  if (!isRecord(raw.instanceTypes)) return fail('instanceTypes must be an object');
  const types = new Map<string, TypeFields>();
  for (const [name, fields] of Object.entries(raw.instanceTypes)) {
    types.set(name, decodeTypeFields(fields, `${path}: instanceTypes["${name}"]`));
  }
  if (!Array.isArray(raw.provenance)) return fail('provenance must be an array');
  const provenance = raw.provenance.map((p: unknown, i) =>
    isRecord(p) && typeof p.source === 'string' && typeof p.asOf === 'string' && ISO_DATE.test(p.asOf)
      ? { source: p.source, asOf: p.asOf }
      : fail(`provenance[${i}] must be { source, asOf: YYYY-MM-DD }`),
  );
  if (!Array.isArray(raw.offers) || raw.offers.length === 0) return fail('offers must be a non-empty array');
  const seen = new Set<string>();
  const offers = raw.offers.map((row: unknown, i): Offer => {
    const bad = (field: string): never => fail(`offers[${i}].${field} is missing or invalid`);
    if (!Array.isArray(row) || row.length !== OFFER_COLUMNS.length) return bad('(row)');
    const [instanceType, region, az, option, price, onDemand, bucket, implied, source] = row as unknown[];
    if (typeof instanceType !== 'string') return bad('instanceType');
    const spec = types.get(instanceType) ?? bad('instanceType (not in instanceTypes)');
    if (typeof region !== 'string' || !REGION.test(region)) return bad('region');
    if (az !== null && typeof az !== 'string') return bad('availabilityZone');
    if (!PURCHASE_OPTIONS.includes(option)) return bad('purchaseOption');
    if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) return bad('priceUsdPerHour');
    if (onDemand !== null && (typeof onDemand !== 'number' || !Number.isFinite(onDemand) || onDemand <= 0)) {
      return bad('onDemandPriceUsdPerHour');
    }
    if (!BUCKETS.includes(bucket)) return bad('interruptionBucket');
    if (typeof implied !== 'boolean') return bad('spotPriceImplied');
    const origin = typeof source === 'number' ? provenance[source] : undefined;
    if (origin === undefined) return bad('provenance');
    const purchaseOption = option as PurchaseOption;
    const id = offerId(instanceType, region, az, purchaseOption);
    if (seen.has(id)) return fail(`offers[${i}] repeats offer ${id}`);
    seen.add(id);
    return {
      id,
      instanceType,
      region,
      availabilityZone: az,
      purchaseOption,
      priceUsdPerHour: price,
      onDemandPriceUsdPerHour: onDemand,
      ...spec,
      interruptionBucket: bucket as InterruptionBucket | null,
      spotPriceImplied: implied,
      source: origin.source,
      asOf: origin.asOf,
    };
  });
  return deepFreeze({ id: raw.id, source: 'static', asOf, oldestPriceAsOf: oldest, offers });
};
