import { chainHeadsIn } from '../../lambdas/core/audit/chain-heads-in.js';
import type { DigestStore, StoredDigest } from '../../lambdas/core/audit/digest-store.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import type { ChainHeadSource } from '../../lambdas/core/ports.js';

/** A digest store in memory; `put` refuses an existing key, as the real stores do. */
export class MemoryDigestStore implements DigestStore {
  readonly files = new Map<string, string>();

  async latest(): Promise<StoredDigest | undefined> {
    const key = [...this.files.keys()].sort().at(-1);
    return key === undefined ? undefined : { key, text: this.files.get(key) as string };
  }

  async put(key: string, text: string): Promise<void> {
    if (this.files.has(key)) throw new Error(`${key} exists`);
    this.files.set(key, text);
  }

  stored(): StoredDigest[] {
    return [...this.files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, text]) => ({ key, text }));
  }
}

/** The chain heads of a ledger export's events, as a ledger would list them. */
export const exportHeadSource = (records: readonly LedgerRecord[]): ChainHeadSource => ({
  async listChainHeads(interval) {
    return chainHeadsIn(
      records.flatMap((r) => (r.kind === 'event' ? [r] : [])),
      interval,
    );
  },
});
