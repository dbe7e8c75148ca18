import { CreateKeyCommand, GetPublicKeyCommand } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { createTable, DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import { createKmsClient } from '../../lambdas/adapters/kms-client.js';
import { kmsDigestSigner } from '../../lambdas/adapters/kms-digest-signer.js';
import { publicKeyVerifier } from '../../lambdas/adapters/public-key-verifier.js';
import { s3DigestStore } from '../../lambdas/adapters/s3-digest-store.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import type { StoredDigest } from '../../lambdas/core/audit/digest-store.js';
import { verifyDigests } from '../../lambdas/core/audit/digest-verifier.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import { exportLedgerPeriod } from '../../lambdas/core/use-cases/ledger-export-period.js';
import { writeDigest } from '../../lambdas/core/use-cases/write-digest.js';
import { FakeClock } from '../support/fake-clock.js';
import { allocationFor, jobRequest } from '../support/ledger-fixtures.js';
import { motoClientConfig, motoEndpoint, resetMoto, TEST_REGION } from '../support/moto.js';

const BUCKET = 'qm-digest-exports';
const PREFIX = 'digests/';

let s3: S3Client;
let kms: ReturnType<typeof createKmsClient>;
let keyId: string;

beforeAll(async () => {
  await resetMoto();
  s3 = new S3Client({ region: TEST_REGION, endpoint: motoEndpoint(), forcePathStyle: true, maxAttempts: 1 });
  kms = createKmsClient(motoClientConfig());
  const key = await kms.send(
    new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'digests' }),
  );
  keyId = key.KeyMetadata?.Arn as string;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: BUCKET,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } },
      },
    }),
  );
});

const downloaded = async (): Promise<StoredDigest[]> => {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX }));
  return Promise.all(
    (list.Contents ?? []).map(async (o) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
      return {
        key: (o.Key as string).slice(PREFIX.length),
        text: (await object.Body?.transformToString()) ?? '',
      };
    }),
  );
};

describe('signed digests on moto: KMS ECC_NIST_P256, S3 with Object Lock, the DynamoDB ledger', () => {
  it('writes two consecutive digests of a live ledger and verifies them with the downloaded public key', async () => {
    const dynamo = createDynamoDbClient(motoClientConfig());
    const [tableName, eventsTableName] = await Promise.all([
      createTable(dynamo, LEDGER_TABLE, `qm-digest${LEDGER_TABLE.nameSuffix}`),
      createTable(dynamo, EVENTS_TABLE, `qm-digest${EVENTS_TABLE.nameSuffix}`),
    ]);
    const clock = new FakeClock('2026-03-01T12:00:00.000Z');
    const ledger = new DynamoDbLedger({ client: dynamo, tableName, eventsTableName, clock });
    const deps = {
      ledger,
      store: s3DigestStore({ client: s3, bucket: BUCKET, prefix: PREFIX, clock }),
      signer: kmsDigestSigner(kms, keyId),
    };

    await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 500 });
    const one = await ledger.putJobIfAbsent({ request: jobRequest('job-1'), messageId: 'm-1' });
    clock.advance(60_000);
    const first = await writeDigest(deps, clock.now().toISOString());
    clock.advance(60_000);
    await ledger.allocate(allocationFor(one.job, 60, 500));
    await ledger.putJobIfAbsent({ request: jobRequest('job-2'), messageId: 'm-2' });
    clock.advance(60_000);
    const second = await writeDigest(deps, clock.now().toISOString());

    expect(first.signed.signature).toMatchObject({ keyId, algorithm: 'ECDSA_SHA_256' });
    expect(first.signed.digest.heads.map((h) => [h.chainId, h.eventCount])).toEqual([
      ['budget/vision/2026-03', 1],
      ['job-1', 1],
    ]);
    expect(second.signed.digest).toMatchObject({ sequence: 2, previousDigestKey: first.key });
    expect(second.signed.digest.heads.map((h) => [h.chainId, h.eventCount])).toEqual([
      ['budget/vision/2026-03', 2],
      ['job-1', 2],
      ['job-2', 1],
    ]);

    const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    // moto names the spec in the older field only.
    expect(publicKey.KeySpec ?? publicKey.CustomerMasterKeySpec).toBe('ECC_NIST_P256');
    expect(publicKey.KeyUsage).toBe('SIGN_VERIFY');
    expect(publicKey.SigningAlgorithms).toContain('ECDSA_SHA_256');
    const verifier = publicKeyVerifier(publicKey.PublicKey as Uint8Array);
    const records: LedgerRecord[] = [];
    for await (const r of exportLedgerPeriod(ledger, ['vision'], '2026-03')) records.push(r);
    const stored = await downloaded();
    expect(stored.map((s) => s.key)).toEqual([first.key, second.key]);
    const verdict = verifyDigests(stored, verifier, records);
    expect(verdict.findings).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, signed: 2, uncoveredEvents: 0 });

    // Each digest carries a retention of its own, from the bucket's default rule (moto has no
    // GetObjectRetention; HeadObject returns the same two fields).
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}${second.key}` }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(clock.now().getTime() + 30 * 86_400_000);
    // A stored digest is never replaced.
    await expect(deps.store.put(second.key, '{}')).rejects.toThrow();

    // The same export with job-2 deleted, against the digests moto's KMS signed.
    const deleted = verifyDigests(
      stored,
      verifier,
      records.filter((r) => !('jobId' in r) || r.jobId !== 'job-2'),
    );
    expect(deleted.findings.map((f) => [f.kind, f.chainId, f.fromSequence])).toEqual([
      ['deleted-chain', 'job-2', 2],
    ]);
  });
});
