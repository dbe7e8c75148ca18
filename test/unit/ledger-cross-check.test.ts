import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import { LedgerVerifier, verifyLedgerRecords } from '../../lambdas/core/audit/ledger-verifier.js';
import type { RecordFinding } from '../../lambdas/core/audit/record-cross-check.js';
import { appendEvent, type JsonObject } from '../../lambdas/core/ledger/event-chain.js';
import { applyAllocation, applyTransition, receiveJob } from '../../lambdas/core/ledger/job-change.js';
import {
  eventLine,
  jobLine,
  type LedgerJob,
  type LedgerRecord,
  type LedgerUsage,
  ledgerTextLines,
  parseLedgerLine,
  usageLine,
} from '../../lambdas/core/ledger/ledger-export.js';
import type { JobEvent } from '../../lambdas/core/ports.js';
import { generateChainedLedger } from '../support/chained-ledger-fixtures.js';
import { allocationFor, jobRequest } from '../support/ledger-fixtures.js';

/** The example month as records, line numbers as in the file (header lines are skipped). */
const EXAMPLE = ledgerTextLines(readFileSync('examples/ledger-month.jsonl', 'utf8'));
const exampleRecords = (): { record: LedgerRecord; line: number }[] =>
  EXAMPLE.flatMap((text, i) => {
    const record = parseLedgerLine(text, i + 1);
    return record === undefined ? [] : [{ record, line: i + 1 }];
  });

/** Verifies records with their lines, as `qm audit verify` reads them. */
const verify = (numbered: readonly { record: LedgerRecord; line: number }[]) => {
  const v = new LedgerVerifier();
  for (const { record, line } of numbered) v.add(record, line);
  return v.finish();
};

const total = async (records: readonly LedgerRecord[]) =>
  (await buildCostReport(records, { from: '2026-11-01', to: '2026-11-30', groupBy: 'team' })).totals
    .actualUsd;

const isUsage = (r: LedgerRecord): r is LedgerUsage => r.kind === 'usage';
const isJob = (r: LedgerRecord): r is LedgerJob => r.kind === 'job';

/** Replaces the first record matching `where` with `change(record)`. */
const tamper = <T extends LedgerRecord>(
  records: readonly { record: LedgerRecord; line: number }[],
  where: (r: LedgerRecord) => r is T,
  change: (r: T) => LedgerRecord,
) => {
  const index = records.findIndex((n) => where(n.record));
  const target = records[index];
  if (target === undefined) throw new Error('nothing to tamper with');
  const out = [...records];
  out[index] = { record: change(target.record as T), line: target.line };
  return { records: out, line: target.line, before: target.record as T };
};

const only = (findings: readonly RecordFinding[]) => {
  expect(findings).toHaveLength(1);
  return findings[0] as RecordFinding;
};

