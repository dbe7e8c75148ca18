import { createPublicKey, verify } from 'node:crypto';
import type { DigestSignature, SignatureVerifier } from '../core/audit/digest-signer.js';

/**
 * Verifies digest signatures with a public key: PEM, or the DER SPKI bytes KMS GetPublicKey
 * returns. ECDSA over SHA-256 with a DER signature, which is what both signers produce.
 * @throws TypeError when the bytes are no public key
 */
export const publicKeyVerifier = (publicKey: Uint8Array | string): SignatureVerifier => {
  const text = typeof publicKey === 'string' ? publicKey : Buffer.from(publicKey).toString('utf8');
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
  } catch (error) {
    throw new TypeError(`not a public key (PEM or DER SPKI): ${(error as Error).message}`);
  }
  return {
    verify(bytes: Uint8Array, signature: DigestSignature): boolean {
      if (signature.algorithm !== 'ECDSA_SHA_256') return false;
      try {
        return verify('sha256', bytes, key, Buffer.from(signature.signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
};

/** PEM text of a DER SPKI public key (what KMS GetPublicKey returns). */
export const spkiPem = (der: Uint8Array): string =>
  createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
