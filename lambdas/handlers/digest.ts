import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import type { ScheduledEvent } from 'aws-lambda';
import { createKmsClient } from '../adapters/kms-client.js';
import { kmsDigestSigner } from '../adapters/kms-digest-signer.js';
import { s3DigestStore } from '../adapters/s3-digest-store.js';
import type { DigestSigner } from '../core/audit/digest-signer.js';
import type { DigestStore } from '../core/audit/digest-store.js';
import type { ChainHeadSource, Clock } from '../core/ports.js';
import { type WrittenDigest, writeDigest } from '../core/use-cases/write-digest.js';
import { ConfigError } from './config.js';
import {
  DEFAULT_DIGEST_PREFIX,
  DEFAULT_SETTLE_SECONDS,
  DIGEST_KEY_ENV,
  DIGEST_PREFIX_ENV,
  DIGEST_SETTLE_ENV,
} from './digest-settings.js';
import { createLedger } from './ledger-wiring.js';
import { createObservability, type Observability, withObservability } from './middleware.js';
import { EXPORT_BUCKET_ENV } from './monthly-export.js';
import { clientConfig, lazyHandler, sharedConfig, systemClock } from './runtime.js';

export interface DigestDeps {
  readonly ledger: ChainHeadSource;
  readonly store: DigestStore;
  readonly signer: DigestSigner;
  readonly clock: Clock;
  readonly settleSeconds: number;
  readonly obs: Observability;
}

export interface DigestResult {
  readonly key: string;
  readonly sequence: number;
  readonly heads: number;
  readonly end: string;
}

/**
 * The digest Lambda (schedule, hourly by default): the next signed digest of the chain heads the
 * ledger moved since the last one, to the export bucket under Object Lock (issue 13 part 2).
 */
export const makeHandler = (deps: DigestDeps) =>
  withObservability(deps.obs, async (_event: ScheduledEvent): Promise<DigestResult> => {
    const end = new Date(deps.clock.now().getTime() - deps.settleSeconds * 1000).toISOString();
    const written: WrittenDigest = await writeDigest(deps, end);
    const { digest } = written.signed;
    deps.obs.logger.info('digest written', {
      key: written.key,
      sequence: digest.sequence,
      heads: digest.heads.length,
      start: digest.start,
      end: digest.end,
    });
    deps.obs.metrics.addMetric('DigestChainHeads', MetricUnit.Count, digest.heads.length);
    return { key: written.key, sequence: digest.sequence, heads: digest.heads.length, end: digest.end };
  });

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new ConfigError(`invalid handler configuration: ${name}: required`);
  return value;
};

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  // Read here rather than in config.ts: only this function signs digests.
  const bucket = required(EXPORT_BUCKET_ENV);
  const keyId = required(DIGEST_KEY_ENV);
  const settle = Number(process.env[DIGEST_SETTLE_ENV] ?? DEFAULT_SETTLE_SECONDS);
  if (!Number.isInteger(settle) || settle < 0)
    throw new ConfigError(
      `invalid handler configuration: ${DIGEST_SETTLE_ENV}: a whole number of seconds ≥ 0`,
    );
  const endpoint = config.endpoint;
  const s3 = new S3Client({
    region: config.region,
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
  });
  return makeHandler({
    ledger: createLedger(config, systemClock),
    store: s3DigestStore({
      client: s3,
      bucket,
      prefix: process.env[DIGEST_PREFIX_ENV] ?? DEFAULT_DIGEST_PREFIX,
      clock: systemClock,
    }),
    signer: kmsDigestSigner(createKmsClient(clientConfig(config)), keyId),
    clock: systemClock,
    settleSeconds: settle,
    obs: createObservability('digest'),
  });
});
