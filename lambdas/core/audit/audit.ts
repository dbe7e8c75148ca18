import { budgetChainId, parseBudgetChainId } from '../ledger/budget-chain.js';
import { type ChainFault, eventHash, GENESIS_HASH } from '../ledger/event-chain.js';
import type { LedgerRecord } from '../ledger/ledger-export.js';
import type { JobEvent } from '../ports.js';

/**
 * Audit of a ledger's event chains. Every job's events are checked in the order stored, as
 * `verifyChain` does, but incrementally, so an export with millions of events is verified in one
 * pass holding a few fields per job. Where the export also holds the job record, its event count
 * and head hash are compared with the chain, which catches a deleted or forged last event that the
 * chain alone cannot show. Budget chains (ADR 0010) are verified the same way against the head
 * their budget record keeps.
 */

/** Why a job fails the audit: a chain fault, or a chain that disagrees with its job record. */
export type AuditFault = ChainFault | 'missing-tail' | 'head-mismatch';

export interface AuditFinding {
  /** Seq of the first bad event (for `missing-seq` and `missing-tail`, the seq that is missing). */
  readonly seq: number;
  readonly reason: AuditFault;
  readonly detail: string;
  /** 1-based line of the export, when the events came from a file. */
  readonly line: number | null;
}

export interface JobAudit {
  readonly jobId: string;
  readonly events: number;
  readonly ok: boolean;
  readonly finding: AuditFinding | null;
}

export interface LedgerAudit {
  readonly ok: boolean;
  /** Job chains verified. */
  readonly jobs: number;
  /** Budget chains verified (chain ids `budget/<team>/<period>`). */
  readonly budgets: number;
  readonly events: number;
  /** Failing chains, by chain id (a job id, or a budget chain id). */
  readonly failures: readonly JobAudit[];
}

interface Pending {
  readonly expectedSeq: number;
  readonly found: number;
  readonly index: number;
  readonly line: number | null;
  resolvedReordered: boolean;
}

interface ChainState {
  count: number;
  prevHash: string;
  finding: AuditFinding | null;
  /** A gap seen but not yet told apart from reordering (a later event may carry the seq). */
  pending: Pending | null;
  firstAtMs: number;
  lastAtMs: number;
  head: { readonly eventCount: number; readonly headHash: string } | null;
}

export interface AuditFilter {
  readonly jobId?: string;
  /** Only jobs with an event in `[fromMs, toMs)`. */
  readonly fromMs?: number;
  readonly toMs?: number;
}

/**
 * Verifies events as they stream past. Feed events (in stored order per job) and job heads in any
 * order; `finish` gives the verdict.
 * @example const auditor = new LedgerAuditor(); for (const e of events) auditor.addEvent(e); auditor.finish();
 */
export class LedgerAuditor {
  private readonly chains = new Map<string, ChainState>();
  private readonly heads = new Map<string, { eventCount: number; headHash: string }>();
  private events = 0;
  private readonly audited = new Set<string>();

  constructor(private readonly filter: AuditFilter = {}) {}

  private state(jobId: string): ChainState {
    let s = this.chains.get(jobId);
    if (s === undefined) {
      s = {
        count: 0,
        prevHash: GENESIS_HASH,
        finding: null,
        pending: null,
        firstAtMs: Number.POSITIVE_INFINITY,
        lastAtMs: Number.NEGATIVE_INFINITY,
        head: null,
      };
      this.chains.set(jobId, s);
    }
    return s;
  }

  /** The job record's view of its chain: how many events and the last one's hash. */
  addJobHead(jobId: string, eventCount: number, headHash: string): void {
    if (this.filter.jobId !== undefined && jobId !== this.filter.jobId) return;
    this.heads.set(jobId, { eventCount, headHash });
  }

  addEvent(event: JobEvent, line: number | null = null): void {
    if (this.filter.jobId !== undefined && event.jobId !== this.filter.jobId) return;
    this.events += 1;
    const s = this.state(event.jobId);
    const index = s.count;
    s.count += 1;
    const atMs = Date.parse(event.at);
    if (!Number.isNaN(atMs)) {
      s.firstAtMs = Math.min(s.firstAtMs, atMs);
      s.lastAtMs = Math.max(s.lastAtMs, atMs);
    }
    if (s.pending !== null && event.seq === s.pending.expectedSeq) s.pending.resolvedReordered = true;
    if (s.finding !== null || s.pending !== null) return;

    const expectedSeq = index + 1;
    if (event.seq !== expectedSeq) {
      if (event.seq > expectedSeq) {
        // A gap unless the missing seq turns up later, which makes it a reordering.
        s.pending = { expectedSeq, found: event.seq, index, line, resolvedReordered: false };
      } else {
        s.finding = {
          seq: event.seq,
          reason: 'reordered',
          detail: `expected seq ${expectedSeq} at position ${index + 1} of the job's events, found ${event.seq}`,
          line,
        };
      }
      return;
    }
    let recomputed: string;
    try {
      recomputed = eventHash(event);
    } catch (error) {
      s.finding = {
        seq: event.seq,
        reason: 'altered',
        detail: `content is not canonical JSON: ${(error as Error).message}`,
        line,
      };
      return;
    }
    if (recomputed !== event.hash) {
      s.finding = {
        seq: event.seq,
        reason: 'altered',
        detail: `${event.type} event content hashes to ${recomputed}, but the stored hash is ${event.hash}`,
        line,
      };
      return;
    }
    if (event.prevHash !== s.prevHash) {
      s.finding = {
        seq: event.seq,
        reason: 'broken-link',
        detail: `prevHash ${event.prevHash} is not the previous event's hash ${s.prevHash}`,
        line,
      };
      return;
    }
    s.prevHash = event.hash;
  }

