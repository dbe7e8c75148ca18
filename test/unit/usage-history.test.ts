import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decayedUsage } from '../../lambdas/core/planning/fair-weight.js';
import {
  HISTORY_CUTOFF_HALF_LIVES,
  historyPeriods,
  historyWeights,
  type UsageInterval,
  usageHistory,
  vcpusByInstanceType,
} from '../../lambdas/core/planning/usage-history.js';
import { makeBook, makeOffer } from '../support/offer-fixtures.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const VCPUS = new Map([
  ['p4de.24xlarge', 96],
  ['g5.xlarge', 4],
]);
const iso = (ms: number) => new Date(ms).toISOString();
const interval = (over: Partial<UsageInterval> & { startedAt: string }): UsageInterval => ({
  team: 'vision',
  instanceType: 'g5.xlarge',
  stoppedAt: null,
  ...over,
});
const total = (samples: readonly { vcpuHours: number }[] | undefined) =>
  (samples ?? []).reduce((a, s) => a + s.vcpuHours, 0);

describe('vcpusByInstanceType', () => {
  it('reads each instance type’s vCPUs from the price book offers', () => {
    const book = makeBook([
      makeOffer({ instanceType: 'p4de.24xlarge', region: 'us-east-1', purchaseOption: 'spot' }),
      makeOffer({ instanceType: 'g5.xlarge', region: 'us-west-2', purchaseOption: 'on-demand', vcpus: 4 }),
    ]);
    expect(vcpusByInstanceType(book)).toEqual(VCPUS);
  });
});

