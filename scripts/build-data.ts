/**
 * Regenerates `data/price-book.json`, the bundled static price book, from the dated source CSVs
 * (default `data/source`, the committed copy of the dated public inputs; `--from <dir>` to use another directory).
 *
 *   npm run data:build [-- --from <dir>] [-- --out <file>]
 *
 * The offers are built by the production code path (`buildPriceBook` in lambdas/core); this script
 * only reads files, calls it, and writes the result. The output carries no build timestamp, so the
 * same inputs give a byte-identical file.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildPriceBookWithReport, type PriceBookBuild } from '../lambdas/core/pricing/price-book.js';
import {
  encodePriceBookFile,
  type SourceFileNote,
  stringifyPriceBookFile,
} from '../lambdas/core/pricing/price-book-file.js';
import {
  ADVISOR_COLUMNS,
  CATALOG_COLUMNS,
  ON_DEMAND_COLUMNS,
  type PriceBookInput,
  SPEC_COLUMNS,
} from '../lambdas/core/pricing/price-book-parse.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SOURCE_DIR = path.resolve(REPO_ROOT, 'data/source');
export const DEFAULT_OUTPUT = path.resolve(REPO_ROOT, 'data/price-book.json');
export const GENERATED_BY = 'scripts/build-data.ts (npm run data:build)';

export const CATALOG_FILE = 'aws_gpu_catalog.csv';
export const SPEC_FILE = 'aws_gpu_instance_specs.csv';
export const ADVISOR_FILE = 'aws_spot_advisor_gpu.csv';
/** Dated on-demand tables, e.g. `aws_gpu_ondemand_us_east_1_karpenter_2026-07-20.csv`; all are read. */
export const ON_DEMAND_FILE = /^aws_gpu_ondemand_.*\.csv$/;

/** A parsed CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * RFC 4180 CSV: fields may be quoted, quoted fields may hold commas, doubled quotes and line
 * breaks; lines end with LF or CRLF. Blank lines are skipped.
 *
 * @param name the file name, for error messages
 * @throws Error naming the file and line of an unterminated quote or stray quote
 */
export const parseCsv = (text: string, name: string): CsvRecord[] => {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldWasQuoted = false;
  let line = 1;
  let recordLine = 1;
  const endField = (): void => {
    fields.push(field);
    field = '';
    fieldWasQuoted = false;
  };
  const endRecord = (): void => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < input.length; i += 1) {
    const char = input[i];
    if (quoted) {
      if (char === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
      continue;
    }
    if (char === '"') {
      if (field !== '' || fieldWasQuoted)
        throw new Error(`${name}:${line}: stray quote inside an unquoted field`);
      quoted = true;
      fieldWasQuoted = true;
    } else if (char === ',') {
      endField();
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && input[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      if (fieldWasQuoted) throw new Error(`${name}:${line}: text after a closing quote`);
      field += char;
    }
  }
  if (quoted) throw new Error(`${name}:${recordLine}: quoted field never closed`);
  if (field !== '' || fields.length > 0 || fieldWasQuoted) endRecord();
  return records;
};

/**
 * Parses a CSV file into rows keyed by the wanted columns (extra columns are ignored), each with
 * `at: "file:line"`.
 *
 * @throws Error naming the file when a wanted column is missing or a row has the wrong field count
 */
export const csvRows = <C extends readonly string[]>(
  text: string,
  name: string,
  columns: C,
): (Record<C[number], string> & { at: string })[] => {
  const [header, ...records] = parseCsv(text, name);
  if (header === undefined) throw new Error(`${name}: empty file, expected a header row`);
  const index = new Map(header.fields.map((column, i) => [column.trim(), i]));
  const missing = columns.filter((column) => !index.has(column));
  if (missing.length > 0) throw new Error(`${name}: missing column(s) ${missing.join(', ')}`);
  return records.map((record) => {
    if (record.fields.length !== header.fields.length) {
      throw new Error(
        `${name}:${record.line}: ${record.fields.length} fields, header has ${header.fields.length}`,
      );
    }
    const row = { at: `${name}:${record.line}` } as Record<string, string>;
    for (const column of columns) row[column] = record.fields[index.get(column) ?? -1] ?? '';
    return row as Record<C[number], string> & { at: string };
  });
};

const noteFor = (
  file: string,
  rows: readonly { readonly as_of: string; readonly at: string }[],
): SourceFileNote => ({
  file,
  rows: rows.length,
  statedAsOf: [...new Set(rows.map((r) => r.as_of.trim()))].sort(),
});

/** Everything the build needs from a source directory. */
export interface SourceData {
  readonly input: PriceBookInput;
  readonly generatedFrom: readonly SourceFileNote[];
}

/** Reads the source CSVs from `dir`. @throws Error naming the directory or file that is missing. */
export const readSourceData = (dir: string): SourceData => {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw new Error(`price book sources not found: ${dir} (pass --from <dir> with the source CSVs)`, {
      cause,
    });
  }
  const read = (file: string): string => {
    if (!names.includes(file)) throw new Error(`price book source missing: ${path.join(dir, file)}`);
    return readFileSync(path.join(dir, file), 'utf8');
  };
  const catalog = csvRows(read(CATALOG_FILE), CATALOG_FILE, CATALOG_COLUMNS);
  const specRows = csvRows(read(SPEC_FILE), SPEC_FILE, SPEC_COLUMNS);
  const advisor = csvRows(read(ADVISOR_FILE), ADVISOR_FILE, ADVISOR_COLUMNS);
  const onDemandFiles = names.filter((name) => ON_DEMAND_FILE.test(name)).sort();
  const onDemandByFile = onDemandFiles.map((file) => ({
    file,
    rows: csvRows(read(file), file, ON_DEMAND_COLUMNS),
  }));
  const specNote: SourceFileNote = { file: SPEC_FILE, rows: specRows.length, statedAsOf: [] };
  return {
    input: { catalog, specs: specRows, advisor, onDemand: onDemandByFile.flatMap((f) => f.rows) },
    generatedFrom: [
      noteFor(CATALOG_FILE, catalog),
      ...onDemandByFile.map((f) => noteFor(f.file, f.rows)),
      noteFor(ADVISOR_FILE, advisor),
      specNote,
    ],
  };
};

