import { describe, expect, it } from 'vitest';
import type { JobRequestInput } from '../../lambdas/core/jobs/job-request.js';
import type { Offer } from '../../lambdas/core/pricing/offer.js';
import {
  type FleetSimulationInput,
  type NamedSpotTrace,
  prepareFleet,
  simulateFleet,
  spotPoolTrace,
} from '../../lambdas/core/simulation/fleet-simulation.js';
import { SPOT_POLICY_NAMES } from '../../lambdas/core/spot/spot-policy.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

const START = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** An A100 node (96 vCPUs) in us-east-1: on-demand at 40 USD/h, spot per zone at the given prices. */
const a100 = (spot: Readonly<Record<string, number>> = { 'use1-az1': 12 }): Offer[] => [
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    purchaseOption: 'on-demand',
    priceUsdPerHour: 40,
    onDemandPriceUsdPerHour: 40,
  }),
  ...Object.entries(spot).map(([az, price]) =>
    makeOffer({
      instanceType: 'p4de.24xlarge',
      region: 'us-east-1',
      availabilityZone: az,
      purchaseOption: 'spot',
      priceUsdPerHour: price,
      onDemandPriceUsdPerHour: 40,
    }),
  ),
];

const UP: NamedSpotTrace = { name: 'up', trace: { gapSeconds: 600, available: Uint8Array.of(1) } };
const DOWN: NamedSpotTrace = { name: 'down', trace: { gapSeconds: 600, available: Uint8Array.of(0) } };

/**
 * A single trace that the given spot pool reads as `pattern` from the start: pools read their
 * trace from a hashed offset, so the pattern is rotated by that offset.
 */
const traceSeenBy = (poolId: string, pattern: readonly number[]): NamedSpotTrace => {
  const probe: NamedSpotTrace = {
    name: 'probe',
    trace: { gapSeconds: 600, available: new Uint8Array(pattern.length) },
  };
  const { offsetTicks } = spotPoolTrace(poolId, [probe]);
  const available = new Uint8Array(pattern.length);
  pattern.forEach((flag, t) => {
    available[(offsetTicks + t) % pattern.length] = flag;
  });
  return { name: 'pattern', trace: { gapSeconds: 600, available } };
};

const input = (over: Partial<FleetSimulationInput>): FleetSimulationInput => ({
  jobs: [],
  priceBook: makeBook(a100()),
  quotaLimit: () => null,
  traces: [UP],
  startMs: START,
  tickMinutes: 10,
  ...over,
});

const job = (jobId: string, runtime: JobRequestInput['runtime'], over: Partial<JobRequestInput> = {}) =>
  makeJob({ jobId, runtime: { referenceGpuModel: 'A100-80GB', ...runtime }, ...over });

describe('spotPoolTrace', () => {
  it('maps a pool to the same trace and offset every time, inside the trace', () => {
    const traces = Array.from({ length: 8 }, (_, i) => ({
      name: `t${i}`,
      trace: { gapSeconds: 600, available: new Uint8Array(100 + i) },
    }));
    const a = spotPoolTrace('g6.xlarge|use1-az2', traces);
    expect(spotPoolTrace('g6.xlarge|use1-az2', traces)).toEqual(a);
    expect(a.offsetTicks).toBeLessThan(traces[a.traceIndex]?.trace.available.length ?? 0);
  });

  it('spreads different pools over the traces instead of putting them all on one', () => {
    const traces = Array.from({ length: 8 }, (_, i) => ({
      name: `t${i}`,
      trace: { gapSeconds: 600, available: new Uint8Array(3895) },
    }));
    const used = new Set(
      Array.from({ length: 40 }, (_, i) => spotPoolTrace(`g6.xlarge|use1-az${i}`, traces).traceIndex),
    );
    expect(used.size).toBeGreaterThanOrEqual(6);
  });
});

