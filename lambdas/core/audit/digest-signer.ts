/**
 * The signing and verifying sides of a digest (ECDSA P-256 over SHA-256 of the digest's bytes, or
 * whatever the key's algorithm is). The crypto lives in adapters: a KMS key in the deployment, a
 * local key file in the embedded mode; core only hands bytes over and keeps what comes back.
 */

export interface DigestSignature {
  /** Base64 of the signature (DER for ECDSA, as KMS returns it). */
  readonly signature: string;
  /** The key's id: a KMS key ARN, or a local key's fingerprint. */
  readonly keyId: string;
  /** e.g. `ECDSA_SHA_256`. */
  readonly algorithm: string;
}

export interface DigestSigner {
  sign(bytes: Uint8Array): Promise<DigestSignature>;
}

/** Verifies a signature with a public key the verifier was given, never one a digest names. */
export interface SignatureVerifier {
  verify(bytes: Uint8Array, signature: DigestSignature): boolean;
}
