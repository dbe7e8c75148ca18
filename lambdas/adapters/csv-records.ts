/**
 * RFC 4180 CSV records from a stream of text chunks, one record at a time: quoted fields may hold
 * commas, doubled quotes and line breaks (a JSON tag map in a cell does); `\r\n`, `\n` and `\r`
 * end a record; blank lines are skipped. Holds one record and the chunk it is in, never the file.
 */

export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  readonly line: number;
  readonly cells: readonly string[];
}

/** Malformed CSV: a quote left open at the end of the input, or text after a closing quote. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    /** 1-based field of the record. */
    readonly field: number,
    readonly detail: string,
  ) {
    super(`line ${line}, field ${field}: ${detail}`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;

export async function* csvRecords(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<CsvRecord> {
  let cells: string[] = [];
  let field = '';
  let state = START;
  let line = 1;
  let recordLine = 1;
  let skipLf = false;
  for await (const chunk of chunks) {
    const n = chunk.length;
    let seg = 0;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (skipLf) {
        skipLf = false;
        if (c === LF) continue;
      }
      if (state === QUOTED) {
        if (c === QUOTE) {
          field += chunk.slice(seg, i);
          state = QUOTE_SEEN;
        } else if (c === LF) line += 1;
        continue;
      }
      if (state === UNQUOTED && c !== COMMA && c !== LF && c !== CR) continue;
      if (state === QUOTE_SEEN && c === QUOTE) {
        field += '"';
        state = QUOTED;
        seg = i + 1;
        continue;
      }
      if (state === START && c === QUOTE) {
        state = QUOTED;
        seg = i + 1;
        continue;
      }
      if (c === COMMA) {
        cells.push(state === UNQUOTED ? field + chunk.slice(seg, i) : field);
        field = '';
        state = START;
        continue;
      }
      if (c === LF || c === CR) {
        if (c === CR) skipLf = true;
        const blank = state === START && cells.length === 0;
        if (!blank) {
          cells.push(state === UNQUOTED ? field + chunk.slice(seg, i) : field);
          yield { line: recordLine, cells };
        }
        cells = [];
        field = '';
        state = START;
        line += 1;
        recordLine = line;
        continue;
      }
      if (state === QUOTE_SEEN)
        throw new CsvSyntaxError(
          line,
          cells.length + 1,
          'text after a closing quote (a quote inside a quoted field must be doubled)',
        );
      // START: an unquoted field begins here.
      state = UNQUOTED;
      seg = i;
    }
    if (state === UNQUOTED || state === QUOTED) field += chunk.slice(seg, n);
  }
  if (state === QUOTED)
    throw new CsvSyntaxError(
      recordLine,
      cells.length + 1,
      'a quoted field is not closed before the end of the file',
    );
  if (state !== START || cells.length > 0) {
    cells.push(field);
    yield { line: recordLine, cells };
  }
}
