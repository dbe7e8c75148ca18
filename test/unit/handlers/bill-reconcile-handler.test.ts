import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3BillFiles } from '../../../lambdas/adapters/s3-bill-export.js';
import type { BillReconciliation } from '../../../lambdas/core/accounting/bill-reconciliation.js';
import { ledgerTextLines, parseLedgerLines } from '../../../lambdas/core/ledger/ledger-export.js';
import { isBillDataKey } from '../../../lambdas/core/use-cases/reconcile-bill-period.js';
import { makeHandler } from '../../../lambdas/handlers/bill-reconcile.js';
import { quietObservability } from '../../../lambdas/handlers/middleware.js';
import type { ExportObject } from '../../../lambdas/handlers/monthly-export.js';
import { FakeClock } from '../../support/fake-clock.js';
import { lambdaContext } from './lambda-fixtures.js';

const FIXTURES = 'test/fixtures/aws/bills';
const LEDGER = ledgerTextLines(readFileSync(`${FIXTURES}/ledger.jsonl`, 'utf8'));
const INJECTED = (
  JSON.parse(readFileSync(`${FIXTURES}/injected.json`, 'utf8')) as {
    injected: { kind: string; instanceId: string; from: string; to: string }[];
  }
).injected.map((d) => `${d.kind} ${d.instanceId} ${d.from} ${d.to}`);

/** An S3 client answering List (two keys a page), Head and ranged Get from in-memory objects. */
const fakeS3 = (objects: Record<string, Uint8Array>) => ({
  send: async (command: unknown): Promise<unknown> => {
    if (command instanceof ListObjectsV2Command) {
      const keys = Object.keys(objects)
        .filter((k) => k.startsWith(command.input.Prefix ?? ''))
        .sort();
      const from = Number(command.input.ContinuationToken ?? 0);
      const page = keys.slice(from, from + 2);
      const more = from + 2 < keys.length;
      return {
        Contents: page.map((Key) => ({ Key })),
        IsTruncated: more,
        ...(more ? { NextContinuationToken: String(from + 2) } : {}),
      };
    }
    const key = (command as { input: { Key: string } }).input.Key;
    const bytes = objects[key];
    if (bytes === undefined) throw Object.assign(new Error(`NoSuchKey ${key}`), { name: 'NoSuchKey' });
    if (command instanceof HeadObjectCommand) return { ContentLength: bytes.byteLength };
    if (command instanceof GetObjectCommand) {
      const range = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? '');
      const body = range === null ? bytes : bytes.subarray(Number(range[1]), Number(range[2]) + 1);
      return {
        Body: Object.assign(Readable.from([Buffer.from(body)]), { transformToByteArray: async () => body }),
      };
    }
    throw new Error(`unexpected command ${String(command)}`);
  },
});

const run = async (objects: Record<string, Uint8Array>) => {
  const written: ExportObject[] = [];
  const handler = makeHandler({
    records: () => parseLedgerLines(LEDGER),
    clock: new FakeClock('2026-12-05T04:00:00.000Z'),
    obs: quietObservability(),
    bill: s3BillFiles(fakeS3(objects) as never, 'payer-exports', 'cur2/qm/'),
    billSource: 's3://payer-exports/cur2/qm/',
    write: async (object) => {
      written.push(object);
    },
  });
  const result = await handler({} as never, lambdaContext('qm-bill-reconcile'));
  return { result, written };
};

const DATA = 'cur2/qm/qm-cur2/data/BILLING_PERIOD=2026-11';
const gz = new Uint8Array(readFileSync(`${FIXTURES}/cur2-hourly.csv.gz`));

describe('bill-reconcile handler', () => {
  it("reconciles last month's data files and writes JSON and HTML beside the monthly export", async () => {
    const { result, written } = await run({
      [`${DATA}/qm-cur2-00001.csv.gz`]: gz,
      'cur2/qm/qm-cur2/metadata/BILLING_PERIOD=2026-11/qm-cur2-Manifest.json': new TextEncoder().encode('{}'),
      'cur2/qm/qm-cur2/data/BILLING_PERIOD=2026-10/qm-cur2-00001.csv.gz': new Uint8Array([1, 2, 3]),
    });
    expect(result).toEqual({
      period: '2026-11',
      files: 1,
      keys: ['exports/2026-11/bill-reconciliation.json', 'exports/2026-11/bill-reconciliation.html'],
      differences: 5,
    });
    const report = JSON.parse(written[0]?.body ?? '') as BillReconciliation;
    expect(report.differences.map((d) => `${d.kind} ${d.instanceId} ${d.from} ${d.to}`).sort()).toEqual(
      [...INJECTED].sort(),
    );
    expect(report.source).toBe('s3://payer-exports/cur2/qm/ (1 file of 2026-11)');
    expect(written[1]?.contentType).toBe('text/html; charset=utf-8');
    expect(written[1]?.body).toContain('<section id="bill-reconciliation"');
  });

  it('reads Parquet by ranged GETs and a month split into parts as one bill', async () => {
    const whole = await run({
      [`${DATA}/qm-cur2-00001.parquet`]: new Uint8Array(readFileSync(`${FIXTURES}/cur2-hourly.parquet`)),
    });
    expect(whole.result.differences).toBe(5);
    const lines = gunzipSync(gz).toString('utf8').trimEnd().split('\n');
    const [header, ...rows] = lines;
    const half = Math.floor(rows.length / 2);
    const part = (slice: string[]) => new TextEncoder().encode(`${[header, ...slice].join('\n')}\n`);
    const split = await run({
      [`${DATA}/qm-cur2-00001.csv`]: part(rows.slice(0, half)),
      [`${DATA}/qm-cur2-00002.csv`]: part(rows.slice(half)),
    });
    expect(split.result.files).toBe(2);
    const a = JSON.parse(whole.written[0]?.body ?? '') as BillReconciliation;
    const b = JSON.parse(split.written[0]?.body ?? '') as BillReconciliation;
    expect(b.totals).toEqual(a.totals);
    expect(b.differences.map((d) => d.kind)).toEqual(a.differences.map((d) => d.kind));
  });

  it('writes nothing while the export holds no file of the month', async () => {
    const { result, written } = await run({ 'cur2/qm/qm-cur2/data/BILLING_PERIOD=2026-10/x.csv.gz': gz });
    expect(result).toEqual({ period: '2026-11', files: 0, keys: [], differences: 0 });
    expect(written).toEqual([]);
  });

  it("takes a period's data files only", () => {
    expect(isBillDataKey('p/e/data/BILLING_PERIOD=2026-11/e-00001.csv.gz', '2026-11')).toBe(true);
    expect(isBillDataKey('p/e/data/BILLING_PERIOD=2026-11/e-00001.snappy.parquet', '2026-11')).toBe(true);
    expect(isBillDataKey('p/e/metadata/BILLING_PERIOD=2026-11/e-Manifest.json', '2026-11')).toBe(false);
    expect(isBillDataKey('p/e/data/BILLING_PERIOD=2026-1/e.csv', '2026-11')).toBe(false);
  });
});
