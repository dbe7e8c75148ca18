import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerAuditor, verifyLedger } from '../../lambdas/core/audit/audit.js';
import {
  appendEvent,
  type ChainedEvent,
  type JsonObject,
  verifyChain,
} from '../../lambdas/core/ledger/event-chain.js';
import { applyAllocation, applyTransition, receiveJob } from '../../lambdas/core/ledger/job-change.js';
import type { JobEvent, JobRecord } from '../../lambdas/core/ports.js';
import { allocationFor, jobRequest } from '../support/ledger-fixtures.js';

/** A job's life through the production state machine: RECEIVED … SUCCEEDED, six chained events. */
const lifecycle = (jobId: string): { job: JobRecord; events: JobEvent[] } => {
  const events: JobEvent[] = [];
  let change = receiveJob({ request: jobRequest(jobId) }, '2026-11-03T10:00:00Z');
  events.push(change.event);
  change = applyAllocation(
    change.job,
    allocationFor(change.job, 52.5, 1000, '2026-11'),
    '2026-11-03T10:05:00Z',
  );
  events.push(change.event);
  for (const [to, at] of [
    ['PROVISIONING', '2026-11-03T10:05:10Z'],
    ['RUNNING', '2026-11-03T10:08:00Z'],
    ['SUCCEEDED', '2026-11-03T14:20:00Z'],
  ] as const) {
    change = applyTransition(change.job, { jobId, expectedVersion: change.job.version, to }, at);
    events.push(change.event);
  }
  return { job: change.job, events };
};

const { job, events } = lifecycle('job-audit-1');
const other = lifecycle('job-audit-2');
const heads = [job, other.job];

/** Changes the stored unit price inside the ALLOCATED event, leaving its hash as it was. */
const withPrice = (e: JobEvent, price: number): JobEvent => {
  const allocation = e.data.allocation as JsonObject;
  return { ...e, data: { ...e.data, allocation: { ...allocation, unitPriceUsdPerHour: price } } };
};

describe('ledger audit', () => {
  it('passes an untouched ledger, with interleaved jobs and their records', () => {
    const interleaved = events.flatMap((e, i) =>
      [e, other.events[i]].filter((x): x is JobEvent => x !== undefined),
    );
    expect(verifyLedger(interleaved, heads)).toEqual({
      ok: true,
      jobs: 2,
      budgets: 0,
      events: 10,
      failures: [],
    });
  });

  it('names the exact event whose price was changed', () => {
    const tampered = events.map((e) => (e.seq === 2 ? withPrice(e, 1.25) : e));
    const audit = verifyLedger([...tampered, ...other.events], heads);
    expect(audit.ok).toBe(false);
    expect(audit.failures).toEqual([
      {
        jobId: 'job-audit-1',
        events: 5,
        ok: false,
        finding: expect.objectContaining({
          seq: 2,
          reason: 'altered',
          detail: expect.stringMatching(/^ALLOCATED event content hashes to/),
        }),
      },
    ]);
  });

  it('names the missing seq when an event was deleted', () => {
    const audit = verifyLedger(
      events.filter((e) => e.seq !== 3),
      heads.slice(0, 1),
    );
    expect(audit.failures[0]?.finding).toMatchObject({
      seq: 3,
      reason: 'missing-seq',
      detail: 'event seq 3 is missing: found seq 4 after seq 2',
    });
  });

  it('names the first out-of-place event when two were swapped', () => {
    const swapped = [events[0], events[1], events[3], events[2], events[4]] as JobEvent[];
    const audit = verifyLedger(swapped);
    expect(audit.failures[0]?.finding).toMatchObject({ seq: 4, reason: 'reordered' });
    expect(audit.failures[0]?.finding?.detail).toContain('seq 3 comes later');
  });

  it('catches a deleted last event from the job record, which the chain alone cannot show', () => {
    const truncated = events.slice(0, -1);
    expect(verifyLedger(truncated).ok).toBe(true);
    expect(verifyLedger(truncated, [job]).failures[0]?.finding).toMatchObject({
      seq: 5,
      reason: 'missing-tail',
    });
  });

  it('catches a forged last event re-hashed to fit the chain, from the job head', () => {
    const kept = events.slice(0, 4);
    const last = events.at(-1) as ChainedEvent;
    // The forger rewrites the outcome and recomputes the hash, so the chain itself is consistent.
    const forged = appendEvent(kept.at(-1), {
      jobId: last.jobId,
      type: 'SUCCEEDED',
      at: '2026-11-03T20:00:00Z',
      data: last.data,
    });
    const chain = [...kept, forged];
    expect(verifyChain(chain).ok).toBe(true);
    expect(verifyLedger(chain, [job]).failures[0]?.finding).toMatchObject({
      seq: 5,
      reason: 'head-mismatch',
    });
  });

  it('reports a job record whose events are all gone', () => {
    expect(verifyLedger([], [job]).failures[0]).toMatchObject({
      jobId: 'job-audit-1',
      events: 0,
      finding: { seq: 1, reason: 'missing-tail' },
    });
  });

  it('keeps the export line of the bad event, and filters by job and time', () => {
    const auditor = new LedgerAuditor({ jobId: 'job-audit-1' });
    for (const [i, e] of events.entries())
      auditor.addEvent(e.seq === 4 ? { ...e, type: 'FAILED' } : e, 10 + i);
    for (const e of other.events) auditor.addEvent(withPrice(e, 0));
    const audit = auditor.finish();
    expect(audit).toMatchObject({ jobs: 1, events: 5 });
    expect(audit.failures[0]?.finding).toMatchObject({ seq: 4, reason: 'altered', line: 13 });

    const outside = new LedgerAuditor({ fromMs: Date.parse('2026-12-01T00:00:00Z') });
    for (const e of events) outside.addEvent(withPrice(e, 0));
    expect(outside.finish()).toMatchObject({ ok: true, jobs: 0 });
  });

  it('agrees with verifyChain on where a chain first goes wrong, for any deletion, swap or edit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('delete', 'swap', 'edit'),
        fc.integer({ min: 0, max: events.length - 1 }),
        fc.integer({ min: 0, max: events.length - 1 }),
        (kind, i, j) => {
          let chain = [...events];
          if (kind === 'delete') chain.splice(i, 1);
          else if (kind === 'swap') [chain[i], chain[j]] = [chain[j] as JobEvent, chain[i] as JobEvent];
          else chain = chain.map((e, k) => (k === i ? { ...e, at: '2026-11-04T00:00:00Z' } : e));
          const expected = verifyChain(chain);
          const audit = verifyLedger(chain);
          if (expected.ok) expect(audit.ok).toBe(true);
          else expect(audit.failures[0]?.finding).toMatchObject({ reason: expected.reason });
        },
      ),
    );
  });
});
