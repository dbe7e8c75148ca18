import data from '../../data/price-book.json' with { type: 'json' };
import type { StaticPriceBook } from '../core/pricing/price-book.js';
import { decodePriceBookFile } from '../core/pricing/price-book-file.js';

/** Repository path of the bundled book, as named in error messages. */
export const STATIC_PRICE_BOOK_PATH = 'data/price-book.json';

let cached: StaticPriceBook | undefined;

/**
 * The bundled static price book (the embedded default and the fallback when no live book exists).
 *
 * The JSON is imported rather than read from disk so a bundled Lambda carries it inside its code.
 * It is validated and expanded on first use, then cached; the result is deep-frozen, so no caller
 * can change prices under another.
 *
 * @throws PriceBookFileError naming `data/price-book.json` when the file is malformed
 */
export const loadStaticPriceBook = (): StaticPriceBook => {
  cached ??= decodePriceBookFile(data, STATIC_PRICE_BOOK_PATH);
  return cached;
};
