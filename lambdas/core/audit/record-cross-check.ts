import { costMicrosOf, microsPerHour } from '../accounting/metering.js';
import { budgetChainId } from '../ledger/budget-chain.js';
import {
  type BudgetChainFacts,
  type ChainedInterval,
  foldBudgetEvent,
  foldJobEvent,
  type JobChainFacts,
  newBudgetChainFacts,
  newJobChainFacts,
} from '../ledger/chain-facts.js';
import { chainedUsage } from '../ledger/chain-records.js';
import { canonicalJson, toJsonValue } from '../ledger/event-chain.js';
import type { LedgerBudget, LedgerJob, LedgerRecord, LedgerUsage } from '../ledger/ledger-export.js';
import type { JobEvent } from '../ports.js';
import { periodOf, usdToMicros } from '../ports.js';

/**
 * Cross-checks the records of a ledger export — job, usage and budget records — against the
 * chains that state their facts (ADR 0010), and names every record that disagrees: the field,
 * the record's line, and the event that states the fact. Records may come in any order; facts
 * are folded as events stream past (in seq order per chain) and records are compared once their
 * chain is complete, or at the end.
 *
 * What a chain does not state is not covered rather than wrong: usage of jobs whose chains predate
 * usage chaining, budgets kept before budgets had chains, usage whose job is not in the export.
 */

export type RecordKind = 'job' | 'usage' | 'budget';

/**
 * `disagrees`: a field differs from what the chain states. `missing-record`: the chain states a
 * record the export lacks (a deleted usage record, budget or job). `not-in-chain`: a record the
 * chain of its job or budget should state but does not (an added or re-keyed record).
 */
export type RecordFault = 'disagrees' | 'missing-record' | 'not-in-chain';

export interface RecordFinding {
  readonly kind: RecordKind;
  /** Job id, instance id, or `team/period`. */
  readonly id: string;
  /** 1-based line of the record in the export; `null` when the record is missing. */
  readonly line: number | null;
  /** The field that disagrees (`allocation.unitPriceUsdPerHour`), or `(record)`. */
  readonly field: string;
  readonly reason: RecordFault;
  /** The chain that states the fact, and the seq and export line of its event. */
  readonly chain: string;
  readonly seq: number | null;
  readonly eventLine: number | null;
  readonly detail: string;
}

/** Records the check could not hold against a chain, by why. */
export interface NotCovered {
  /** Usage records of jobs whose chains predate usage chaining. */
  readonly preUsageChain: number;
  /** Budget records without a chain head and without chain events in the export. */
  readonly preBudgetChain: number;
  /** Usage records whose job has no events in the export. */
  readonly noChain: number;
  /** Records of chains that fail verification themselves (the chain finding names them). */
  readonly brokenChain: number;
  /** Reservations naming a job outside the export's months and teams (or the reverse). */
  readonly outsideExport: number;
}

export interface RecordAudit {
  readonly ok: boolean;
  /** Records held against their chain, per kind. */
  readonly checked: { readonly job: number; readonly usage: number; readonly budget: number };
  readonly notCovered: NotCovered;
  readonly findings: readonly RecordFinding[];
}

interface Numbered<T> {
  readonly record: T;
  readonly line: number | null;
}

interface JobEntry {
  readonly facts: JobChainFacts;
  /** Export line of each event, by seq. */
  readonly lines: (number | null)[];
  head: number | null;
  job: Numbered<LedgerJob> | null;
  jobChecked: boolean;
  readonly usage: Numbered<LedgerUsage>[];
  readonly seenInstances: Set<string>;
  /** Export line of each usage record, by instance id. */
  readonly usageLines: Map<string, number | null>;
  /** What comparing this job's records found and counted, kept apart until `finish` decides. */
  readonly findings: RecordFinding[];
  readonly counts: { job: number; usage: number; preUsageChain: number; noChain: number };
}

interface BudgetEntry {
  readonly facts: BudgetChainFacts | undefined;
  readonly lines: (number | null)[];
  record: Numbered<LedgerBudget> | null;
}

const same = (a: unknown, b: unknown): boolean => {
  if (a === undefined || b === undefined) return a === b;
  try {
    return canonicalJson(toJsonValue(a)) === canonicalJson(toJsonValue(b));
  } catch {
    return false;
  }
};

const shown = (value: unknown): string => (value === undefined ? 'absent' : JSON.stringify(value));

/**
 * Feed every record (any order) with its line; `finish` after the chain audit, with the ids of
 * the chains that failed it (their records are not compared: the chain finding says more).
 */
