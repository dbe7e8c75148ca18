import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BillFileError, openBillExport } from '../../lambdas/adapters/bill-export-file.js';
import { CsvSyntaxError, csvRecords } from '../../lambdas/adapters/csv-records.js';
import { BillInputError } from '../../lambdas/core/accounting/bill-line.js';
import { reconcileBill } from '../../lambdas/core/accounting/bill-reconciliation.js';
import { parseLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/aws/bills');
const collect = async <T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('csvRecords', () => {
  it('reads quoted commas, doubled quotes, line breaks in quotes, CRLF and blank lines', async () => {
    const text = 'a,b,c\r\n"x,1","say ""hi""","two\nlines"\r\n\r\nlast,,\n';
    expect(await collect(csvRecords([text]))).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['x,1', 'say "hi"', 'two\nlines'] },
      { line: 5, cells: ['last', '', ''] },
    ]);
  });

  it('gives the same records however the text is cut into chunks', async () => {
    const text = 'id,tags\r\ni-1,"{""user_team"":""nlp"",""k"":""a,b""}"\r\ni-2,\n"q""",x';
    const whole = await collect(csvRecords([text]));
    for (let size = 1; size <= 7; size++) {
      const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
        text.slice(i * size, (i + 1) * size),
      );
      expect(await collect(csvRecords(chunks))).toEqual(whole);
    }
    expect(whole[1]?.cells[1]).toBe('{"user_team":"nlp","k":"a,b"}');
  });

  it('names the line and field of a quote left open or text after a closing quote', async () => {
    await expect(collect(csvRecords(['a,b\n1,"open\n']))).rejects.toThrow(
      new CsvSyntaxError(2, 2, 'a quoted field is not closed before the end of the file'),
    );
    await expect(collect(csvRecords(['a,b\n1,"x"y\n']))).rejects.toThrow(
      /line 2, field 2: text after a closing quote/,
    );
  });
});

describe('openBillExport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qm-bill-'));
  });
  it('tells gzip, Parquet and CSV by content, not by name, and reads each fixture to the same reconciliation', async () => {
    const injected = JSON.parse(await readFile(join(FIXTURES, 'injected.json'), 'utf8')) as {
      injected: { kind: string; instanceId: string; from: string; to: string }[];
    };
    const expected = injected.injected.map((d) => `${d.kind} ${d.instanceId} ${d.from} ${d.to}`).sort();
    // The gzip fixture under a name that says nothing of its content.
    const renamed = join(dir, 'bill.dat');
    await writeFile(renamed, await readFile(join(FIXTURES, 'cur2-hourly.csv.gz')));
    const results = [];
    for (const [path, container] of [
      [renamed, 'csv.gz'],
      [join(FIXTURES, 'cur2-hourly.parquet'), 'parquet'],
      [join(FIXTURES, 'focus12-hourly.csv'), 'csv'],
    ] as const) {
      const bill = await openBillExport(path);
      expect(bill.container).toBe(container);
      const text = (await readFile(join(FIXTURES, 'ledger.jsonl'), 'utf8')).split('\n');
      const r = await reconcileBill(parseLedgerLines(text), bill);
      expect(r.differences.map((d) => `${d.kind} ${d.instanceId} ${d.from} ${d.to}`).sort()).toEqual(
        expected,
      );
      results.push(r);
    }
    const [gz, parquet, focus] = results;
    expect(parquet?.totals).toEqual(gz?.totals);
    expect(focus?.totals).toEqual(gz?.totals);
    expect(gz?.format).toBe('cur2');
    expect(focus?.format).toBe('focus12');
  });

  it('reads CSV and gzip from standard input; refuses Parquet there', async () => {
    const csv = await readFile(join(FIXTURES, 'focus12-hourly.csv'));
    const plain = await openBillExport('-', Readable.from([csv]));
    expect((await collect(plain.rows)).length).toBeGreaterThan(80);
    const zipped = await openBillExport('-', Readable.from([gzipSync(csv)]));
    expect(zipped.container).toBe('csv.gz');
    expect((await collect(zipped.rows)).length).toBe(
      (await collect((await openBillExport('-', Readable.from([csv]))).rows)).length,
    );
    const parquet = await readFile(join(FIXTURES, 'cur2-hourly.parquet'));
    await expect(openBillExport('-', Readable.from([parquet]))).rejects.toThrow(BillFileError);
  });

  it('names the file and line of a row with the wrong number of fields', async () => {
    const path = join(dir, 'short.csv');
    await writeFile(
      path,
      'ResourceId,ChargePeriodStart\ni-0123456789abcdef0,2026-11-01T00:00:00Z\ni-0123456789abcdef0\n',
    );
    const bill = await openBillExport(path);
    await expect(collect(bill.rows)).rejects.toThrow(
      new BillInputError(path, 3, '(row)', 'has 1 fields; the header has 2'),
    );
  });

  it('names the column of a CSV syntax error', async () => {
    const path = join(dir, 'quote.csv');
    await writeFile(path, 'ResourceId,ChargePeriodStart\n"i-1"x,2026\n');
    const bill = await openBillExport(path);
    await expect(collect(bill.rows)).rejects.toThrow(`${path}:2: ResourceId: text after a closing quote`);
  });

  it('fails clearly on a damaged gzip or Parquet file and on an empty one', async () => {
    const gz = join(dir, 'broken.csv.gz');
    await writeFile(
      gz,
      gzipSync('line_item_resource_id,line_item_usage_start_date\n'.repeat(50)).subarray(0, 40),
    );
    await expect(openBillExport(gz).then((bill) => collect(bill.rows))).rejects.toThrow(
      /broken\.csv\.gz: not a readable gzip file/,
    );
    const pq = join(dir, 'broken.parquet');
    await writeFile(pq, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]));
    await expect(openBillExport(pq)).rejects.toThrow(/broken\.parquet: not a readable Parquet file/);
    const empty = join(dir, 'empty.csv');
    await writeFile(empty, '');
    await expect(openBillExport(empty)).rejects.toThrow(
      `${empty}:1: (header): the file is empty: expected a header row`,
    );
  });
});