  /** Feeds any ledger record; only events and the heads of job and budget records matter. */
  add(record: LedgerRecord, line: number | null = null): void {
    if (record.kind === 'event') {
      const { kind: _kind, ...event } = record;
      this.addEvent(event, line);
    } else if (record.kind === 'job') this.addJobHead(record.jobId, record.eventCount, record.headHash);
    else if (record.kind === 'budget' && record.eventCount !== undefined && record.headHash !== undefined)
      this.addJobHead(budgetChainId(record.team, record.period), record.eventCount, record.headHash);
  }

  /** After `finish`: whether the chain with this id was verified (in the filter and window). */
  verified(chainId: string): boolean {
    return this.audited.has(chainId);
  }

  private inWindow(s: ChainState): boolean {
    const { fromMs, toMs } = this.filter;
    if (fromMs === undefined && toMs === undefined) return true;
    return (
      s.lastAtMs >= (fromMs ?? Number.NEGATIVE_INFINITY) && s.firstAtMs < (toMs ?? Number.POSITIVE_INFINITY)
    );
  }

  private verdict(jobId: string, s: ChainState): JobAudit {
    let finding = s.finding;
    if (finding === null && s.pending !== null) {
      const p = s.pending;
      finding = p.resolvedReordered
        ? {
            seq: p.found,
            reason: 'reordered',
            detail: `expected seq ${p.expectedSeq} at position ${p.index + 1} of the job's events, found ${p.found}; seq ${p.expectedSeq} comes later`,
            line: p.line,
          }
        : {
            seq: p.expectedSeq,
            reason: 'missing-seq',
            detail: `event seq ${p.expectedSeq} is missing: found seq ${p.found} after seq ${p.expectedSeq - 1}`,
            line: p.line,
          };
    }
    const head = this.heads.get(jobId);
    if (finding === null && head !== undefined) {
      if (head.eventCount > s.count)
        finding = {
          seq: s.count + 1,
          reason: 'missing-tail',
          detail: `the job record counts ${head.eventCount} events but the ledger holds ${s.count}: seq ${s.count + 1}${head.eventCount > s.count + 1 ? `–${head.eventCount}` : ''} missing`,
          line: null,
        };
      else if (head.eventCount < s.count || head.headHash !== s.prevHash)
        finding = {
          seq: s.count,
          reason: 'head-mismatch',
          detail: `the job record's head is seq ${head.eventCount} with hash ${head.headHash}; the chain ends at seq ${s.count} with hash ${s.prevHash}`,
          line: null,
        };
    }
    return { jobId, events: s.count, ok: finding === null, finding };
  }

  finish(): LedgerAudit {
    // A job record whose events are all gone is a job with an empty chain.
    for (const jobId of this.heads.keys()) this.state(jobId);
    const failures: JobAudit[] = [];
    let jobs = 0;
    let budgets = 0;
    for (const [jobId, s] of [...this.chains.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!this.inWindow(s) && s.count > 0) continue;
      if (parseBudgetChainId(jobId) === undefined) jobs += 1;
      else budgets += 1;
      this.audited.add(jobId);
      const audit = this.verdict(jobId, s);
      if (!audit.ok) failures.push(audit);
    }
    return { ok: failures.length === 0, jobs, budgets, events: this.events, failures };
  }
}

/**
 * Verifies the events of any number of jobs (each job's events in stored order), and, when given,
 * the job records' event counts and head hashes.
 * @example verifyLedger(events).failures[0]?.finding // { seq: 3, reason: 'altered', … }
 */
export const verifyLedger = (
  events: Iterable<JobEvent>,
  heads: Iterable<{ readonly jobId: string; readonly eventCount: number; readonly headHash: string }> = [],
): LedgerAudit => {
  const auditor = new LedgerAuditor();
  for (const head of heads) auditor.addJobHead(head.jobId, head.eventCount, head.headHash);
  for (const event of events) auditor.addEvent(event);
  return auditor.finish();
};
