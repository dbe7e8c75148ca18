/** One member of a bucket: its listing key and the id the record is stored under. */
export interface IndexEntry {
  readonly key: string;
  readonly id: string;
}

/** Index of the first entry whose key is greater than `key` (keys compare as strings). */
export const firstAfter = (entries: readonly IndexEntry[], key: string): number => {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as IndexEntry).key > key) hi = mid;
    else lo = mid + 1;
  }
  return lo;
};

/** Index of the first entry whose key is not less than `key`. */
const firstFrom = (entries: readonly IndexEntry[], key: string): number => {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as IndexEntry).key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * Ids grouped by a bucket (a state, a team and month, a job) and kept in listing-key order, so a
 * query reads its bucket's page instead of scanning and sorting every record. Keys are unique
 * within a bucket (they end with the record's id), so the order is total.
 */
export class SortedIndex {
  readonly #buckets = new Map<string, IndexEntry[]>();
  /** Where each id is filed now, to move it when its bucket or key changes. */
  readonly #placed = new Map<string, { readonly bucket: string; readonly key: string }>();

  /** Files `id` under `bucket` at `key`, moving it from where it was. */
  put(id: string, bucket: string, key: string): void {
    const was = this.#placed.get(id);
    if (was !== undefined) {
      if (was.bucket === bucket && was.key === key) return;
      this.#remove(id, was.bucket, was.key);
    }
    const entries = this.#buckets.get(bucket) ?? [];
    if (entries.length === 0) this.#buckets.set(bucket, entries);
    entries.splice(firstFrom(entries, key), 0, { key, id });
    this.#placed.set(id, { bucket, key });
  }

  #remove(id: string, bucket: string, key: string): void {
    const entries = this.#buckets.get(bucket);
    if (entries === undefined) return;
    const at = firstFrom(entries, key);
    if (entries[at]?.id === id) entries.splice(at, 1);
    if (entries.length === 0) this.#buckets.delete(bucket);
  }

  /** The bucket's entries in key order (empty for a bucket nothing was filed under). */
  entries(bucket: string): readonly IndexEntry[] {
    return this.#buckets.get(bucket) ?? [];
  }
}
