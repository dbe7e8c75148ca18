import { describe, expect, it } from 'vitest';
import { buildCostReport } from '../../../lambdas/core/accounting/cost-report.js';
import { costMicrosOf, microsPerHour, usdOf } from '../../../lambdas/core/accounting/metering.js';
import { verifyLedgerRecords } from '../../../lambdas/core/audit/ledger-verifier.js';
import type { Commitment } from '../../../lambdas/core/commitments/commitment.js';
import { recordsFromChains } from '../../../lambdas/core/ledger/chain-records.js';
import type { LedgerRecord } from '../../../lambdas/core/ledger/ledger-export.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeWorld, requestBody, runningJob, SPOT_OFFER } from './world.js';

const ODCR: Commitment = {
  kind: 'capacity-reservation',
  id: 'cr-0a1b2c3d4e5f60718',
  instanceType: 'p4de.24xlarge',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  count: 1,
  unitPriceUsdPerHour: null,
  start: '2026-02-01T00:00:00Z',
  end: null,
};

const worldWith = async (commitments: readonly Commitment[]) => {
  const w = await makeWorld();
  return { ...w, solveDeps: { ...w.solveDeps, commitments } };
};

describe('runSolve with commitments (the deployed path)', () => {
  it('launches a job on an idle reservation, then plans the next one past it while the first holds it', async () => {
    const w = await worldWith([ODCR]);
    const first = await runningJob(w, 'job-1');
    const job1 = await w.ledger.getJob('job-1');
    expect(job1?.state).toBe('RUNNING');
    expect(job1?.allocation?.allocation.commitment?.id).toBe('cr-0a1b2c3d4e5f60718');
    expect(job1?.allocation?.allocation.availabilityZone).toBe('us-east-1a');
    expect(job1?.allocation?.allocation.purchaseOption).toBe('on-demand');
    // No fallback at list price for a job on a commitment, and nothing reserved beyond it.
    expect(job1?.allocation?.allocation.fallbacks).toBeUndefined();
    expect(job1?.allocation?.reservation.amountUsd).toBe(0);
    expect(first.instanceIds).toHaveLength(1);

    const { intakeMessage } = await import('../../../lambdas/core/use-cases/intake-message.js');
    await intakeMessage(w, { messageId: 'm2', body: requestBody('job-2') });
    const second = await runSolve(w.solveDeps);
    expect(second.allocated.map((a) => a.jobId)).toEqual(['job-2']);
    const job2 = await w.ledger.getJob('job-2');
    expect(job2?.allocation?.allocation.commitment).toBeUndefined();
    expect(job2?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
  });

  it('does not plan on a Capacity Block, which a launch enters only by targeting its reservation', async () => {
    const block: Commitment = {
      kind: 'capacity-block',
      id: 'cr-0c1d2e3f4a5b6c7d8',
      instanceType: 'p4de.24xlarge',
      region: 'us-east-1',
      availabilityZone: 'us-east-1a',
      count: 1,
      priceUsd: 1000,
      start: '2026-02-28T00:00:00Z',
      end: '2026-03-07T00:00:00Z',
    };
    const w = await worldWith([block]);
    await runningJob(w, 'job-1');
    const job = await w.ledger.getJob('job-1');
    expect(job?.allocation?.allocation.commitment).toBeUndefined();
    expect(job?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
  });

  it('plans as before when the deployment has no commitments', async () => {
    const w = await worldWith([]);
    await runningJob(w, 'job-1');
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
  });
});

describe('a job on a commitment in the ledger export (ADR 0015)', () => {
  const exportOf = async (w: Awaited<ReturnType<typeof worldWith>>) => {
    const { exportLedgerPeriod } = await import('../../../lambdas/core/use-cases/ledger-export-period.js');
    const records: LedgerRecord[] = [];
    for await (const r of exportLedgerPeriod(w.ledger, ['vision'], '2026-03')) records.push(r);
    return records;
  };

  it('names the commitment on each usage line, as the chain states it, and verify holds it to the chain', async () => {
    const w = await worldWith([ODCR]);
    await runningJob(w, 'job-1');
    const records = await exportOf(w);
    const usage = records.filter((r) => r.kind === 'usage');
    expect(usage).toHaveLength(1);
    expect(usage[0]?.commitment).toEqual({
      id: 'cr-0a1b2c3d4e5f60718',
      kind: 'capacity-reservation',
      effectiveUnitPriceUsdPerHour: 40,
    });
    expect(usage[0]?.unitPriceUsdPerHour).toBe(0);
    expect(verifyLedgerRecords(records).ok).toBe(true);
    // The report from the chain alone says the same.
    const fromChain: LedgerRecord[] = [];
    for await (const r of recordsFromChains(records)) fromChain.push(r);
    expect(fromChain.find((r) => r.kind === 'usage')).toMatchObject({ commitment: usage[0]?.commitment });

    // A usage line that drops or changes the commitment disagrees with its chain.
    for (const forged of [undefined, { ...usage[0]?.commitment, effectiveUnitPriceUsdPerHour: 1 }]) {
      const tampered = records.map((r) => {
        if (r.kind !== 'usage') return r;
        const { commitment: _drop, ...rest } = r;
        return forged === undefined ? rest : { ...rest, commitment: forged };
      }) as LedgerRecord[];
      const verdict = verifyLedgerRecords(tampered);
      expect(verdict.ok).toBe(false);
      expect(verdict.records.findings.map((f) => f.field)).toContain('commitment');
    }
  });

  it('reports, from the chain alone, what the job drew at the reservation’s rate and charges the idle hours to its team', async () => {
    const w = await worldWith([ODCR]);
    await runningJob(w, 'job-1');
    const fromChain: LedgerRecord[] = [];
    for await (const r of recordsFromChains(await exportOf(w))) fromChain.push(r);
    const line = fromChain.find((r) => r.kind === 'usage');
    if (line?.kind !== 'usage') throw new Error('no usage line');
    const day = line.startedAt.slice(0, 10);
    const dayEndMs = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
    // The reservation's rate, as the stored book gives it (40 USD/h in this world).
    const priced: Commitment = { ...ODCR, unitPriceUsdPerHour: 40 };
    const report = await buildCostReport(fromChain, {
      from: day,
      to: day,
      groupBy: 'team',
      commitments: [priced],
    });
    const vision = report.teams.find((t) => t.team === 'vision');
    // The instance still runs: it is metered to the end of the day.
    const drawnMicros = costMicrosOf(dayEndMs - Date.parse(line.startedAt), microsPerHour(40));
    expect(vision?.actualUsd).toBe(0);
    expect(vision?.committedUsd).toBe(usdOf(drawnMicros));
    expect(vision?.effectiveUsd).toBe(usdOf(drawnMicros));
    expect(vision?.committedUnusedUsd).toBe(usdOf(microsPerHour(40) * 24 - drawnMicros));
    expect(report.commitments?.[0]).toMatchObject({ committedUsd: 960, unassignedUsd: 0 });
  });
});
