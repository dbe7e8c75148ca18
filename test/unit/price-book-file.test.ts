import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStaticPriceBook, STATIC_PRICE_BOOK_PATH } from '../../lambdas/adapters/static-price-book.js';
import { buildPriceBook, type StaticPriceBook } from '../../lambdas/core/pricing/price-book.js';
import {
  decodePriceBookFile,
  encodePriceBookFile,
  type PriceBookFile,
  PriceBookFileError,
  stringifyPriceBookFile,
} from '../../lambdas/core/pricing/price-book-file.js';
import { DEFAULT_SOURCE_DIR, GENERATED_BY, readSourceData } from '../../scripts/build-data.js';

let built: StaticPriceBook;
let file: PriceBookFile;

beforeAll(() => {
  if (!existsSync(DEFAULT_SOURCE_DIR)) {
    throw new Error(`price book source data not found at ${DEFAULT_SOURCE_DIR}`);
  }
  const sources = readSourceData(DEFAULT_SOURCE_DIR);
  built = buildPriceBook(sources.input);
  file = encodePriceBookFile(built, sources.generatedFrom, GENERATED_BY);
});

/** A deep copy of the encoded file with one change, as parsed JSON would arrive. */
const tampered = (change: (raw: Record<string, unknown>) => void): unknown => {
  const raw = JSON.parse(stringifyPriceBookFile(file)) as Record<string, unknown>;
  change(raw);
  return raw;
};

describe('loadStaticPriceBook', () => {
  it('loads the bundled book with exactly the offers the build produces', () => {
    const book = loadStaticPriceBook();
    expect(book.id).toBe(built.id);
    expect(book.source).toBe('static');
    expect(book.asOf).toBe(built.asOf);
    expect(book.oldestPriceAsOf).toBe(built.oldestPriceAsOf);
    expect(book.offers).toEqual(built.offers);
  });

  it('returns the same cached instance on every call', () => {
    expect(loadStaticPriceBook()).toBe(loadStaticPriceBook());
  });

  it('is deep-frozen, so no caller can change a price', () => {
    const book = loadStaticPriceBook();
    const first = book.offers[0];
    expect(Object.isFrozen(book)).toBe(true);
    expect(Object.isFrozen(book.offers)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { priceUsdPerHour: number }).priceUsdPerHour = 0;
    }).toThrow(TypeError);
    expect(() => (book.offers as unknown[]).push({})).toThrow(TypeError);
  });
});

describe('the price book file format', () => {
  it('round-trips a built book through encode, JSON text and decode', () => {
    const decoded = decodePriceBookFile(JSON.parse(stringifyPriceBookFile(file)), 'memory');
    expect(decoded.offers).toEqual(built.offers);
    expect(decoded.id).toBe(built.id);
  });

  it('states where it came from: generator, source files with their as-of, and counts', () => {
    expect(file.header.generatedBy).toContain('npm run data:build');
    expect(file.generatedFrom.map((f) => f.file)).toEqual([
      'aws_gpu_catalog.csv',
      'aws_gpu_ondemand_us_east_1_karpenter_2026-07-20.csv',
      'aws_spot_advisor_gpu.csv',
      'aws_gpu_instance_specs.csv',
    ]);
    expect(file.generatedFrom[0]?.statedAsOf).toEqual(['2026-01-21', '2026-03-24/2026-07-20', '2026-07-20']);
    const { counts } = file.header;
    expect(counts.onDemand + counts.spotObserved + counts.spotImplied).toBe(counts.offers);
    expect(counts.offers).toBe(built.offers.length);
  });

  it('writes one offer per line and stays well under 2 MB', () => {
    const text = stringifyPriceBookFile(file);
    expect(text.split('\n').filter((line) => line.startsWith('    ["')).length).toBe(built.offers.length);
    expect(Buffer.byteLength(text)).toBeLessThan(2 * 1024 * 1024);
  });

  it.each([
    ['not an object', (): unknown => [], /x\.json: not a JSON object/],
    ['a wrong format version', () => tampered((r) => (r.format = 2)), /x\.json: format must be 1/],
    ['an empty offer list', () => tampered((r) => (r.offers = [])), /offers must be a non-empty array/],
    [
      'a zero price',
      () => tampered((r) => ((r.offers as unknown[][])[3] as unknown[]).splice(4, 1, 0)),
      /x\.json: offers\[3\]\.priceUsdPerHour is missing or invalid/,
    ],
    [
      'an unknown instance type',
      () => tampered((r) => ((r.offers as unknown[][])[0] as unknown[]).splice(0, 1, 'zz9.huge')),
      /offers\[0\]\.instanceType \(not in instanceTypes\)/,
    ],
    [
      'an unknown GPU model',
      () =>
        tampered((r) => {
          const types = r.instanceTypes as Record<string, Record<string, unknown>>;
          const first = Object.values(types)[0];
          if (first) first.gpuModel = 'A100';
        }),
      /instanceTypes\["dl2q\.24xlarge"\]\.gpuModel is missing or invalid/,
    ],
    [
      'a repeated offer',
      () => tampered((r) => (r.offers as unknown[]).push((r.offers as unknown[])[0])),
      /repeats offer dl2q\.24xlarge\|eu-central-1\|\*\|on-demand/,
    ],
    ['a dangling provenance index', () => tampered((r) => (r.provenance = [])), /offers\[0\]\.provenance/],
  ])('rejects a file with %s, naming the path', (_what, make, message) => {
    expect(() => decodePriceBookFile(make(), 'x.json')).toThrow(PriceBookFileError);
    expect(() => decodePriceBookFile(make(), 'x.json')).toThrow(message);
  });

  it('tells the reader how to regenerate a bad file', () => {
    expect(() => decodePriceBookFile({}, STATIC_PRICE_BOOK_PATH)).toThrow(
      /data\/price-book\.json: .*npm run data:build/,
    );
  });
});
