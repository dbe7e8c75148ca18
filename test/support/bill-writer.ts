import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { GeneratedBillPlan } from './bill-generator.js';
import { MAP_COLUMNS, NUMBER_COLUMNS, TIMESTAMP_COLUMNS } from './bill-generator.js';

/**
 * Writes a planned bill the way AWS Data Exports delivers one: CSV (RFC 4180, timestamps as
 * ISO 8601, tag maps as JSON text), gzip-compressed CSV, or Parquet (timestamps, doubles and a
 * `map<string,string>` tag column). CSV streams; Parquet is built in memory (fixture sizes only).
 */

export type BillFileKind = 'csv' | 'csv.gz' | 'parquet';

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function* billCsvLines(plan: GeneratedBillPlan): Generator<string> {
  yield `${plan.columns.join(',')}\n`;
  for (const row of plan.rows()) yield `${plan.columns.map((c) => cell(row[c])).join(',')}\n`;
}

const parquetBuffer = (plan: GeneratedBillPlan): ArrayBuffer => {
  const rows = [...plan.rows()];
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: plan.columns.length }];
  const columnData = plan.columns.map((name) => {
    if (MAP_COLUMNS.has(name)) {
      schema.push(
        { name, repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'value', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      );
      return {
        name,
        data: rows.map((r) =>
          Object.entries((r[name] ?? {}) as Record<string, string>).map(([key, value]) => ({ key, value })),
        ),
      };
    }
    if (TIMESTAMP_COLUMNS.has(name))
      schema.push({ name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' });
    else if (NUMBER_COLUMNS.has(name)) schema.push({ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' });
    else schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    return {
      name,
      data: rows.map((r) => {
        const v = r[name];
        return v === undefined
          ? null
          : NUMBER_COLUMNS.has(name) || TIMESTAMP_COLUMNS.has(name) || v === null
            ? v
            : String(v);
      }),
    };
  });
  // Several row groups, as a month-long export has.
  // biome-ignore lint/suspicious/noExplicitAny: the writer's schema type is hyparquet's SchemaElement
  return parquetWriteBuffer({ schema: schema as any, columnData, rowGroupSize: 64 });
};

/** Writes `plan` to `path` as `kind`. */
export const writeBillFile = async (
  plan: GeneratedBillPlan,
  path: string,
  kind: BillFileKind,
): Promise<void> => {
  if (kind === 'parquet') {
    await writeFile(path, new Uint8Array(parquetBuffer(plan)));
    return;
  }
  const lines = Readable.from(billCsvLines(plan));
  if (kind === 'csv') await pipeline(lines, createWriteStream(path));
  else await pipeline(lines, createGzip(), createWriteStream(path));
};