export class RecordCrossCheck {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly budgets = new Map<string, BudgetEntry>();
  private readonly findings: RecordFinding[] = [];
  private readonly checked = { job: 0, usage: 0, budget: 0 };
  private readonly scope = new Set<string>();

  constructor(private readonly include: (chainId: string) => boolean = () => true) {}

  private job(jobId: string): JobEntry {
    let e = this.jobs.get(jobId);
    if (e === undefined) {
      e = {
        facts: newJobChainFacts(jobId),
        lines: [],
        head: null,
        job: null,
        jobChecked: false,
        usage: [],
        seenInstances: new Set(),
        usageLines: new Map(),
        findings: [],
        counts: { job: 0, usage: 0, preUsageChain: 0, noChain: 0 },
      };
      this.jobs.set(jobId, e);
    }
    return e;
  }

  private budget(chainId: string): BudgetEntry {
    let e = this.budgets.get(chainId);
    if (e === undefined) {
      e = { facts: newBudgetChainFacts(chainId), lines: [], record: null };
      this.budgets.set(chainId, e);
    }
    return e;
  }

  private complete(e: JobEntry): boolean {
    return e.head !== null && e.facts.events === e.head;
  }

  add(record: LedgerRecord, line: number | null = null): void {
    switch (record.kind) {
      case 'event': {
        const { kind: _kind, ...event } = record;
        this.addEvent(event, line);
        return;
      }
      case 'job': {
        const e = this.job(record.jobId);
        e.job = { record, line };
        e.head = record.eventCount;
        this.scope.add(`${record.team}/${record.period}`);
        this.settle(e);
        return;
      }
      case 'usage': {
        const e = this.job(record.jobId);
        e.usage.push({ record, line });
        this.settle(e);
        return;
      }
      case 'budget': {
        const e = this.budget(budgetChainId(record.team, record.period));
        e.record = { record, line };
        this.scope.add(`${record.team}/${record.period}`);
        return;
      }
    }
  }

  private addEvent(event: JobEvent, line: number | null): void {
    const budget = newBudgetChainFacts(event.jobId) === undefined ? undefined : this.budget(event.jobId);
    if (budget !== undefined) {
      if (budget.facts !== undefined) foldBudgetEvent(budget.facts, event);
      budget.lines[event.seq] = line;
      return;
    }
    const e = this.job(event.jobId);
    foldJobEvent(e.facts, event);
    e.lines[event.seq] = line;
    this.settle(e);
  }

  /** Compares what can be compared now that more of a job is known. */
  private settle(e: JobEntry): void {
    if (!this.complete(e)) return;
    if (e.job !== null && !e.jobChecked) {
      e.jobChecked = true;
      this.checkJob(e, e.job);
    }
    while (e.usage.length > 0) {
      const u = e.usage.shift();
      if (u !== undefined) this.checkUsage(e, u);
    }
  }

  private note(
    e: Omit<RecordFinding, 'eventLine'>,
    lines: readonly (number | null)[],
    into: RecordFinding[] = this.findings,
  ): void {
    into.push({ ...e, eventLine: e.seq === null ? null : (lines[e.seq] ?? null) });
  }

  private checkJob(e: JobEntry, { record, line }: Numbered<LedgerJob>): void {
    const f = e.facts;
    const r = f.received;
    e.counts.job += 1;
    const expect = (field: string, recorded: unknown, chained: unknown, seq: number) => {
      if (!same(recorded, chained))
        this.note(
          {
            kind: 'job',
            id: record.jobId,
            line,
            field,
            reason: 'disagrees',
            chain: record.jobId,
            seq,
            detail: `${field} is ${shown(recorded)}; the chain states ${shown(chained)}`,
          },
          e.lines,
          e.findings,
        );
    };
    if (r !== null) {
      expect('team', record.team, r.team, r.seq);
      expect('project', record.project, r.project, r.seq);
      expect('priority', record.priority, r.priority, r.seq);
      expect('tags', record.tags, r.tags, r.seq);
      expect('createdAt', record.createdAt, r.at, r.seq);
      expect('period', record.period, periodOf(r.at), r.seq);
      this.scope.add(`${r.team}/${periodOf(r.at)}`);
    }
    if (f.state !== null) expect('state', record.state, f.state, f.stateSeq);
    expect('version', record.version, f.events, f.lastSeq);
    expect('updatedAt', record.updatedAt, f.lastAt ?? undefined, f.lastSeq);
    expect('attempts', record.attempts, f.attempts, f.attemptsSeq);
    if (f.runtime !== null) expect('runtime', record.runtime, f.runtime, f.runtimeSeq);
    const held = f.allocation;
    const recorded = record.allocation;
    if (held === null || recorded === null) {
      if (held !== recorded)
        expect(
          'allocation',
          recorded === null ? null : recorded.allocationId,
          held === null ? null : held.allocationId,
          held?.seq ?? f.allocationSeq,
        );
      return;
    }
    expect('allocation.allocationId', recorded.allocationId, held.allocationId, held.seq);
    expect('allocation.allocatedAt', recorded.allocatedAt, held.allocatedAt, held.seq);
    for (const [key, value] of Object.entries(held.fields)) {
      // The book's as-of date is optional on both sides (a display fact, not a figure).
      if (key === 'priceBookAsOf' && recorded.priceBookAsOf === undefined) continue;
      expect(`allocation.${key}`, (recorded as Record<string, unknown>)[key], value, held.seq);
    }
  }