describe('qm audit verify holds every record against its chain (example month)', () => {
  const records = exampleRecords();

  it('verifies the untouched export: every job, usage and budget record agrees and is covered', () => {
    const verdict = verify(records);
    expect(verdict.ok).toBe(true);
    expect(verdict.records.checked).toEqual({ job: 300, usage: 363, budget: 4 });
    expect(verdict.records.notCovered).toEqual({
      preUsageChain: 0,
      preBudgetChain: 0,
      noChain: 0,
      brokenChain: 0,
      outsideExport: 0,
    });
  });

  it('names a usage record whose unit price was halved: field, line and the USAGE_STARTED event', async () => {
    const t = tamper(records, isUsage, (u) => ({ ...u, unitPriceUsdPerHour: u.unitPriceUsdPerHour * 0.5 }));
    const verdict = verify(t.records);
    expect(verdict.ok).toBe(false);
    expect(verdict.chains.ok).toBe(true);
    const f = only(verdict.records.findings);
    expect(f).toMatchObject({
      kind: 'usage',
      id: t.before.instanceId,
      line: t.line,
      field: 'unitPriceUsdPerHour',
      reason: 'disagrees',
      chain: t.before.jobId,
    });
    expect(f.seq).toBeGreaterThan(1);
    expect(EXAMPLE[(f.eventLine ?? 0) - 1]).toContain('"type":"USAGE_STARTED"');
    expect(await total(t.records.map((n) => n.record))).toBeLessThan(
      await total(records.map((n) => n.record)),
    );
  });

  it('names a usage record stopped 48 hours later, at its USAGE_STOPPED event', () => {
    const t = tamper(records, isUsage, (u) => ({
      ...u,
      stoppedAt: new Date(Date.parse(u.stoppedAt ?? '') + 48 * 3_600_000).toISOString().replace('.000Z', 'Z'),
    }));
    const f = only(verify(t.records).records.findings);
    expect(f).toMatchObject({ kind: 'usage', line: t.line, field: 'stoppedAt', reason: 'disagrees' });
    expect(EXAMPLE[(f.eventLine ?? 0) - 1]).toContain('"type":"USAGE_STOPPED"');
  });

  it("names a usage record or a job record moved to another team, at the job's RECEIVED event", () => {
    const usage = tamper(records, isUsage, (u) => ({ ...u, team: u.team === 'nlp' ? 'vision' : 'nlp' }));
    expect(only(verify(usage.records).records.findings)).toMatchObject({
      kind: 'usage',
      line: usage.line,
      field: 'team',
      seq: 1,
    });
    const job = tamper(records, isJob, (j) => ({ ...j, team: j.team === 'nlp' ? 'vision' : 'nlp' }));
    expect(only(verify(job.records).records.findings)).toMatchObject({
      kind: 'job',
      id: job.before.jobId,
      line: job.line,
      field: 'team',
      seq: 1,
    });
  });

  it('names a job record whose allocation price was halved, at its ALLOCATED event', () => {
    const t = tamper(
      records,
      (r): r is LedgerJob => r.kind === 'job' && r.allocation !== null,
      (j) => ({
        ...j,
        allocation:
          j.allocation === null
            ? null
            : { ...j.allocation, unitPriceUsdPerHour: j.allocation.unitPriceUsdPerHour * 0.5 },
      }),
    );
    const f = only(verify(t.records).records.findings);
    expect(f).toMatchObject({ kind: 'job', line: t.line, field: 'allocation.unitPriceUsdPerHour' });
    expect(EXAMPLE[(f.eventLine ?? 0) - 1]).toContain('"type":"ALLOCATED"');
  });

  it('names a deleted usage record: the chain started an instance the export no longer holds', () => {
    const index = records.findIndex((n) => n.record.kind === 'usage');
    const gone = records[index]?.record as LedgerUsage;
    const f = only(verify(records.filter((_, i) => i !== index)).records.findings);
    expect(f).toMatchObject({ kind: 'usage', id: gone.instanceId, line: null, reason: 'missing-record' });
  });

  it('names a whole deleted job (record, events, usage) from the budget chain that reserved for it', () => {
    const jobId = 'vision-0011';
    const kept = records.filter((n) => !('jobId' in n.record) || n.record.jobId !== jobId);
    expect(kept.length).toBeLessThan(records.length);
    const verdict = verify(kept);
    expect(verdict.chains.ok).toBe(true);
    const f = only(verdict.records.findings);
    expect(f).toMatchObject({
      kind: 'job',
      id: jobId,
      reason: 'missing-record',
      chain: 'budget/vision/2026-11',
    });
    expect(EXAMPLE[(f.eventLine ?? 0) - 1]).toContain('"type":"BUDGET_RESERVED"');
  });

  /**
   * Rewrites one job as someone with write access and SHA-256 could: every event re-hashed with
   * the unit price halved (and, with `costs`, the stops' costs too), the head and records to match.
   */
  const rewritten = (jobId: string, costs: boolean) => {
    let prev: JobEvent | undefined;
    return records
      .map((n) => {
        const r = n.record;
        if (r.kind === 'event' && r.jobId === jobId) {
          const data = structuredClone(r.data) as unknown as {
            allocation: { unitPriceUsdPerHour: number };
            usage: { unitPriceUsdPerHour: number; costUsd: number };
          };
          if (r.type === 'ALLOCATED') data.allocation.unitPriceUsdPerHour /= 2;
          if (r.type === 'USAGE_STARTED') data.usage.unitPriceUsdPerHour /= 2;
          if (r.type === 'USAGE_STOPPED' && costs) data.usage.costUsd /= 2;
          prev = appendEvent(prev, { jobId, type: r.type, at: r.at, data: data as unknown as JsonObject });
          return { ...n, record: eventLine(prev) };
        }
        if (r.kind === 'usage' && r.jobId === jobId)
          return { ...n, record: { ...r, unitPriceUsdPerHour: r.unitPriceUsdPerHour / 2 } };
        return n;
      })
      .map((n) =>
        n.record.kind === 'job' &&
        n.record.jobId === jobId &&
        n.record.allocation !== null &&
        prev !== undefined
          ? {
              ...n,
              record: {
                ...n.record,
                headHash: prev.hash,
                allocation: {
                  ...n.record.allocation,
                  unitPriceUsdPerHour: n.record.allocation.unitPriceUsdPerHour / 2,
                },
              },
            }
          : n,
      );
  };

  it('catches a job chain rewritten and re-hashed with its head and records, from its own costs and the budget chain', () => {
    const forged = verify(rewritten('nlp-0004', false));
    expect(forged.chains.ok).toBe(true);
    expect(forged.records.findings.map((f) => [f.kind, f.field])).toEqual([
      ['usage', 'costUsd'],
      ['budget', 'settlement nlp-0004-a1'],
    ]);
    // Costs rewritten too: the budget's settlement still says what was spent.
    const thorough = verify(rewritten('nlp-0004', true));
    expect(thorough.chains.ok).toBe(true);
    expect(only(thorough.records.findings)).toMatchObject({
      kind: 'budget',
      field: 'settlement nlp-0004-a1',
      chain: 'budget/nlp/2026-11',
    });
  });

  it('names a budget record whose limit was changed, at the last event of its chain', () => {
    const t = tamper(
      records,
      (r): r is Extract<LedgerRecord, { kind: 'budget' }> => r.kind === 'budget',
      (b) => ({ ...b, limitUsd: b.limitUsd * 2 }),
    );
    const f = only(verify(t.records).records.findings);
    expect(f).toMatchObject({
      kind: 'budget',
      id: `${t.before.team}/2026-11`,
      line: t.line,
      field: 'limitUsd',
      chain: `budget/${t.before.team}/2026-11`,
    });
  });
});

