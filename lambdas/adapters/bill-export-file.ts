import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { BILL_COLUMNS, BillInputError, type BillRowValues } from '../core/accounting/bill-line.js';
import type { BillRows } from '../core/accounting/bill-reconciliation.js';
import { CsvSyntaxError, csvRecords } from './csv-records.js';

/**
 * An AWS Data Exports file (CUR 2.0 or FOCUS 1.2) as rows for reconciliation, streamed: CSV read a
 * record at a time, gzip-compressed CSV through a streaming gunzip, Parquet a row group at a time
 * with only the columns reconciliation reads. The container is told by content (gzip's `1f 8b`,
 * Parquet's `PAR1`), not by the file name. Standard input (`-`) takes CSV and gzip; Parquet
 * needs a file (its index is at the end).
 */

export type BillContainer = 'csv' | 'csv.gz' | 'parquet';

/** A bill file that cannot be opened or decoded at all (as opposed to a bad row). */
export class BillFileError extends Error {
  constructor(
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${detail}`, options);
    this.name = 'BillFileError';
  }
}

export interface BillExport extends BillRows {
  readonly container: BillContainer;
}

const WANTED = new Set(BILL_COLUMNS);
const GZIP = [0x1f, 0x8b];
const PARQUET = 'PAR1';

/** The first bytes of a file, to tell its container. */
const headOf = async (path: string): Promise<Buffer> => {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
};

const isGzip = (head: Uint8Array): boolean => head[0] === GZIP[0] && head[1] === GZIP[1];

/** Text chunks of a stream that may be gzip: the first chunk decides. */
async function* textChunks(
  input: Readable,
  path: string,
  onContainer: (c: BillContainer) => void,
): AsyncGenerator<string> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  if (first.done === true) {
    onContainer('csv');
    return;
  }
  const head = first.value;
  if (head.subarray(0, 4).toString('latin1') === PARQUET)
    throw new BillFileError(path, 'a Parquet file cannot be read from standard input: pass its path');
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  };
  let source: AsyncIterable<Buffer> = rest();
  if (isGzip(head)) {
    onContainer('csv.gz');
    const gunzip = createGunzip();
    const feed = async () => {
      try {
        for await (const chunk of rest())
          if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
        gunzip.end();
      } catch (error) {
        gunzip.destroy(error as Error);
      }
    };
    void feed();
    source = gunzip;
  } else onContainer('csv');
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of source) {
      const text = decoder.decode(chunk as Buffer, { stream: true });
      if (text !== '') yield text;
    }
  } catch (error) {
    if (error instanceof BillFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_'))
      throw new BillFileError(path, `not a readable gzip file: ${(error as Error).message}`, {
        cause: error,
      });
    throw error;
  }
  const tail = decoder.decode();
  if (tail !== '') yield tail;
}

/** A CSV or gzip CSV bill from a stream (a file, standard input, an S3 object's body); `path` names it in messages. */
export const openBillStream = async (path: string, input: Readable): Promise<BillExport> => {
  let container: BillContainer = 'csv';
  const records = csvRecords(
    textChunks(input, path, (c) => {
      container = c;
    }),
  )[Symbol.asyncIterator]();
  const named = (error: unknown, header: readonly string[]): never => {
    if (error instanceof CsvSyntaxError)
      throw new BillInputError(
        path,
        error.line,
        header[error.field - 1] ?? `field ${error.field}`,
        error.detail,
      );
    throw error;
  };
  let first: IteratorResult<{ line: number; cells: readonly string[] }>;
  try {
    first = await records.next();
  } catch (error) {
    return named(error, []);
  }
  if (first.done === true)
    throw new BillInputError(path, 1, '(header)', 'the file is empty: expected a header row');
  const header = first.value.cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
  const picks = header.map((name, i) => [name, i] as const).filter(([name]) => WANTED.has(name));
  async function* rows(): AsyncGenerator<{ line: number; values: BillRowValues }> {
    for (;;) {
      let next: IteratorResult<{ line: number; cells: readonly string[] }>;
      try {
        next = await records.next();
      } catch (error) {
        return named(error, header);
      }
      if (next.done === true) return;
      const { line, cells } = next.value;
      if (cells.length !== header.length)
        throw new BillInputError(
          path,
          line,
          '(row)',
          `has ${cells.length} fields; the header has ${header.length}`,
        );
      const values: Record<string, string> = {};
      for (const [name, i] of picks) values[name] = cells[i] as string;
      yield { line, values };
    }
  }
  return {
    source: path,
    columns: header,
    rows: rows(),
    get container() {
      return container;
    },
  };
};

/** Random access to a file for the Parquet reader: it asks for the footer, then column chunks. */
const fileBuffer = async (path: string) => {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  const buffer: AsyncBuffer = {
    byteLength: size,
    async slice(start: number, end?: number) {
      const length = (end ?? size) - start;
      const bytes = new Uint8Array(length);
      await handle.read(bytes, 0, length, start);
      return bytes.buffer;
    },
  };
  return { buffer, close: () => handle.close() };
};

/**
 * A Parquet bill from random access to its bytes (a file here, ranged S3 reads in the deployment);
 * `close` runs once its rows are read or the read fails.
 */
export const openParquetBill = async (
  path: string,
  buffer: AsyncBuffer,
  close: () => Promise<void> = async () => undefined,
): Promise<BillExport> => {
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    await close();
    throw new BillFileError(path, `not a readable Parquet file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const read = columns.filter((c) => WANTED.has(c));
  async function* rows(): AsyncGenerator<{ line: number; values: BillRowValues }> {
    try {
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        let objects: Record<string, unknown>[];
        try {
          objects = await parquetReadObjects({
            file: buffer,
            metadata,
            columns: read,
            rowStart,
            rowEnd,
            compressors,
          });
        } catch (error) {
          throw new BillFileError(path, `rows ${rowStart + 1}–${rowEnd}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        for (let i = 0; i < objects.length; i++)
          yield { line: rowStart + i + 1, values: objects[i] as BillRowValues };
        rowStart = rowEnd;
      }
    } finally {
      await close();
    }
  }
  return { source: path, columns, rows: rows(), container: 'parquet' };
};

/**
 * Opens a bill for {@link reconcileBill}: its columns now, its rows as they are read.
 * @throws BillFileError for a file that is not CSV, gzip or Parquet as it claims; the rows throw
 *   BillInputError naming the line (row) and column of what cannot be read
 */
export const openBillExport = async (path: string, stdin: Readable = process.stdin): Promise<BillExport> => {
  if (path === '-') return openBillStream(path, stdin);
  const head = await headOf(path);
  if (head.toString('latin1') === PARQUET) {
    const { buffer, close } = await fileBuffer(path);
    return openParquetBill(path, buffer, close);
  }
  return openBillStream(path, createReadStream(path));
};