  private checkUsage(e: JobEntry, { record, line }: Numbered<LedgerUsage>): void {
    const f = e.facts;
    const interval = f.intervals.get(record.instanceId);
    e.seenInstances.add(record.instanceId);
    e.usageLines.set(record.instanceId, line);
    if (interval === undefined) {
      if (f.events === 0) e.counts.noChain += 1;
      else if (f.received?.usageChained === true || f.hasUsageEvents) {
        e.counts.usage += 1;
        this.note(
          {
            kind: 'usage',
            id: record.instanceId,
            line,
            field: '(record)',
            reason: 'not-in-chain',
            chain: record.jobId,
            seq: null,
            detail: `job ${JSON.stringify(record.jobId)}'s chain records no usage of instance ${record.instanceId}`,
          },
          e.lines,
          e.findings,
        );
      } else e.counts.preUsageChain += 1;
      return;
    }
    e.counts.usage += 1;
    const chained = chainedUsage(f, interval);
    if (chained === undefined) return;
    const { start, stop, startSeq, stopSeq } = interval;
    const attempt = f.attemptFacts.get(start.allocationId);
    const receivedSeq = f.received?.seq ?? startSeq;
    const expect = (field: keyof LedgerUsage, seq: number | null, recorded: unknown = record[field]) => {
      const value = chained[field];
      if (!same(recorded, value))
        this.note(
          {
            kind: 'usage',
            id: record.instanceId,
            line,
            field,
            reason: 'disagrees',
            chain: record.jobId,
            seq,
            detail: `${field} is ${shown(recorded)}; the chain states ${shown(value)}`,
          },
          e.lines,
          e.findings,
        );
    };
    expect('team', receivedSeq);
    expect('project', receivedSeq);
    for (const field of [
      'allocationId',
      'instanceType',
      'region',
      'availabilityZone',
      'purchaseOption',
      'unitPriceUsdPerHour',
      'startedAt',
    ] as const)
      expect(field, startSeq);
    // The book and the list price are compared where the chain states them (every writer since ADR 0010).
    if (chained.priceBookId !== undefined) expect('priceBookId', startSeq);
    if (start.onDemandPriceUsdPerHour !== undefined || attempt !== undefined)
      expect('onDemandPriceUsdPerHour', startSeq);
    // The commitment drawn on is stated by the ALLOCATED event; absent on both sides when none.
    if (!same(record.commitment ?? null, chained.commitment ?? null))
      expect('commitment', attempt?.seq ?? startSeq);
    expect('stoppedAt', stopSeq ?? startSeq);
    expect(
      'interrupted',
      stop?.interrupted !== undefined ? stopSeq : (attempt?.interruptedSeq ?? stopSeq ?? startSeq),
    );
    // Null and absent both mean "no checkpoint": all the interrupted work is lost.
    if (!same(record.lastCheckpointAt ?? null, chained.lastCheckpointAt ?? null))
      expect('lastCheckpointAt', stopSeq);
  }

  private readonly uncovered = {
    preUsageChain: 0,
    preBudgetChain: 0,
    noChain: 0,
    brokenChain: 0,
    outsideExport: 0,
  };

