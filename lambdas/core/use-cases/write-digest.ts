import { digestKey } from '../audit/digest.js';
import type { DigestSigner } from '../audit/digest-signer.js';
import type { DigestStore } from '../audit/digest-store.js';
import { nextDigest, nextInterval, type PreviousDigest } from '../audit/next-digest.js';
import {
  parseSignedDigest,
  type SignedDigest,
  signDigest,
  signedDigestText,
} from '../audit/signed-digest.js';
import type { ChainHeadSource } from '../ports.js';

export interface WriteDigestDeps {
  readonly ledger: ChainHeadSource;
  readonly store: DigestStore;
  readonly signer: DigestSigner;
}

export interface WrittenDigest {
  readonly key: string;
  readonly signed: SignedDigest;
}

/**
 * Writes the next signed digest: every chain head the ledger moved since the last stored digest's
 * end, up to `end`, linked to that digest by its hash. The caller picks `end` a little behind its
 * clock (the handler: `settleSeconds`), so a write whose event instant is just before `end` has
 * committed when the heads are read.
 * @throws RangeError when `end` is not after the last digest's end; the store's error when the key exists
 */
export const writeDigest = async (deps: WriteDigestDeps, end: string): Promise<WrittenDigest> => {
  const stored = await deps.store.latest();
  const previous: PreviousDigest | undefined =
    stored === undefined
      ? undefined
      : { key: stored.key, digest: parseSignedDigest(stored.text, stored.key).digest };
  const heads = await deps.ledger.listChainHeads(nextInterval(previous, end));
  const digest = nextDigest(previous, end, heads);
  const signed = await signDigest(digest, deps.signer);
  const key = digestKey(digest.sequence, digest.end);
  await deps.store.put(key, signedDigestText(signed));
  return { key, signed };
};