describe('simulateFleet', () => {
  it('runs a job that is not interruptible on on-demand from the start under every policy', () => {
    const setup = prepareFleet(input({ jobs: [job('train', { estimatedHours: 10 })] }));
    for (const policy of SPOT_POLICY_NAMES) {
      const r = simulateFleet(setup, policy);
      expect(r.totalCostUsd).toBeCloseTo(10.2 * 40, 9);
      expect(r.onDemandHours).toBeCloseTo(10.2, 9);
      expect(r.spotHours).toBe(0);
      expect(r.jobs[0]?.finishedAtMs).toBeCloseTo(START + 10.2 * HOUR, 0);
    }
  });

  it('runs an interruptible job on its spot offer while spot is there, paying one changeover', () => {
    const setup = prepareFleet(
      input({ jobs: [job('sweep', { estimatedHours: 10, interruptible: true, checkpointMinutes: 30 })] }),
    );
    const r = simulateFleet(setup, 'greedy-spot');
    expect(r.spotHours).toBeCloseTo(10.2, 9);
    expect(r.totalCostUsd).toBeCloseTo(10.2 * 12, 9);
    expect(r.interruptions).toBe(0);
    expect(r.changeovers).toBe(1);
  });

  it('loses the work since the last checkpoint when spot vanishes, and pays the changeover again', () => {
    // Spot for 3 h, gone for one 10-minute tick, then back for good.
    const pattern = Array.from({ length: 200 }, (_, t) => (t === 18 ? 0 : 1));
    const setup = prepareFleet(
      input({
        jobs: [job('sweep', { estimatedHours: 10, interruptible: true, checkpointMinutes: 60 })],
        traces: [traceSeenBy('p4de.24xlarge|use1-az1', pattern)],
      }),
    );
    for (const policy of ['greedy-spot', 'quartermaster'] as const) {
      const r = simulateFleet(setup, policy);
      // 0.2 h changeover + 2.8 h of work, checkpointed at 1 h and 2 h: 0.8 h lost. Back at 3 h 10 min,
      // another changeover and the 8 h left.
      expect(r.interruptions).toBe(1);
      expect(r.changeovers).toBe(2);
      expect(r.spotHours).toBeCloseTo(3 + 0.2 + 8, 9);
      expect(r.jobs[0]?.finishedAtMs).toBeCloseTo(START + (19 / 6 + 0.2 + 8) * HOUR, 0);
      expect(r.usage.map((u) => u.interrupted)).toEqual([true, false]);
      expect(r.usage[0]?.hours).toBeCloseTo(3, 9);
    }
  });

  it('loses everything done on the instance when a job without checkpoints is reclaimed', () => {
    const pattern = Array.from({ length: 200 }, (_, t) => (t === 18 ? 0 : 1));
    const setup = prepareFleet(
      input({
        jobs: [job('sweep', { estimatedHours: 10, interruptible: true })],
        traces: [traceSeenBy('p4de.24xlarge|use1-az1', pattern)],
      }),
    );
    const r = simulateFleet(setup, 'greedy-spot');
    expect(r.spotHours).toBeCloseTo(3 + 10.2, 9);
  });

  it('queues a job while its quota pool is full and starts the higher priority first', () => {
    const setup = prepareFleet(
      input({
        jobs: [
          job('low', { estimatedHours: 5 }, { priority: 100 }),
          job('high', { estimatedHours: 5 }, { priority: 700 }),
        ],
        quotaLimit: (region, cls) => (region === 'us-east-1' && cls === 'on-demand/P' ? 96 : null),
      }),
    );
    const r = simulateFleet(setup, 'on-demand');
    const byId = new Map(r.jobs.map((j) => [j.jobId, j]));
    expect(byId.get('high')?.finishedAtMs).toBeCloseTo(START + 5.2 * HOUR, 0);
    // The high job ends inside the tick that starts at 5 h 10 min; the low one starts at the next boundary.
    expect(byId.get('low')?.finishedAtMs).toBeCloseTo(START + (32 / 6 + 5.2) * HOUR, 0);
    expect(r.peakVcpus['us-east-1|on-demand/P']).toBe(96);
  });

  it('lets fleet-pco use a dearer spot pool with capacity while the others wait for the cheapest', () => {
    const traces = [DOWN, UP];
    const zoneOn = (traceIndex: number) => {
      for (let i = 1; i < 100; i++) {
        if (spotPoolTrace(`p4de.24xlarge|use1-az${i}`, traces).traceIndex === traceIndex)
          return `use1-az${i}`;
      }
      throw new Error('no zone maps to that trace');
    };
    const cheapZone = zoneOn(0);
    const dearZone = zoneOn(1);
    const setup = prepareFleet(
      input({
        priceBook: makeBook(a100({ [cheapZone]: 12, [dearZone]: 14 })),
        traces,
        jobs: [
          job('sweep', {
            estimatedHours: 5,
            interruptible: true,
            checkpointMinutes: 30,
            deadline: iso(START + 12 * HOUR),
          }),
        ],
      }),
    );
    const pco = simulateFleet(setup, 'fleet-pco');
    const greedy = simulateFleet(setup, 'greedy-spot');
    const qm = simulateFleet(setup, 'quartermaster');
    expect(pco.usage[0]?.availabilityZone).toBe(dearZone);
    expect(pco.totalCostUsd).toBeCloseTo(5.2 * 14, 9);
    expect(greedy.spotHours).toBe(0);
    expect(greedy.totalCostUsd).toBeCloseTo(5.2 * 40, 9);
    expect(qm.totalCostUsd).toBeCloseTo(5.2 * 40, 9);
    expect([pco, greedy, qm].map((r) => r.deadlineMisses)).toEqual([0, 0, 0]);
  });

  it('reports a job with no feasible offer as unplaced, with the reason, and not as a missed deadline', () => {
    const setup = prepareFleet(
      input({
        jobs: [
          job(
            'h100',
            { estimatedHours: 2, referenceGpuModel: 'H100', deadline: iso(START + 10 * HOUR) },
            { resources: { gpus: 8, gpuModels: ['H100'] } },
          ),
        ],
      }),
    );
    const r = simulateFleet(setup, 'quartermaster');
    expect(r.jobsUnplaced).toBe(1);
    expect(r.deadlineMisses).toBe(0);
    expect(r.jobs[0]?.unplacedReason).toMatch(/accelerator model/);
  });

  it('leaves a spot-only job out of the on-demand policy and runs it on spot under the others', () => {
    const setup = prepareFleet(
      input({ jobs: [job('cheap', { estimatedHours: 2, interruptible: true, maxPricePerHour: 20 })] }),
    );
    const onDemand = simulateFleet(setup, 'on-demand');
    expect(onDemand.jobsUnplaced).toBe(1);
    expect(onDemand.jobs[0]?.unplacedReason).toMatch(/only on-demand/);
    const greedy = simulateFleet(setup, 'greedy-spot');
    expect(greedy.jobsFinished).toBe(1);
    expect(greedy.spotHours).toBeCloseTo(2.2, 9);
  });

  it('starts a job at the first tick boundary after its submittedAt', () => {
    const setup = prepareFleet(
      input({ jobs: [job('late', { estimatedHours: 5 }, { submittedAt: iso(START + 25 * 60_000) })] }),
    );
    const r = simulateFleet(setup, 'on-demand');
    expect(r.jobs[0]?.activatedAtMs).toBe(START + 30 * 60_000);
    expect(r.jobs[0]?.finishedAtMs).toBeCloseTo(START + (0.5 + 5.2) * HOUR, 0);
  });

  it('scores teams by allocated over demanded GPU-hours: a queued team gets less than 1', () => {
    const setup = prepareFleet(
      input({
        jobs: [
          job('first', { estimatedHours: 5 }, { team: 'vision', priority: 700 }),
          job('second', { estimatedHours: 5 }, { team: 'nlp', priority: 100 }),
        ],
        quotaLimit: () => 96,
        teamWeights: new Map([['vision', 2]]),
      }),
    );
    const r = simulateFleet(setup, 'on-demand');
    const byTeam = new Map(r.teams.map((t) => [t.team, t]));
    expect(byTeam.get('vision')?.service).toBeCloseTo(1, 9);
    expect(byTeam.get('vision')?.weight).toBe(2);
    const nlp = byTeam.get('nlp');
    // Waited 32 ticks (5 h 20 min), then ran 5.2 h.
    expect(nlp?.service).toBeCloseTo(5.2 / (32 / 6 + 5.2), 6);
    expect(r.jainIndex).toBeLessThan(1);
    expect(r.jainIndex).toBeGreaterThan(0.5);
  });

  it('rejects a non-positive tick length and an empty trace list', () => {
    expect(() => prepareFleet(input({ tickMinutes: 0 }))).toThrow(/tickMinutes/);
    expect(() => prepareFleet(input({ traces: [] }))).toThrow(/trace/);
  });
});
