import * as z from 'zod/mini';
import { DIGEST_VERSION, type Digest, digestBytes } from './digest.js';
import type { DigestSignature, DigestSigner, SignatureVerifier } from './digest-signer.js';

/** A digest with its signature: what a digest file holds (pretty JSON; the signed bytes are `digestText`). */
export interface SignedDigest {
  readonly digest: Digest;
  readonly signature: DigestSignature;
}

const HeadSchema = z.object({
  chainId: z.string(),
  eventCount: z.int(),
  headHash: z.string(),
  lastEventAt: z.string(),
});

const SignedDigestSchema = z.object({
  digest: z.object({
    version: z.literal(DIGEST_VERSION),
    sequence: z.int(),
    start: z.nullable(z.string()),
    end: z.string(),
    heads: z.array(HeadSchema),
    previousDigestKey: z.nullable(z.string()),
    previousDigestHash: z.nullable(z.string()),
  }),
  signature: z.object({ signature: z.string(), keyId: z.string(), algorithm: z.string() }),
});

/** Signs a digest's canonical bytes. */
export const signDigest = async (digest: Digest, signer: DigestSigner): Promise<SignedDigest> => ({
  digest,
  signature: await signer.sign(digestBytes(digest)),
});

/** Whether the signature is over this digest's canonical bytes, by the verifier's key. */
export const digestSignatureValid = (signed: SignedDigest, verifier: SignatureVerifier): boolean =>
  verifier.verify(digestBytes(signed.digest), signed.signature);

export const signedDigestText = (signed: SignedDigest): string => `${JSON.stringify(signed, null, 2)}\n`;

/** @throws TypeError naming the first field that is not a digest's */
export const parseSignedDigest = (text: string, source: string): SignedDigest => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${source}: not JSON: ${(error as Error).message}`);
  }
  const result = SignedDigestSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TypeError(
      `${source}: not a signed digest: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`}`,
    );
  }
  return result.data;
};