describe('usageHistory', () => {
  it('counts a stopped interval as vCPUs × hours for its team', () => {
    const h = usageHistory([interval({ startedAt: iso(NOW - 10 * HOUR), stoppedAt: iso(NOW - 4 * HOUR) })], {
      vcpus: VCPUS,
      nowMs: NOW,
    });
    expect(total(h.samples.get('vision'))).toBeCloseTo(4 * 6, 9);
    expect(h.counted).toBe(1);
  });

  it('counts a still-running interval up to the planning instant', () => {
    const h = usageHistory([interval({ instanceType: 'p4de.24xlarge', startedAt: iso(NOW - 3 * HOUR) })], {
      vcpus: VCPUS,
      nowMs: NOW,
    });
    expect(total(h.samples.get('vision'))).toBeCloseTo(96 * 3, 9);
    expect(Math.max(...(h.samples.get('vision') ?? []).map((s) => s.endedAtMs))).toBe(NOW);
  });

  it('does not count usage after the planning instant', () => {
    const h = usageHistory(
      [
        interval({ startedAt: iso(NOW - 2 * HOUR), stoppedAt: iso(NOW + 5 * HOUR) }),
        interval({ startedAt: iso(NOW + HOUR), stoppedAt: iso(NOW + 2 * HOUR) }),
      ],
      { vcpus: VCPUS, nowMs: NOW },
    );
    expect(total(h.samples.get('vision'))).toBeCloseTo(4 * 2, 9);
    expect(h.outsideWindow).toBe(1);
  });

  it('skips intervals of instance types the price book does not know and counts them per type', () => {
    const h = usageHistory(
      [
        interval({ instanceType: 'x9.mystery', startedAt: iso(NOW - 2 * HOUR) }),
        interval({ instanceType: 'x9.mystery', team: 'nlp', startedAt: iso(NOW - 5 * HOUR) }),
        interval({ startedAt: iso(NOW - HOUR) }),
      ],
      { vcpus: VCPUS, nowMs: NOW },
    );
    expect(h.unknownInstanceTypes).toEqual(new Map([['x9.mystery', 2]]));
    expect([...h.samples.keys()]).toEqual(['vision']);
    expect(h.counted).toBe(1);
  });

  it('ignores usage older than eight half-lives and clips an interval that straddles the cut-off', () => {
    const cutoff = NOW - HISTORY_CUTOFF_HALF_LIVES * 24 * HOUR;
    const h = usageHistory(
      [
        interval({ team: 'old', startedAt: iso(cutoff - 10 * HOUR), stoppedAt: iso(cutoff - HOUR) }),
        interval({ startedAt: iso(cutoff - 10 * HOUR), stoppedAt: iso(cutoff + 2 * HOUR) }),
      ],
      { vcpus: VCPUS, nowMs: NOW, halfLifeHours: 24 },
    );
    expect(h.samples.has('old')).toBe(false);
    expect(h.outsideWindow).toBe(1);
    expect(total(h.samples.get('vision'))).toBeCloseTo(4 * 2, 9);
  });

  it('lets a long run decay piece by piece rather than as if it had all ended now', () => {
    const week = usageHistory([interval({ startedAt: iso(NOW - 168 * HOUR) })], { vcpus: VCPUS, nowMs: NOW });
    const samples = week.samples.get('vision') ?? [];
    // Exact decayed integral of 4 vCPUs over the last half-life: 4 × 168 / ln 2 × (1 − 1/2).
    const exact = ((4 * 168) / Math.LN2) * 0.5;
    const decayed = decayedUsage(samples, NOW, 168);
    expect(decayed).toBeGreaterThanOrEqual(exact);
    expect(decayed).toBeLessThan(exact * 2 ** (1 / 16));
    expect(samples.length).toBeGreaterThan(10);
  });

  it('folds many intervals of a team into one sample per time cell', () => {
    const many = Array.from({ length: 500 }, (_, i) => interval({ startedAt: iso(NOW - 2 * HOUR - i) }));
    const h = usageHistory(many, { vcpus: VCPUS, nowMs: NOW });
    expect((h.samples.get('vision') ?? []).length).toBeLessThanOrEqual(2);
    expect(h.counted).toBe(500);
  });

  it('names the interval when an instant does not parse', () => {
    expect(() =>
      usageHistory([interval({ team: 'nlp', startedAt: 'yesterday' })], { vcpus: VCPUS, nowMs: NOW }),
    ).toThrow(/team nlp \(g5\.xlarge\): startedAt "yesterday"/);
  });

  it('refuses a half-life that is not a positive number', () => {
    expect(() => usageHistory([], { vcpus: VCPUS, nowMs: NOW, halfLifeHours: 0 })).toThrow(/halfLifeHours/);
  });

  it('never counts more vCPU-hours than the clipped intervals hold (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            startOffsetH: fc.double({ min: -2000, max: 50, noNaN: true }),
            lengthH: fc.double({ min: 0, max: 1000, noNaN: true }),
            running: fc.boolean(),
          }),
          { maxLength: 20 },
        ),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        (specs, halfLifeHours) => {
          const windowStart = NOW - HISTORY_CUTOFF_HALF_LIVES * halfLifeHours * HOUR;
          let expected = 0;
          const intervals = specs.map((s) => {
            const start = Math.round(NOW + s.startOffsetH * HOUR);
            const stop = s.running ? NOW : Math.round(start + s.lengthH * HOUR);
            expected += (4 * Math.max(0, Math.min(stop, NOW) - Math.max(start, windowStart))) / HOUR;
            return interval({ startedAt: iso(start), stoppedAt: s.running ? null : iso(stop) });
          });
          const h = usageHistory(intervals, { vcpus: VCPUS, nowMs: NOW, halfLifeHours });
          const samples = h.samples.get('vision') ?? [];
          expect(total(samples)).toBeCloseTo(expected, 3);
          for (const s of samples) expect(s.endedAtMs).toBeLessThanOrEqual(NOW);
        },
      ),
    );
  });
});

describe('historyPeriods', () => {
  it('covers the 56-day window of a one-week half-life: two or three months', () => {
    expect(historyPeriods(NOW)).toEqual(['2026-10', '2026-11']);
    expect(historyPeriods(Date.parse('2026-03-01T00:00:00Z'))).toEqual(['2026-01', '2026-02', '2026-03']);
  });

  it('crosses a year boundary', () => {
    expect(historyPeriods(Date.parse('2027-01-10T00:00:00Z'), 24)).toEqual(['2027-01']);
    expect(historyPeriods(Date.parse('2027-01-03T00:00:00Z'), 24)).toEqual(['2026-12', '2027-01']);
  });
});

describe('historyWeights', () => {
  it('shrinks the weight of the team with past usage and leaves the others as configured', () => {
    const h = usageHistory([interval({ team: 'vision', startedAt: iso(NOW - 10 * HOUR) })], {
      vcpus: VCPUS,
      nowMs: NOW,
    });
    const lines = historyWeights(
      new Map([
        ['nlp', 1],
        ['vision', 2],
      ]),
      h.samples,
      NOW,
    );
    expect(lines.map((l) => [l.team, l.weight, l.effectiveWeight])).toEqual([
      ['nlp', 1, 1],
      ['vision', 2, 1],
    ]);
    expect(lines[1]?.decayedVcpuHours).toBeGreaterThan(38);
    expect(lines[1]?.decayedVcpuHours).toBeLessThan(40);
  });
});
