import { createHash } from 'node:crypto';
import { type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { DigestSignature, DigestSigner } from '../core/audit/digest-signer.js';

/** KMS signs a RAW message of at most this many bytes; longer ones are sent as their SHA-256. */
export const KMS_RAW_MESSAGE_LIMIT = 4096;

export const DIGEST_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/**
 * Signs digests with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY). The signature is the
 * same either way: ECDSA over SHA-256 of the bytes; a digest of many heads exceeds KMS's RAW limit,
 * so it is hashed here and sent as DIGEST. The private key never leaves KMS.
 */
export const kmsDigestSigner = (client: Pick<KMSClient, 'send'>, keyId: string): DigestSigner => ({
  async sign(bytes: Uint8Array): Promise<DigestSignature> {
    const raw = bytes.byteLength <= KMS_RAW_MESSAGE_LIMIT;
    const out = await client.send(
      new SignCommand({
        KeyId: keyId,
        Message: raw ? bytes : createHash('sha256').update(bytes).digest(),
        MessageType: raw ? 'RAW' : 'DIGEST',
        SigningAlgorithm: DIGEST_SIGNING_ALGORITHM,
      }),
    );
    if (out.Signature === undefined) throw new Error(`KMS Sign with key ${keyId} returned no signature`);
    return {
      signature: Buffer.from(out.Signature).toString('base64'),
      keyId: out.KeyId ?? keyId,
      algorithm: out.SigningAlgorithm ?? DIGEST_SIGNING_ALGORITHM,
    };
  },
});
