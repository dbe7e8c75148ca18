import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type LedgerRecord, ledgerLine, parseLedgerLines } from '../core/ledger/ledger-export.js';

/**
 * Ledger exports on disk: JSON Lines read and written a line at a time, so a month of a large
 * fleet never has to fit in memory.
 */

/** Lines of a text file, streamed. */
export async function* readTextLines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    yield* lines;
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Streams the records of a ledger export file.
 * @throws LedgerParseError naming the file, line and field; the fs error when the file cannot be read
 */
export const readLedgerFile = (path: string): AsyncGenerator<LedgerRecord> =>
  parseLedgerLines(readTextLines(path), path);

/** Writes lines to a file as they come, honouring back-pressure. */
export const writeLinesToFile = async (
  path: string,
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<number> => {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let count = 0;
  try {
    for await (const line of lines) {
      count += 1;
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return count;
};

/**
 * Writes a ledger export: optional `#` header lines (provenance), then one line per record.
 * Every record is validated on the way out.
 */
export const writeLedgerFile = async (
  path: string,
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  header: readonly string[] = [],
): Promise<number> => {
  async function* lines(): AsyncGenerator<string> {
    for (const h of header) yield `# ${h}`;
    for await (const record of records) yield ledgerLine(record);
  }
  return (await writeLinesToFile(path, lines())) - header.length;
};