  private checkBudget(e: BudgetEntry, chainId: string): void {
    const facts = e.facts;
    const numbered = e.record;
    if (numbered === null) {
      if (facts === undefined || facts.events === 0) return;
      this.note(
        {
          kind: 'budget',
          id: `${facts.team}/${facts.period}`,
          line: null,
          field: '(record)',
          reason: 'missing-record',
          chain: chainId,
          seq: facts.lastSeq,
          detail: `the budget chain has ${facts.events} event(s) but the export holds no budget record for it`,
        },
        e.lines,
      );
      return;
    }
    const { record, line } = numbered;
    const id = `${record.team}/${record.period}`;
    if (facts === undefined || facts.events === 0) {
      // Without events the chain audit reports a head that names missing events.
      if (record.eventCount === undefined) this.uncovered.preBudgetChain += 1;
      return;
    }
    this.checked.budget += 1;
    const expect = (field: string, recorded: unknown, chained: unknown) => {
      if (!same(recorded, chained))
        this.note(
          {
            kind: 'budget',
            id,
            line,
            field,
            reason: 'disagrees',
            chain: chainId,
            seq: facts.afterSeq,
            detail: `${field} is ${shown(recorded)}; the chain states ${shown(chained)} after its last change`,
          },
          e.lines,
        );
    };
    if (record.eventCount === undefined) expect('eventCount', undefined, facts.events);
    const after = facts.after;
    if (after === null) return;
    expect('limitUsd', record.limitUsd, after.limitUsd);
    expect('reservedUsd', record.reservedUsd, after.reservedUsd);
    expect('spentUsd', record.spentUsd, after.spentUsd);
  }

  /** What a chained interval costs by its own start, stop and unit price, in µ$; `null` while open. */
  private static intervalMicros(interval: ChainedInterval) {
    if (interval.stop === null) return null;
    const ms = Date.parse(interval.stop.stoppedAt) - Date.parse(interval.start.startedAt);
    return costMicrosOf(Math.max(0, ms), microsPerHour(interval.start.unitPriceUsdPerHour));
  }

  /**
   * The cost a stop recorded must be what its interval's own facts make: a chain whose price or
   * instants were rewritten and re-hashed, but not its costs, disagrees with itself here.
   */
  private checkIntervalCosts(jobId: string, e: JobEntry): void {
    for (const [instanceId, interval] of e.facts.intervals) {
      const recorded = interval.stop?.costUsd;
      const expected = RecordCrossCheck.intervalMicros(interval);
      if (typeof recorded !== 'number' || expected === null) continue;
      if (Math.round(recorded * 1_000_000) === expected) continue;
      this.note(
        {
          kind: 'usage',
          id: instanceId,
          line: e.usageLines.get(instanceId) ?? null,
          field: 'costUsd',
          reason: 'disagrees',
          chain: jobId,
          seq: interval.stopSeq,
          detail: `the stop records ${recorded} USD, but the interval's own start, stop and unit price (seq ${interval.startSeq}) make ${expected / 1_000_000} USD`,
        },
        e.lines,
      );
    }
  }

  /**
   * Each settlement of a budget must be the cost of the allocation's chained intervals that had
   * stopped by then: a job chain rewritten with its costs still disagrees with the budget's chain.
   */
  private checkSettlements(broken: ReadonlySet<string>): void {
    for (const [chainId, b] of this.budgets) {
      const facts = b.facts;
      if (facts === undefined || broken.has(chainId) || !this.include(chainId)) continue;
      for (const [allocationId, settled] of facts.settlements) {
        const job = this.jobs.get(settled.jobId);
        if (job === undefined || job.facts.events === 0 || broken.has(settled.jobId)) continue;
        let micros = 0;
        for (const interval of job.facts.intervals.values()) {
          if (interval.start.allocationId !== allocationId || interval.stopAt === null) continue;
          if (Date.parse(interval.stopAt) > Date.parse(settled.at)) continue;
          micros += RecordCrossCheck.intervalMicros(interval) ?? 0;
        }
        if (micros === usdToMicros(settled.actualUsd)) continue;
        this.note(
          {
            kind: 'budget',
            id: `${facts.team}/${facts.period}`,
            line: b.record?.line ?? null,
            field: `settlement ${allocationId}`,
            reason: 'disagrees',
            chain: chainId,
            seq: settled.seq,
            detail: `the budget settled ${settled.actualUsd} USD; job ${JSON.stringify(settled.jobId)}'s chained usage of the allocation comes to ${micros / 1_000_000} USD`,
          },
          b.lines,
        );
      }
    }
  }