/** Builds the price book from a source directory, returning the build and the file text. */
export const buildFromDirectory = (dir: string): PriceBookBuild & { readonly text: string } => {
  const { input, generatedFrom } = readSourceData(dir);
  const build = buildPriceBookWithReport(input);
  const file = encodePriceBookFile(build.book, generatedFrom, GENERATED_BY);
  return { ...build, text: stringifyPriceBookFile(file) };
};

const parseArgs = (argv: readonly string[]): { from: string; out: string } => {
  let from = DEFAULT_SOURCE_DIR;
  let out = DEFAULT_OUTPUT;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === '--from' || flag === '--out') && value !== undefined) {
      if (flag === '--from') from = path.resolve(value);
      else out = path.resolve(value);
      i += 1;
    } else {
      throw new Error(
        `build-data: unknown or incomplete argument "${flag}" (use --from <dir> and --out <file>)`,
      );
    }
  }
  return { from, out };
};

const main = (): void => {
  const { from, out } = parseArgs(process.argv.slice(2));
  const { book, report, text } = buildFromDirectory(from);
  writeFileSync(out, text);
  const changed = report.duplicates.filter((d) => d.dropped.some((x) => x.price !== d.kept.price));
  const relative = (p: string): string => path.relative(process.cwd(), p) || '.';
  const lines = [
    `wrote ${relative(out)} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB) from ${relative(from)}`,
    `book ${book.id}: asOf ${book.asOf}, oldest price ${book.oldestPriceAsOf}`,
    ...Object.entries(JSON.parse(text).header.counts as Record<string, number>).map(
      ([k, v]) => `  ${k}: ${v}`,
    ),
    `dropped ${report.nonRegionRowsDropped} catalog rows in ${report.nonRegionNames.length} Local/Wavelength Zones (not region codes)`,
    `no spot offer for ${report.noSpotMarketRows} per-AZ rows where spot == on-demand (no spot market)`,
    `rows without a usable price: ${report.rowsWithoutPrice}; invalid price cells: ${report.invalidPriceCells}; spot prices without an AZ: ${report.spotWithoutZoneIgnored}`,
    `advisor: ${report.advisorObservedSpotPreferred} entries where observed per-AZ spot exists (bucket used, price not); ${report.advisorNoDiscountSkipped} with savings <= 0 skipped`,
    `unknown accelerators (skipped): ${report.unknownAccelerators.map((u) => `${u.instanceType}=${u.name}`).join(', ') || 'none'}`,
    `types with prices but no spec (skipped): ${report.typesWithoutSpec.join(', ') || 'none'}`,
    `duplicate keys resolved by latest as_of: ${report.duplicates.length} (${changed.length} with a different price)`,
    ...changed.map(
      (d) =>
        `  ${d.key}: kept ${d.kept.price} (${d.kept.asOf}), dropped ${d.dropped.map((x) => `${x.price} (${x.asOf})`).join(', ')}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
};

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) main();
