import { parseBudgetChainId } from '../ledger/budget-chain.js';
import type { LedgerRecord } from '../ledger/ledger-export.js';
import type { ChainHead } from '../ports.js';
import type { HeadEvent } from './chain-heads-in.js';
import { type Digest, digestHash } from './digest.js';
import type { SignatureVerifier } from './digest-signer.js';
import type { StoredDigest } from './digest-store.js';
import { digestSignatureValid, parseSignedDigest } from './signed-digest.js';

/**
 * `qm audit verify --digests`: each digest's signature, the chain of digests (consecutive
 * sequences, each naming the previous one's key and hash, intervals that meet), and the export's
 * chains against the heads the digests signed. A digest says, for its interval, which chains moved
 * and where each ended; the export must say the same of every interval (`chainHeadsIn`), so a
 * rewrite the plain SHA-256 chain cannot show (the chain and its head re-hashed) still disagrees
 * with a signed head.
 */

export type DigestFindingKind =
  /** A digest file that is not a signed digest. */
  | 'unreadable'
  /** A digest whose signature does not verify with the given public key. */
  | 'bad-signature'
  /** A sequence number with no digest: the chain of digests has a gap. */
  | 'missing-digest'
  /** A digest that does not name its predecessor's key and hash, or whose interval does not meet it. */
  | 'broken-link'
  /** A chain a digest names that the export lacks altogether: a deleted job (or budget). */
  | 'deleted-chain'
  /** The event at a signed head hashes differently in the export: the chain was rewritten and re-hashed. */
  | 'rewritten-chain'
  /** The export's head in a digest's interval is not the signed one: events added, or a chain the digest does not name. */
  | 'forged-head'
  /** The export's chain is shorter than a signed head: its last events are gone. */
  | 'missing-events';

export interface DigestFinding {
  readonly kind: DigestFindingKind;
  /** The first digest this finding concerns: the ledger is in doubt from this digest on. */
  readonly fromSequence: number | null;
  readonly digestKey: string | null;
  readonly chainId: string | null;
  readonly detail: string;
}

export interface DigestVerdict {
  readonly ok: boolean;
  /** Digest files read, and of those the ones whose signature verified. */
  readonly digests: number;
  readonly signed: number;
  readonly firstSequence: number | null;
  readonly lastSequence: number | null;
  /** The last verified digest's end: events after it are not covered yet. */
  readonly coveredUntil: string | null;
  /** Chains whose heads every digest agrees with. */
  readonly chainsChecked: number;
  /** Export events in no verified digest's interval (after the last one, or in a gap). */
  readonly uncoveredEvents: number;
  readonly findings: readonly DigestFinding[];
}

interface Verified {
  readonly key: string;
  readonly digest: Digest;
}

const chainName = (chainId: string): string =>
  parseBudgetChainId(chainId) === undefined ? `job ${chainId}` : `budget chain ${chainId}`;

const intervalText = (d: Digest): string => `(${d.start ?? 'the beginning'}, ${d.end}]`;

/**
 * Collects the export's events (in any order), then `finish` holds them against the digests.
 * @example const v = new DigestVerifier(digests, verifier); for (const r of records) v.add(r); v.finish();
 */
export class DigestVerifier {
  /** Per chain, each seq's hash and instant as the export holds it. */
  private readonly chains = new Map<string, Map<number, HeadEvent>>();

  constructor(
    private readonly stored: readonly StoredDigest[],
    private readonly verifier: SignatureVerifier,
  ) {}

  add(record: LedgerRecord): void {
    if (record.kind !== 'event') return;
    let events = this.chains.get(record.jobId);
    if (events === undefined) {
      events = new Map();
      this.chains.set(record.jobId, events);
    }
    events.set(record.seq, { jobId: record.jobId, seq: record.seq, hash: record.hash, at: record.at });
  }

