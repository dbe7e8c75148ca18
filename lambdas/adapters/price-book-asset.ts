import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StaticPriceBook } from '../core/pricing/price-book.js';
import { decodePriceBookFile, PriceBookFileError } from '../core/pricing/price-book-file.js';

/**
 * File name of the static price book as it ships beside a bundled handler (`index.mjs`): CDK
 * bundling copies `data/price-book.json` there (lib/bundle-settings.ts `RUNTIME_ASSETS`).
 */
export const PRICE_BOOK_ASSET = 'price-book.json';

/**
 * Where the book is looked for, in order. A bundle has one `import.meta.url` (its `index.mjs`),
 * so the first location is the copied asset; running from source (tests, `tsx`) that file does
 * not exist and the repository's `data/` copy is read instead.
 */
export const PRICE_BOOK_ASSET_LOCATIONS: readonly URL[] = [
  new URL(`./${PRICE_BOOK_ASSET}`, import.meta.url),
  new URL('../../data/price-book.json', import.meta.url),
];

/**
 * A loader of the static price book from a JSON file read at first use, for the Lambda handlers.
 * Unlike `loadStaticPriceBook` (which imports the JSON, so a bundle inlines 163 KB of it into its
 * code and evaluates it at import) the file is read only when a handler needs the fallback book.
 * The decoded book is cached and deep-frozen (`decodePriceBookFile`).
 *
 * @throws PriceBookFileError naming every location tried when none exists, or the file that is
 *   not valid JSON or not a price book
 */
export const priceBookAssetLoader = (
  locations: readonly URL[] = PRICE_BOOK_ASSET_LOCATIONS,
): (() => StaticPriceBook) => {
  let cached: StaticPriceBook | undefined;
  return () => {
    if (cached !== undefined) return cached;
    const found = locations.find((url) => existsSync(url));
    if (found === undefined) {
      throw new PriceBookFileError(
        `static price book not found; looked at ${locations.map((u) => fileURLToPath(u)).join(', ')}`,
      );
    }
    const path = fileURLToPath(found);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(found, 'utf8'));
    } catch (err) {
      throw new PriceBookFileError(`${path}: not valid JSON (${(err as Error).message})`);
    }
    cached = decodePriceBookFile(raw, path);
    return cached;
  };
};
