import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { AsyncBuffer } from 'hyparquet';
import type { BillFileSource } from '../core/use-cases/reconcile-bill-period.js';
import { BillFileError, openBillStream, openParquetBill } from './bill-export-file.js';

/**
 * The files an AWS Data Exports export delivers to S3, as a {@link BillFileSource}: keys listed a
 * page at a time under the prefix; CSV and gzip objects streamed from their body, Parquet read by
 * ranged GETs (its footer, then the column chunks of each row group).
 */

type S3 = Pick<S3Client, 'send'>;

export const s3BillFiles = (client: S3, bucket: string, prefix: string): BillFileSource => ({
  keys: async function* () {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  },
  open: async (key) => {
    const name = `s3://${bucket}/${key}`;
    if (key.toLowerCase().endsWith('.parquet')) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const size = head.ContentLength;
      if (size === undefined) throw new BillFileError(name, 'S3 gave no size for the object');
      const buffer: AsyncBuffer = {
        byteLength: size,
        async slice(start: number, end?: number) {
          const last = (end ?? size) - 1;
          if (last < start) return new ArrayBuffer(0);
          const part = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${last}` }),
          );
          const bytes = await part.Body?.transformToByteArray();
          if (bytes === undefined)
            throw new BillFileError(name, `S3 returned no body for bytes ${start}-${last}`);
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        },
      };
      return openParquetBill(name, buffer);
    }
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (object.Body === undefined) throw new BillFileError(name, 'S3 returned no body');
    return openBillStream(name, object.Body as Readable);
  },
});
