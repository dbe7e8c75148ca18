import { BillInputError, type BillRowValues } from './bill-line.js';
import type { BillRows } from './bill-reconciliation.js';

/**
 * One bill from the several files an export writes for a billing period (Data Exports splits a
 * month into numbered parts): the columns of the first, then every part's rows in turn, each part
 * opened only when the one before is read. Every part must have the first one's columns.
 * @throws RangeError for no parts; the rows throw BillInputError naming a part whose columns differ
 */
export const concatBillRows = async (
  source: string,
  parts: readonly (() => Promise<BillRows>)[],
): Promise<BillRows> => {
  const [openFirst, ...rest] = parts;
  if (openFirst === undefined) throw new RangeError('a bill needs at least one file');
  const first = await openFirst();
  const columns = [...first.columns].sort().join('\u0000');
  async function* rows(): AsyncGenerator<{ readonly line: number; readonly values: BillRowValues }> {
    yield* first.rows;
    for (const open of rest) {
      const part = await open();
      if ([...part.columns].sort().join('\u0000') !== columns)
        throw new BillInputError(
          part.source,
          1,
          '(header)',
          `its columns differ from those of ${first.source}`,
        );
      yield* part.rows;
    }
  }
  return { source, columns: first.columns, rows: rows() };
};
