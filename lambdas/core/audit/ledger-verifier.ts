import type { LedgerRecord } from '../ledger/ledger-export.js';
import { type AuditFilter, type LedgerAudit, LedgerAuditor } from './audit.js';
import { type RecordAudit, RecordCrossCheck } from './record-cross-check.js';

/**
 * `qm audit verify` in one pass: every chain checked link by link against its head, and every
 * job, usage and budget record held against the chain that states its facts (ADR 0010).
 */

export interface LedgerVerdict {
  /** True when every chain is intact and no record disagrees with its chain. */
  readonly ok: boolean;
  readonly chains: LedgerAudit;
  readonly records: RecordAudit;
}

export class LedgerVerifier {
  private readonly auditor: LedgerAuditor;
  private readonly crossCheck: RecordCrossCheck;

  constructor(filter: AuditFilter = {}) {
    this.auditor = new LedgerAuditor(filter);
    // The chain audit decides which chains the filter and window keep; records follow their chain.
    const filtered = filter.jobId !== undefined || filter.fromMs !== undefined || filter.toMs !== undefined;
    this.crossCheck = new RecordCrossCheck(
      filtered ? (chainId) => this.auditor.verified(chainId) : () => true,
    );
  }

  add(record: LedgerRecord, line: number | null = null): void {
    this.auditor.add(record, line);
    this.crossCheck.add(record, line);
  }

  finish(): LedgerVerdict {
    const chains = this.auditor.finish();
    const records = this.crossCheck.finish(new Set(chains.failures.map((f) => f.jobId)));
    return { ok: chains.ok && records.ok, chains, records };
  }
}

/** Verifies records held in memory (tests, small exports). */
export const verifyLedgerRecords = (
  records: Iterable<LedgerRecord>,
  filter: AuditFilter = {},
): LedgerVerdict => {
  const verifier = new LedgerVerifier(filter);
  let line = 0;
  for (const record of records) {
    line += 1;
    verifier.add(record, line);
  }
  return verifier.finish();
};