  finish(): DigestVerdict {
    const findings: DigestFinding[] = [];
    const verified = this.readDigests(findings);
    this.checkLinks(verified, findings);
    const { uncovered, failed } = this.checkExport(verified, findings);
    const last = verified.at(-1);
    return {
      ok: findings.length === 0,
      digests: this.stored.length,
      signed: verified.length,
      firstSequence: verified[0]?.digest.sequence ?? null,
      lastSequence: last?.digest.sequence ?? null,
      coveredUntil: last?.digest.end ?? null,
      chainsChecked: this.chains.size - failed,
      uncoveredEvents: uncovered,
      findings,
    };
  }

  /** Parses every file and keeps the digests whose signature verifies, by sequence. */
  private readDigests(findings: DigestFinding[]): Verified[] {
    const verified: Verified[] = [];
    for (const { key, text } of this.stored) {
      let signed: ReturnType<typeof parseSignedDigest>;
      try {
        signed = parseSignedDigest(text, key);
      } catch (error) {
        findings.push({
          kind: 'unreadable',
          fromSequence: null,
          digestKey: key,
          chainId: null,
          detail: (error as Error).message,
        });
        continue;
      }
      if (!digestSignatureValid(signed, this.verifier)) {
        findings.push({
          kind: 'bad-signature',
          fromSequence: signed.digest.sequence,
          digestKey: key,
          chainId: null,
          detail: `digest ${signed.digest.sequence} (${key}) is not signed by the given public key (key id ${signed.signature.keyId}, ${signed.signature.algorithm})`,
        });
        continue;
      }
      verified.push({ key, digest: signed.digest });
    }
    return verified.sort((a, b) => a.digest.sequence - b.digest.sequence);
  }

  /** Consecutive sequences from 1, each digest naming the one before and starting where it ended. */
  private checkLinks(verified: readonly Verified[], findings: DigestFinding[]): void {
    let previous: Verified | undefined;
    for (const current of verified) {
      const { digest, key } = current;
      const expected = previous === undefined ? 1 : previous.digest.sequence + 1;
      const push = (kind: DigestFindingKind, detail: string) =>
        findings.push({ kind, fromSequence: digest.sequence, digestKey: key, chainId: null, detail });
      if (digest.sequence > expected) {
        const missing =
          digest.sequence - 1 === expected ? `${expected}` : `${expected}–${digest.sequence - 1}`;
        push(
          'missing-digest',
          `digest ${missing} missing${previous === undefined ? ' before the first one given' : ` after ${previous.key}`}: digests from ${digest.sequence} (${key}) on do not link to the ones before, and the ledger's changes ${previous === undefined ? 'before' : `between ${previous.digest.end} and`} ${digest.start ?? digest.end} are not covered`,
        );
      } else if (previous !== undefined && digest.sequence < expected) {
        push('broken-link', `a second digest ${digest.sequence} (${key}) beside ${previous.key}`);
      } else if (previous === undefined) {
        if (digest.previousDigestHash !== null || digest.start !== null)
          push('broken-link', `digest 1 (${key}) names a previous digest or starts at ${digest.start}`);
      } else if (
        digest.previousDigestKey !== previous.key ||
        digest.previousDigestHash !== digestHash(previous.digest)
      ) {
        push(
          'broken-link',
          `digest ${digest.sequence} (${key}) names previous digest ${digest.previousDigestKey} with hash ${digest.previousDigestHash}; digest ${previous.digest.sequence} is ${previous.key} with hash ${digestHash(previous.digest)}`,
        );
      } else if (digest.start !== previous.digest.end) {
        push(
          'broken-link',
          `digest ${digest.sequence} (${key}) starts at ${digest.start}, not where digest ${previous.digest.sequence} ended (${previous.digest.end})`,
        );
      }
      previous = current;
    }
  }

