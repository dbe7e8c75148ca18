import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  type ObjectLockRetentionMode,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DigestStore } from '../core/audit/digest-store.js';
import type { Clock } from '../core/ports.js';

type S3 = Pick<S3Client, 'send'>;

export interface S3DigestStoreOptions {
  readonly client: S3;
  readonly bucket: string;
  /** e.g. `digests/`; keys are `<prefix><digestKey>`. */
  readonly prefix: string;
  readonly clock: Clock;
}

interface Lock {
  readonly mode: ObjectLockRetentionMode;
  readonly days: number;
}

const DAY_MS = 86_400_000;

/**
 * Signed digests as objects under a prefix of the export bucket. When the bucket has Object Lock,
 * each digest is written with a retention of its own (the bucket's default rule: mode and days),
 * so a digest cannot be replaced or deleted before it runs out, even if the bucket's default is
 * later changed; a write never replaces an existing key (`If-None-Match: *`).
 */
export const s3DigestStore = (options: S3DigestStoreOptions): DigestStore => {
  const { client, bucket, prefix, clock } = options;
  let lock: Promise<Lock | null> | undefined;
  const lockOf = async (): Promise<Lock | null> => {
    try {
      const out = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      const config = out.ObjectLockConfiguration;
      if (config?.ObjectLockEnabled !== 'Enabled') return null;
      const retention = config.Rule?.DefaultRetention;
      const days = retention?.Days ?? (retention?.Years === undefined ? undefined : retention.Years * 365);
      return { mode: retention?.Mode ?? 'GOVERNANCE', days: days ?? 365 };
    } catch (error) {
      if ((error as { name?: string }).name === 'ObjectLockConfigurationNotFoundError') return null;
      throw error;
    }
  };
  return {
    async latest() {
      let token: string | undefined;
      let last: string | undefined;
      // Keys sort by sequence; S3 lists in key order, so the last key listed is the latest digest.
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key?.endsWith('.json') === true && !object.Key.slice(prefix.length).includes('/'))
            last = object.Key;
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      if (last === undefined) return undefined;
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: last }));
      const text = await object.Body?.transformToString('utf-8');
      if (text === undefined) throw new Error(`s3://${bucket}/${last}: no body`);
      return { key: last.slice(prefix.length), text };
    },
    async put(key, text) {
      lock ??= lockOf();
      const retention = await lock;
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${key}`,
          Body: text,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          // Object Lock writes must carry a checksum (Content-MD5 or a flexible one).
          ChecksumAlgorithm: 'SHA256',
          ...(retention === null
            ? {}
            : {
                ObjectLockMode: retention.mode,
                ObjectLockRetainUntilDate: new Date(clock.now().getTime() + retention.days * DAY_MS),
              }),
        }),
      );
    },
  };
};
