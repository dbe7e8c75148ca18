import { describe, expect, it } from 'vitest';
import { spotPoolId, spotPoolTrace } from '../../lambdas/core/simulation/spot-pool-trace.js';

describe('spotPoolId', () => {
  it('names a zonal pool by type and zone, a region-wide one by type and region', () => {
    expect(spotPoolId({ instanceType: 'g6.xlarge', availabilityZone: 'use1-az2', region: 'us-east-1' })).toBe(
      'g6.xlarge|use1-az2',
    );
    expect(spotPoolId({ instanceType: 'g6.xlarge', availabilityZone: null, region: 'us-east-1' })).toBe(
      'g6.xlarge|us-east-1',
    );
  });
});

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

  it('refuses an empty trace list', () => {
    expect(() => spotPoolTrace('g6.xlarge|use1-az2', [])).toThrow(/at least one spot availability trace/);
  });
});
