import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  PRICE_BOOK_ASSET,
  PRICE_BOOK_ASSET_LOCATIONS,
  priceBookAssetLoader,
} from '../../../lambdas/adapters/price-book-asset.js';
import { loadStaticPriceBook } from '../../../lambdas/adapters/static-price-book.js';
import { PriceBookFileError } from '../../../lambdas/core/pricing/price-book-file.js';
import { PRICE_BOOK_ASSET_SOURCE, RUNTIME_ASSETS } from '../../../lib/bundle-settings.js';

const ROOT = join(import.meta.dirname, '../../..');
const scratch = () => mkdtempSync(join(tmpdir(), 'qm-price-book-asset-'));

describe('the price book read from a file beside the bundle', () => {
  it('from source, reads the repository copy and holds exactly the offers of the imported book', () => {
    const book = priceBookAssetLoader()();
    const imported = loadStaticPriceBook();
    expect(book.id).toBe(imported.id);
    expect(book.asOf).toBe(imported.asOf);
    expect(book.offers).toEqual(imported.offers);
    expect(Object.isFrozen(book.offers)).toBe(true);
  });

  it('reads the file once and returns the same instance afterwards', () => {
    const load = priceBookAssetLoader();
    expect(load()).toBe(load());
  });

  it('prefers the copy beside the bundle over later locations', () => {
    const dir = scratch();
    copyFileSync(join(ROOT, PRICE_BOOK_ASSET_SOURCE), join(dir, PRICE_BOOK_ASSET));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{');
    const book = priceBookAssetLoader([pathToFileURL(join(dir, PRICE_BOOK_ASSET)), pathToFileURL(broken)])();
    expect(book.id).toBe(loadStaticPriceBook().id);
  });

  it('names every location it looked at when none exists', () => {
    const dir = scratch();
    const load = priceBookAssetLoader([
      pathToFileURL(join(dir, 'a.json')),
      pathToFileURL(join(dir, 'b.json')),
    ]);
    expect(load).toThrow(PriceBookFileError);
    expect(load).toThrow(
      `static price book not found; looked at ${join(dir, 'a.json')}, ${join(dir, 'b.json')}`,
    );
  });

  it('names the file that is not JSON, or not a price book', () => {
    const dir = scratch();
    const notJson = join(dir, 'price-book.json');
    writeFileSync(notJson, '{"header":');
    expect(priceBookAssetLoader([pathToFileURL(notJson)])).toThrow(`${notJson}: not valid JSON`);
    writeFileSync(notJson, '{"format":"something-else"}');
    expect(priceBookAssetLoader([pathToFileURL(notJson)])).toThrow(new RegExp(`^${notJson}: format must be`));
  });

  it('is shipped, under the name the loader looks for first, with every handler that loads it', () => {
    expect(PRICE_BOOK_ASSET_LOCATIONS[0]?.pathname.endsWith(`/${PRICE_BOOK_ASSET}`)).toBe(true);
    expect(PRICE_BOOK_ASSET_SOURCE.split('/').pop()).toBe(PRICE_BOOK_ASSET);
    expect(RUNTIME_ASSETS.solve).toContain(PRICE_BOOK_ASSET_SOURCE);
    expect(RUNTIME_ASSETS['price-refresh']).toContain(PRICE_BOOK_ASSET_SOURCE);
  });
});
