import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decayedUsage, effectiveWeights } from '../../lambdas/core/planning/fair-weight.js';
import { groupJobClasses, requirementSignature } from '../../lambdas/core/planning/job-classes.js';
import { syntheticWorkload } from '../bench/synthetic-jobs.js';
import { makeJob } from '../support/offer-fixtures.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('requirementSignature', () => {
  it('ignores identity and bookkeeping fields', () => {
    const a = makeJob({ jobId: 'a', project: 'x', tags: { run: '1' } });
    const b = makeJob({ jobId: 'b', project: 'y', tags: { run: '2' } });
    expect(requirementSignature(a)).toBe(requirementSignature(b));
  });

  it('tells apart jobs that differ in anything that prices or ranks them', () => {
    const base = makeJob({ jobId: 'a' });
    const variants = [
      makeJob({ jobId: 'b', team: 'nlp' }),
      makeJob({ jobId: 'c', priority: 7 }),
      makeJob({ jobId: 'd', resources: { gpus: 4, gpuModels: ['A100-80GB'] } }),
      makeJob({ jobId: 'e', resources: { gpus: 8, nodes: 2, gpuModels: ['A100-80GB'] } }),
      makeJob({ jobId: 'f', resources: { gpus: 8, gpuModels: ['A100-80GB'], regions: ['us-east-1'] } }),
      makeJob({ jobId: 'g', resources: { gpus: 8, gpuModels: ['A100-80GB'], efa: true } }),
      makeJob({ jobId: 'h', resources: { gpus: 8, gpuModels: ['A100-80GB'], minGpuMemoryGiB: 40 } }),
      makeJob({ jobId: 'i', runtime: { estimatedHours: 11 } }),
      makeJob({ jobId: 'j', runtime: { estimatedHours: 10, interruptible: true } }),
      makeJob({ jobId: 'k', runtime: { estimatedHours: 10, checkpointMinutes: 30 } }),
      makeJob({ jobId: 'l', runtime: { estimatedHours: 10, maxPricePerHour: 50 } }),
      makeJob({ jobId: 'm', runtime: { estimatedHours: 10, deadline: '2026-11-30T00:00:00Z' } }),
      makeJob({ jobId: 'n', runtime: { estimatedHours: 10, referenceGpuModel: 'H100' } }),
    ];
    const signatures = new Set([base, ...variants].map(requirementSignature));
    expect(signatures.size).toBe(variants.length + 1);
  });

  it('reads a deadline as an instant, whatever its spelling', () => {
    const utc = makeJob({ jobId: 'a', runtime: { estimatedHours: 10, deadline: '2026-11-30T00:00:00Z' } });
    const offset = makeJob({
      jobId: 'b',
      runtime: { estimatedHours: 10, deadline: '2026-11-30T01:00:00+01:00' },
    });
    expect(requirementSignature(utc)).toBe(requirementSignature(offset));
  });
});

describe('groupJobClasses', () => {
  it('puts every job in exactly one class, members in jobId order, classes in order of first appearance', () => {
    const jobs = [
      makeJob({ jobId: 'z', team: 'nlp' }),
      makeJob({ jobId: 'b' }),
      makeJob({ jobId: 'y', team: 'nlp' }),
      makeJob({ jobId: 'a' }),
    ];
    const classes = groupJobClasses(jobs);
    expect(classes.map((c) => c.jobs.map((j) => j.jobId))).toEqual([
      ['y', 'z'],
      ['a', 'b'],
    ]);
    expect(classes.map((c) => c.inputIndex)).toEqual([
      [2, 0],
      [3, 1],
    ]);
  });

  it('gives the synthetic workloads about one class per ten jobs', () => {
    for (const size of [1_000, 10_000]) {
      const w = syntheticWorkload(size);
      const classes = groupJobClasses(w.jobs).length;
      expect(classes).toBeGreaterThan(size / 12);
      expect(classes).toBeLessThanOrEqual(w.signatures);
    }
  });
});

describe('decayedUsage and effectiveWeights', () => {
  it('halves usage once per half-life', () => {
    const sample = { endedAtMs: NOW - 48 * 3_600_000, vcpuHours: 1000 };
    expect(decayedUsage([sample], NOW, 24)).toBeCloseTo(250, 9);
    expect(decayedUsage([sample], NOW, 48)).toBeCloseTo(500, 9);
  });

  it('leaves weights untouched without history', () => {
    const weights = new Map([
      ['vision', 2],
      ['nlp', 3],
    ]);
    expect(effectiveWeights(weights, undefined, NOW)).toEqual(weights);
    expect(effectiveWeights(weights, new Map(), NOW)).toEqual(weights);
  });

  it('never gives more weight for more past usage', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (less, extra, weight) => {
          const w = effectiveWeights(
            new Map([
              ['a', weight],
              ['b', weight],
            ]),
            new Map([
              ['a', [{ endedAtMs: NOW, vcpuHours: less }]],
              ['b', [{ endedAtMs: NOW, vcpuHours: less + extra }]],
            ]),
            NOW,
          );
          expect(w.get('b') ?? Number.NaN).toBeLessThanOrEqual((w.get('a') ?? Number.NaN) + 1e-12);
        },
      ),
    );
  });

  it('rejects a non-positive half-life with a message naming it', () => {
    expect(() => decayedUsage([], NOW, 0)).toThrow(/halfLifeHours must be > 0/);
  });
});
