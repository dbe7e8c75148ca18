import { QuartermasterError } from '../errors.js';
import { type AcceleratorKind, isGpuModel } from '../jobs/gpu-model.js';
import type { InterruptionBucket, Offer, PurchaseOption, QuotaFamily } from './offer.js';
import { type PriceBookSummary, type StaticPriceBook, summarisePriceBook } from './price-book.js';
import { ISO_DATE, REGION } from './price-book-parse.js';
import { offerId } from './price-book-rules.js';

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