  /** Reservations both ways: a budget's against its jobs' ALLOCATED events, and back. */
  private checkReservations(broken: ReadonlySet<string>): void {
    for (const [chainId, b] of this.budgets) {
      const facts = b.facts;
      if (facts === undefined || broken.has(chainId) || !this.include(chainId)) continue;
      for (const [allocationId, held] of facts.reservations) {
        const job = this.jobs.get(held.jobId);
        if (job === undefined || job.facts.events === 0) {
          const scope = `${facts.team}/${held.jobPeriod ?? facts.period}`;
          if (held.jobPeriod !== null && this.scope.has(scope))
            this.note(
              {
                kind: 'job',
                id: held.jobId,
                line: null,
                field: '(record)',
                reason: 'missing-record',
                chain: chainId,
                seq: held.seq,
                detail: `the budget reserved ${held.amountUsd} USD for its allocation ${allocationId}, but the export holds neither the job nor its events, though it holds ${scope}`,
              },
              b.lines,
            );
          else this.uncovered.outsideExport += 1;
          continue;
        }
        if (broken.has(held.jobId)) continue;
        const stated = job.facts.reservations.get(allocationId);
        if (
          stated === undefined ||
          stated.team !== facts.team ||
          stated.period !== facts.period ||
          !same(stated.amountUsd, held.amountUsd)
        )
          this.note(
            {
              kind: 'budget',
              id: `${facts.team}/${facts.period}`,
              line: b.record?.line ?? null,
              field: `reservation ${allocationId}`,
              reason: 'disagrees',
              chain: chainId,
              seq: held.seq,
              detail:
                stated === undefined
                  ? `the budget chain reserved ${held.amountUsd} USD for job ${JSON.stringify(held.jobId)}, whose chain has no allocation ${allocationId}`
                  : `the budget chain reserved ${held.amountUsd} USD, job ${JSON.stringify(held.jobId)}'s ALLOCATED event (seq ${stated.seq}) ${stated.amountUsd} USD on ${stated.team}/${stated.period}`,
            },
            b.lines,
          );
      }
    }
    for (const [jobId, job] of this.jobs) {
      if (broken.has(jobId) || !this.include(jobId)) continue;
      for (const [allocationId, held] of job.facts.reservations) {
        const chainId = budgetChainId(held.team, held.period);
        const budget = this.budgets.get(chainId)?.facts;
        if (budget === undefined || budget.events === 0 || broken.has(chainId)) continue;
        if (!budget.reservations.has(allocationId))
          this.note(
            {
              kind: 'job',
              id: jobId,
              line: job.job?.line ?? null,
              field: `allocation ${allocationId}`,
              reason: 'not-in-chain',
              chain: jobId,
              seq: held.seq,
              detail: `the job reserved ${held.amountUsd} USD on ${held.team}/${held.period}, whose budget chain records no such reservation`,
            },
            job.lines,
          );
      }
    }
  }

  /**
   * The verdict. `broken`: chains that failed the chain audit (their records are counted as not
   * covered; the chain audit names them).
   */
  finish(broken: ReadonlySet<string> = new Set()): RecordAudit {
    for (const [jobId, e] of this.jobs) {
      if (!this.include(jobId)) continue;
      if (broken.has(jobId)) {
        // Whatever was compared early was compared with facts the chain audit rejects.
        this.uncovered.brokenChain += (e.job === null ? 0 : 1) + e.usage.length + e.counts.usage;
        continue;
      }
      if (e.job !== null && !e.jobChecked && e.facts.events > 0) {
        e.jobChecked = true;
        this.checkJob(e, e.job);
      }
      for (const u of e.usage.splice(0)) this.checkUsage(e, u);
      this.checked.job += e.counts.job;
      this.checked.usage += e.counts.usage;
      this.uncovered.preUsageChain += e.counts.preUsageChain;
      this.uncovered.noChain += e.counts.noChain;
      this.findings.push(...e.findings);
      this.checkIntervalCosts(jobId, e);
      for (const [instanceId, interval] of e.facts.intervals) {
        if (e.seenInstances.has(instanceId)) continue;
        this.note(
          {
            kind: 'usage',
            id: instanceId,
            line: null,
            field: '(record)',
            reason: 'missing-record',
            chain: jobId,
            seq: interval.startSeq,
            detail: `job ${JSON.stringify(jobId)}'s chain records usage of instance ${instanceId}, but the export has no usage record of it`,
          },
          e.lines,
        );
      }
    }
    for (const [chainId, e] of this.budgets) {
      if (!this.include(chainId)) continue;
      if (broken.has(chainId)) {
        if (e.record !== null) this.uncovered.brokenChain += 1;
        continue;
      }
      this.checkBudget(e, chainId);
    }
    this.checkReservations(broken);
    this.checkSettlements(broken);
    // Findings on chains that fail the chain audit would compare with forged facts: drop them.
    const findings = this.findings.filter((f) => !broken.has(f.chain) && this.include(f.chain));
    return {
      ok: findings.length === 0,
      checked: { ...this.checked },
      notCovered: { ...this.uncovered },
      findings,
    };
  }
}
