import { describe, expect, it } from 'vitest';
import {
  centsUsd,
  costMicrosOf,
  estimateVsActual,
  meterUsage,
  microsPerHour,
  usageCostMicros,
} from '../../lambdas/core/accounting/metering.js';
import type { LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';

const usage = (over: Partial<LedgerUsage> = {}): LedgerUsage => ({
  kind: 'usage',
  instanceId: 'i-0001',
  jobId: 'job-1',
  allocationId: 'alloc-1',
  team: 'vision',
  project: 'detector',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'p5.48xlarge',
  purchaseOption: 'spot',
  unitPriceUsdPerHour: 20,
  onDemandPriceUsdPerHour: 55.04,
  startedAt: '2026-11-01T22:00:00Z',
  stoppedAt: '2026-11-02T04:00:00Z',
  interrupted: false,
  ...over,
});
const ALL = { startMs: Number.NEGATIVE_INFINITY, endMs: Number.POSITIVE_INFINITY };
const NOV = { startMs: Date.parse('2026-11-01T00:00:00Z'), endMs: Date.parse('2026-12-01T00:00:00Z') };

describe('metering', () => {
  it('charges hours times the unit price stored with the allocation, in whole micro-dollars', () => {
    const [piece] = meterUsage(usage(), ALL);
    expect(piece?.costMicros).toBe(6 * 20 * 1_000_000);
    expect(piece?.onDemandMicros).toBe(Math.round(6 * 55.04 * 1_000_000));
    expect(usageCostMicros(usage())).toBe(120_000_000);
  });

  it('splits an interval at UTC midnight into pieces that add up exactly to the whole', () => {
    const odd = usage({
      unitPriceUsdPerHour: 3.337_781,
      startedAt: '2026-11-01T21:17:13Z',
      stoppedAt: '2026-11-03T02:05:59Z',
    });
    const pieces = meterUsage(odd, ALL, 'day');
    expect(pieces.map((p) => new Date(p.startMs).toISOString().slice(0, 10))).toEqual([
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
    ]);
    expect(pieces.reduce((s, p) => s + p.costMicros, 0)).toBe(usageCostMicros(odd));
  });

  it('clips an interval to the window and meters a running instance up to the window end', () => {
    const crossing = usage({ startedAt: '2026-10-31T23:00:00Z', stoppedAt: '2026-11-01T01:00:00Z' });
    expect(meterUsage(crossing, NOV).map((p) => p.costMicros)).toEqual([20_000_000]);
    const running = usage({ startedAt: '2026-11-30T23:30:00Z', stoppedAt: null });
    expect(meterUsage(running, NOV).map((p) => p.costMicros)).toEqual([10_000_000]);
  });

  it('reports the work after the last checkpoint of an interrupted interval as interrupted cost', () => {
    const lost = usage({
      startedAt: '2026-11-05T00:00:00Z',
      stoppedAt: '2026-11-05T10:00:00Z',
      interrupted: true,
      lastCheckpointAt: '2026-11-05T08:30:00Z',
    });
    const [piece] = meterUsage(lost, ALL);
    expect(piece?.costMicros).toBe(200_000_000);
    expect(piece?.interruptedMicros).toBe(30_000_000);
  });

  it('counts all of an interrupted interval as lost when it never checkpointed', () => {
    const lost = usage({ interrupted: true });
    const pieces = meterUsage(lost, ALL, 'day');
    expect(pieces.reduce((s, p) => s + p.interruptedMicros, 0)).toBe(120_000_000);
  });

  it('uses the paid price as the list price when AWS sells no on-demand equivalent', () => {
    const [piece] = meterUsage(usage({ onDemandPriceUsdPerHour: null }), ALL);
    expect(piece?.onDemandMicros).toBe(piece?.costMicros);
  });

  it('rounds half a micro-dollar up and never loses precision on long, expensive intervals', () => {
    expect(costMicrosOf(1_800_000, 1)).toBe(1); // half an hour at 1 µ$/h: 0.5 µ$
    expect(costMicrosOf(1_799_999, 1)).toBe(0);
    const yearMs = 365 * 24 * 3_600_000;
    expect(costMicrosOf(yearMs, microsPerHour(98.32))).toBe(365 * 24 * 98_320_000);
    expect(centsUsd(1_234_565_000)).toBe(1234.57);
  });

  it('refuses a negative or non-finite unit price', () => {
    expect(() => microsPerHour(-1)).toThrow(/unit price -1/);
    expect(() => microsPerHour(Number.NaN)).toThrow(/finite/);
  });

  it('compares a job estimate with its actual cost, ignoring other jobs and running intervals', () => {
    const result = estimateVsActual('job-1', 100, [
      usage(),
      usage({ instanceId: 'i-2', jobId: 'job-2' }),
      usage({ instanceId: 'i-3', stoppedAt: null }),
    ]);
    expect(result).toEqual({
      jobId: 'job-1',
      estimateMicros: 100_000_000,
      actualMicros: 120_000_000,
      interruptedMicros: 0,
      accuracy: 1.2,
    });
    expect(estimateVsActual('job-1', 0, [usage()]).accuracy).toBeNull();
  });
});
