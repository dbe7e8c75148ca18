import type { ChainHead, ChainInterval } from '../ports.js';
import { DIGEST_VERSION, type Digest, digestHash } from './digest.js';

/** The digest before the next one, with the key it is stored under. */
export interface PreviousDigest {
  readonly key: string;
  readonly digest: Digest;
}

/** The interval the next digest covers: from the previous digest's end (or the beginning) to `end`. */
export const nextInterval = (previous: PreviousDigest | undefined, end: string): ChainInterval => ({
  after: previous?.digest.end ?? null,
  until: end,
});

/**
 * The digest after `previous`, over the heads of its interval.
 * @throws RangeError when `end` is not after the previous digest's end
 */
export const nextDigest = (
  previous: PreviousDigest | undefined,
  end: string,
  heads: readonly ChainHead[],
): Digest => {
  if (Number.isNaN(Date.parse(end)))
    throw new RangeError(`digest end ${JSON.stringify(end)} is not an instant`);
  if (previous !== undefined && Date.parse(end) <= Date.parse(previous.digest.end))
    throw new RangeError(`digest end ${end} is not after the previous digest's end ${previous.digest.end}`);
  return {
    version: DIGEST_VERSION,
    sequence: previous === undefined ? 1 : previous.digest.sequence + 1,
    start: previous?.digest.end ?? null,
    end,
    heads,
    previousDigestKey: previous?.key ?? null,
    previousDigestHash: previous === undefined ? null : digestHash(previous.digest),
  };
};
