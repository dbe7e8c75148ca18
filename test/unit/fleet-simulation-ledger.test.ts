import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../lambdas/core/ledger/event-chain.js';
import { eventOf, type LedgerEvent, ledgerLine } from '../../lambdas/core/ledger/ledger-export.js';
import {
  type NamedSpotTrace,
  prepareFleet,
  simulateFleet,
  spotPoolTrace,
} from '../../lambdas/core/simulation/fleet-simulation.js';
import { fleetLedgerRecords } from '../../lambdas/core/simulation/fleet-simulation-ledger.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

const START = Date.parse('2026-11-26T12:00:00Z');

const BOOK = makeBook([
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    purchaseOption: 'on-demand',
    priceUsdPerHour: 40,
  }),
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    availabilityZone: 'use1-az1',
    purchaseOption: 'spot',
    priceUsdPerHour: 12,
    onDemandPriceUsdPerHour: 40,
  }),
]);

/** Spot for 3 h, gone for one tick, then back, as the use1-az1 pool reads it. */
const reclaimOnce = (): NamedSpotTrace => {
  const pattern = Array.from({ length: 200 }, (_, t) => (t === 18 ? 0 : 1));
  const probe = { name: 'p', trace: { gapSeconds: 600, available: new Uint8Array(200) } };
  const { offsetTicks } = spotPoolTrace('p4de.24xlarge|use1-az1', [probe]);
  const available = new Uint8Array(200);
  pattern.forEach((flag, t) => {
    available[(offsetTicks + t) % 200] = flag;
  });
  return { name: 'reclaim-once', trace: { gapSeconds: 600, available } };
};

const setup = prepareFleet({
  jobs: [
    makeJob({
      jobId: 'sweep',
      runtime: {
        estimatedHours: 10,
        referenceGpuModel: 'A100-80GB',
        interruptible: true,
        checkpointMinutes: 60,
      },
      tags: { 'cost-center': 'cc-1' },
    }),
    makeJob({
      jobId: 'h100',
      resources: { gpus: 8, gpuModels: ['H100'] },
      runtime: { estimatedHours: 2, referenceGpuModel: 'H100' },
    }),
  ],
  priceBook: BOOK,
  quotaLimit: () => null,
  traces: [reclaimOnce()],
  startMs: START,
  tickMinutes: 10,
});
const result = simulateFleet(setup, 'quartermaster');
const records = fleetLedgerRecords(result, {
  priceBook: BOOK,
  placed: setup.placed,
  budgets: [{ kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 1000 }],
});
const eventsOf = (jobId: string) =>
  records.filter((r): r is LedgerEvent => r.kind === 'event' && r.jobId === jobId).map(eventOf);

describe('fleetLedgerRecords', () => {
  it('writes only records the ledger export accepts', () => {
    for (const record of records) expect(() => ledgerLine(record)).not.toThrow();
    expect(records[0]).toEqual({ kind: 'budget', team: 'vision', period: '2026-11', limitUsd: 1000 });
  });

  it('chains a reclaimed job through INTERRUPTED and REQUEUED to SUCCEEDED', () => {
    const events = eventsOf('sweep');
    expect(events.map((e) => e.type)).toEqual([
      'RECEIVED',
      'ALLOCATED',
      'PROVISIONING',
      'RUNNING',
      'INTERRUPTED',
      'REQUEUED',
      'ALLOCATED',
      'PROVISIONING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(verifyChain(events).ok).toBe(true);
    // 0.2 h changeover, then checkpoints after 1 h and 2 h of work: the last at 14:12.
    expect(events[4]?.data).toEqual({
      allocationId: 'sim:sweep:1',
      cause: 'spot-reclaim',
      lastCheckpointAt: '2026-11-26T14:12:00Z',
    });
    const job = records.find((r) => r.kind === 'job' && r.jobId === 'sweep');
    expect(job).toMatchObject({
      state: 'SUCCEEDED',
      attempts: 2,
      version: 10,
      headHash: events.at(-1)?.hash,
      allocation: { allocationId: 'sim:sweep:2', purchaseOption: 'spot', unitPriceUsdPerHour: 12 },
      tags: { 'cost-center': 'cc-1' },
    });
  });

  it('marks the reclaimed usage interval and stores the unit price and list price', () => {
    const usage = records.filter((r) => r.kind === 'usage');
    expect(usage).toMatchObject([
      {
        instanceId: 'sim-sweep-1-1',
        startedAt: '2026-11-26T12:00:00Z',
        stoppedAt: '2026-11-26T15:00:00Z',
        interrupted: true,
        lastCheckpointAt: '2026-11-26T14:12:00Z',
        unitPriceUsdPerHour: 12,
        onDemandPriceUsdPerHour: 40,
      },
      { instanceId: 'sim-sweep-2-1', startedAt: '2026-11-26T15:10:00Z', interrupted: false },
    ]);
  });

  it('keeps an unplaced job as PENDING with its reason and no allocation', () => {
    const job = records.find((r) => r.kind === 'job' && r.jobId === 'h100');
    expect(job).toMatchObject({ state: 'PENDING', allocation: null, attempts: 0 });
    expect(job?.kind === 'job' ? job.runtime.reason : undefined).toMatch(/accelerator model/);
    expect(eventsOf('h100').map((e) => e.type)).toEqual(['RECEIVED']);
  });
});