  /** Each verified digest's heads against the export's heads in its interval; one finding per chain. */
  private checkExport(
    verified: readonly Verified[],
    findings: DigestFinding[],
  ): { uncovered: number; failed: number } {
    const failed = new Set<string>();
    const fail = (chainId: string, d: Verified, kind: DigestFindingKind, detail: string) => {
      if (failed.has(chainId)) return;
      failed.add(chainId);
      findings.push({ kind, fromSequence: d.digest.sequence, digestKey: d.key, chainId, detail });
    };
    const buckets = this.bucket(verified);
    verified.forEach((d, index) => {
      const actual = buckets.heads[index] ?? new Map<string, ChainHead>();
      for (const [chainId, head] of actual)
        if (!d.digest.heads.some((h) => h.chainId === chainId))
          fail(
            chainId,
            d,
            'forged-head',
            `${chainName(chainId)} has events up to seq ${head.eventCount} (at ${head.lastEventAt}) in digest ${d.digest.sequence}'s interval ${intervalText(d.digest)}, which does not name it: events added after the fact`,
          );
      for (const signed of d.digest.heads) this.checkHead(signed, actual.get(signed.chainId), d, fail);
    });
    return { uncovered: buckets.uncovered, failed: failed.size };
  }

  /**
   * Each export event into the digest whose interval holds it (one binary search on the ends), as
   * `chainHeadsIn` of each interval would, in one pass over the events.
   */
  private bucket(verified: readonly Verified[]): {
    heads: Map<string, ChainHead>[];
    uncovered: number;
  } {
    const ends = verified.map((d) => Date.parse(d.digest.end));
    const starts = verified.map((d) =>
      d.digest.start === null ? Number.NEGATIVE_INFINITY : Date.parse(d.digest.start),
    );
    const heads = verified.map(() => new Map<string, ChainHead>());
    let uncovered = 0;
    for (const events of this.chains.values())
      for (const e of events.values()) {
        const ms = Date.parse(e.at);
        let lo = 0;
        let hi = ends.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((ends[mid] as number) < ms) lo = mid + 1;
          else hi = mid;
        }
        const bucket = heads[lo];
        if (bucket === undefined || Number.isNaN(ms) || !(ms > (starts[lo] as number))) {
          uncovered += 1;
          continue;
        }
        const seen = bucket.get(e.jobId);
        if (seen === undefined || seen.eventCount < e.seq)
          bucket.set(e.jobId, { chainId: e.jobId, eventCount: e.seq, headHash: e.hash, lastEventAt: e.at });
      }
    return { heads, uncovered };
  }

  private checkHead(
    signed: ChainHead,
    actual: ChainHead | undefined,
    d: Verified,
    fail: (chainId: string, d: Verified, kind: DigestFindingKind, detail: string) => void,
  ): void {
    const events = this.chains.get(signed.chainId);
    const where = `digest ${d.digest.sequence} (${d.key})`;
    if (events === undefined) {
      fail(
        signed.chainId,
        d,
        'deleted-chain',
        `${chainName(signed.chainId)} is not in the export; ${where} signed its head at seq ${signed.eventCount} (${signed.headHash})`,
      );
      return;
    }
    const atSeq = events.get(signed.eventCount);
    if (atSeq === undefined) {
      fail(
        signed.chainId,
        d,
        'missing-events',
        `${chainName(signed.chainId)}'s seq ${signed.eventCount} is not in the export (it holds ${events.size} events); ${where} signed it with hash ${signed.headHash}`,
      );
      return;
    }
    if (atSeq.hash !== signed.headHash) {
      fail(
        signed.chainId,
        d,
        'rewritten-chain',
        `${chainName(signed.chainId)}'s seq ${signed.eventCount} hashes to ${atSeq.hash} in the export; ${where} signed ${signed.headHash}: the chain was rewritten and re-hashed`,
      );
      return;
    }
    if (actual === undefined || actual.eventCount !== signed.eventCount)
      fail(
        signed.chainId,
        d,
        'forged-head',
        `${chainName(signed.chainId)}'s head in ${where}'s interval ${intervalText(d.digest)} is seq ${actual?.eventCount ?? 'none'} in the export; the digest signed seq ${signed.eventCount}`,
      );
  }
}

/** Verifies records held in memory against digests (tests, small exports). */
export const verifyDigests = (
  stored: readonly StoredDigest[],
  verifier: SignatureVerifier,
  records: Iterable<LedgerRecord>,
): DigestVerdict => {
  const v = new DigestVerifier(stored, verifier);
  for (const record of records) v.add(record);
  return v.finish();
};
