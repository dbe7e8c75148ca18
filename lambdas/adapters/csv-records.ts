/**
 * RFC 4180 CSV records from a stream of text chunks, one record at a time: quoted fields may hold
 * commas, doubled quotes and line breaks (a JSON tag map in a cell does); `\r\n` and `\n` end a
 * record; blank lines are skipped. Fields are found with `indexOf`, not character by character,
 * and only the unparsed tail of a chunk is carried to the next: it holds one record, never the file.
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

/** Line breaks inside a quoted value, for the line count. */
const breaksIn = (text: string): number => {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n += 1;
  return n;
};

interface Parsed {
  readonly records: CsvRecord[];
  /** Where the unparsed tail starts. */
  readonly rest: number;
  readonly line: number;
  /** The field a quote is open in at the end of `buf` (1-based), when one is. */
  readonly openField: number | null;
  /** The malformed record parsing stopped at (after the good ones before it), when there is one. */
  readonly error: CsvSyntaxError | null;
}

/**
 * The complete records of `buf` from 0. A record is complete once its line break (outside quotes)
 * is in `buf`; the text after the last complete one is left for the next chunk.
 */
const parse = (buf: string, firstLine: number): Parsed => {
  const records: CsvRecord[] = [];
  let pos = 0;
  let line = firstLine;
  let openField: number | null = null;
  let error: CsvSyntaxError | null = null;
  const n = buf.length;
  scan: while (pos < n) {
    const start = pos;
    const startLine = line;
    const c0 = buf.charCodeAt(pos);
    if (c0 === LF || (c0 === CR && buf.charCodeAt(pos + 1) === LF)) {
      // A blank line.
      if (c0 === CR && pos + 1 >= n) break;
      pos += c0 === CR ? 2 : 1;
      line += 1;
      continue;
    }
    const cells: string[] = [];
    let breaks = 0;
    let lineEnd = buf.indexOf('\n', pos);
    for (;;) {
      if (buf.charCodeAt(pos) === QUOTE) {
        let value = '';
        let p = pos + 1;
        for (;;) {
          const q = buf.indexOf('"', p);
          // The closing quote, and the character after it, must be here to know the field's end.
          if (q < 0 || q + 1 >= n) {
            pos = start;
            line = startLine;
            openField = cells.length + 1;
            break scan;
          }
          value += buf.slice(p, q);
          if (buf.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            p = q + 2;
            continue;
          }
          pos = q + 1;
          break;
        }
        breaks += breaksIn(value);
        cells.push(value);
        if (lineEnd >= 0 && lineEnd < pos) lineEnd = buf.indexOf('\n', pos);
        const c = buf.charCodeAt(pos);
        if (c === COMMA) {
          pos += 1;
          continue;
        }
        if (c === LF || (c === CR && buf.charCodeAt(pos + 1) === LF)) {
          pos += c === CR ? 2 : 1;
          break;
        }
        if (c === CR && pos + 1 >= n) {
          pos = start;
          line = startLine;
          break scan;
        }
        error = new CsvSyntaxError(
          startLine + breaks,
          cells.length,
          'text after a closing quote (a quote inside a quoted field must be doubled)',
        );
        break scan;
      }
      if (lineEnd < 0) {
        pos = start;
        line = startLine;
        break scan;
      }
      const comma = buf.indexOf(',', pos);
      if (comma >= 0 && comma < lineEnd) {
        cells.push(buf.slice(pos, comma));
        pos = comma + 1;
        continue;
      }
      const end = lineEnd > pos && buf.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      cells.push(buf.slice(pos, end));
      pos = lineEnd + 1;
      break;
    }
    records.push({ line: startLine, cells });
    line = startLine + breaks + 1;
  }
  return { records, rest: pos, line, openField, error };
};

export async function* csvRecords(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<CsvRecord> {
  let buf = '';
  let line = 1;
  for await (const chunk of chunks) {
    buf = buf === '' ? chunk : buf + chunk;
    const parsed = parse(buf, line);
    yield* parsed.records;
    if (parsed.error !== null) throw parsed.error;
    buf = buf.slice(parsed.rest);
    line = parsed.line;
  }
  if (buf === '') return;
  // The last record may end without a line break: end it here.
  const parsed = parse(`${buf}\n`, line);
  yield* parsed.records;
  if (parsed.error !== null) throw parsed.error;
  if (parsed.rest < buf.length + 1)
    throw new CsvSyntaxError(
      parsed.line,
      parsed.openField ?? 1,
      'a quoted field is not closed before the end of the file',
    );
}
