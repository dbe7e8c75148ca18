import { sha256Hex } from '../ledger/event-chain.js';

/** CreateFleet's ClientToken allows 64 ASCII characters; allocation ids are used as one. */
export const MAX_ALLOCATION_ID_LENGTH = 64;

/**
 * The id of a job's `attempt`-th allocation: `<jobId>.a<attempt>`, deterministic so a retried
 * solve that re-reads the same job version proposes the same id. Ids end in exactly one `.a<n>`, so
 * two jobs never share one. A jobId too long to fit is replaced by a hash prefix.
 *
 * @example allocationIdFor('train-42', 1) // 'train-42.a1'
 */
export const allocationIdFor = (jobId: string, attempt: number): string => {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`allocationIdFor(${jobId}): attempt ${attempt} must be an integer ≥ 1`);
  }
  const suffix = `.a${attempt}`;
  if (jobId.length + suffix.length <= MAX_ALLOCATION_ID_LENGTH) return `${jobId}${suffix}`;
  return `h-${sha256Hex(jobId).slice(0, 40)}${suffix}`;
};
