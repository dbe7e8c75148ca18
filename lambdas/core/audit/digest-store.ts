/** Where signed digests are kept: objects under a prefix of the export bucket, or a directory. */

export interface StoredDigest {
  /** The digest's key, relative to the store (`digestKey`). */
  readonly key: string;
  readonly text: string;
}

export interface DigestStore {
  /** The digest with the greatest key, i.e. the highest sequence; undefined when none is stored. */
  latest(): Promise<StoredDigest | undefined>;
  /** Writes a new digest; never replaces one (the store refuses an existing key). */
  put(key: string, text: string): Promise<void>;
}
