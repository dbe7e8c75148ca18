import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import type { DigestSignature, DigestSigner } from '../core/audit/digest-signer.js';
import { DIGEST_SIGNING_ALGORITHM } from './kms-digest-signer.js';

/**
 * The embedded mode's signer: an ECDSA P-256 private key in a PEM file, used as KMS uses its key
 * (SHA-256, DER signature), so one verifier checks digests from either.
 */

/** A new P-256 key pair as PEM: PKCS#8 private key, SPKI public key. */
export const generateDigestKeyPair = (): { privateKeyPem: string; publicKeyPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

/** The SPKI public key (PEM) of a private key. */
export const publicKeyPemOf = (privateKey: KeyObject): string =>
  createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();

/** A local key's id: `local:` and the SHA-256 of its public key's DER, so digests name which key signed. */
export const localKeyId = (privateKey: KeyObject): string =>
  `local:${createHash('sha256')
    .update(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;

/** @throws TypeError when the PEM is not an EC P-256 private key */
export const keyFileDigestSigner = (privateKeyPem: string): DigestSigner => {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new TypeError('the digest key must be an EC P-256 private key (PEM)');
  const keyId = localKeyId(key);
  return {
    async sign(bytes: Uint8Array): Promise<DigestSignature> {
      return {
        signature: sign('sha256', bytes, key).toString('base64'),
        keyId,
        algorithm: DIGEST_SIGNING_ALGORITHM,
      };
    },
  };
};