describe('a ledger written through the ports and exported per month', () => {
  it('verifies clean, with every usage and budget record under a chain', async () => {
    const records = await generateChainedLedger({ jobs: 40, seed: 11 });
    const verdict = verifyLedgerRecords(records);
    expect(verdict.chains.failures).toEqual([]);
    expect(verdict.records.findings).toEqual([]);
    expect(verdict.records.checked.usage).toBe(records.filter(isUsage).length);
    expect(verdict.records.checked.budget).toBe(2);
  });

  it('cannot tell a deleted job that never reserved money: no chain in the export names it', async () => {
    const records = await generateChainedLedger({ jobs: 40, seed: 11 });
    const idle = records.find(
      (r): r is LedgerJob => r.kind === 'job' && r.attempts === 0 && r.allocation === null,
    );
    expect(idle).toBeDefined();
    const kept = records.filter((r) => !('jobId' in r) || r.jobId !== idle?.jobId);
    // Honest limit: only signed digests of the heads (issue #13, part 2) would show this.
    expect(verifyLedgerRecords(kept).ok).toBe(true);
  });
});

describe('an export written before usage and budgets were chained', () => {
  /** One job as the ledger wrote it before ADR 0010: no marker, no usage events, no budget head. */
  const oldExport = (): LedgerRecord[] => {
    const received = receiveJob({ request: jobRequest('old-1'), messageId: 'm' }, '2026-11-02T08:00:00Z');
    const { usageChained: _marker, ...data } = received.event.data;
    const first = appendEvent(undefined, { jobId: 'old-1', type: 'RECEIVED', at: received.event.at, data });
    const events: JobEvent[] = [first];
    let change = applyAllocation(
      { ...received.job, headHash: first.hash },
      allocationFor(received.job, 52.5, 1000, '2026-11'),
      '2026-11-02T08:05:00Z',
    );
    events.push(change.event);
    for (const [to, at] of [
      ['PROVISIONING', '2026-11-02T08:05:10Z'],
      ['RUNNING', '2026-11-02T08:09:00Z'],
      ['SUCCEEDED', '2026-11-02T12:09:00Z'],
    ] as const) {
      change = applyTransition(change.job, { jobId: 'old-1', expectedVersion: change.job.version, to }, at);
      events.push(change.event);
    }
    const usage = usageLine(
      {
        instanceId: 'i-old',
        jobId: 'old-1',
        allocationId: 'old-1-a1',
        team: 'vision',
        project: 'detector',
        instanceType: 'p5.48xlarge',
        region: 'us-east-1',
        availabilityZone: 'us-east-1a',
        purchaseOption: 'spot',
        unitPriceUsdPerHour: 12.5,
        startedAt: '2026-11-02T08:09:00Z',
        period: '2026-11',
        stoppedAt: '2026-11-02T12:10:00Z',
        costUsd: 50.21,
      },
      { onDemandPriceUsdPerHour: 39.333333, interrupted: false },
    );
    return [
      { kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 1000, reservedUsd: 0, spentUsd: 50.21 },
      jobLine(change.job),
      ...events.map(eventLine),
      usage,
    ];
  };

  it('verifies its job records and reports its usage and budget records as not covered', () => {
    const verdict = verifyLedgerRecords(oldExport());
    expect(verdict.ok).toBe(true);
    expect(verdict.records.checked).toEqual({ job: 1, usage: 0, budget: 0 });
    expect(verdict.records.notCovered).toMatchObject({ preUsageChain: 1, preBudgetChain: 1 });
  });

  it('still names a job record that disagrees with its chain', () => {
    const records = oldExport().map((r) =>
      r.kind === 'job' && r.allocation !== null
        ? { ...r, allocation: { ...r.allocation, unitPriceUsdPerHour: 6.25 } }
        : r,
    );
    expect(only(verifyLedgerRecords(records).records.findings)).toMatchObject({
      kind: 'job',
      field: 'allocation.unitPriceUsdPerHour',
      seq: 2,
    });
  });
});
