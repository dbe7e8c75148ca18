import { describe, expect, it } from 'vitest';
import { estimateSpellHazard } from '../../lambdas/core/spot/spell-hazard.js';

describe('spell hazard', () => {
  it('counts, per age, the spells that reached it and the ones that ended there, censoring the last spell', () => {
    // Spells: up 2, down 1, up 2, down 3 (cut off by the end of the trace).
    const hazard = estimateSpellHazard(Uint8Array.from([1, 1, 0, 1, 1, 0, 0, 0]), 4);
    // Up: both spells reached ages 1 and 2 and both ended at 2; overall 2 ends in 4 spell-ticks.
    const upOverall = 2 / 4;
    expect(hazard.endsAfter[1][1]).toBeCloseTo((0 + upOverall) / (2 + 1), 12);
    expect(hazard.endsAfter[1][2]).toBeCloseTo((2 + upOverall) / (2 + 1), 12);
    // Down: one ended spell of 1 and one censored spell of 3: ages 1..3 reached, one end at age 1.
    const downOverall = 1 / 4;
    expect(hazard.endsAfter[0][1]).toBeCloseTo((1 + downOverall) / (2 + 1), 12);
    expect(hazard.endsAfter[0][3]).toBeCloseTo((0 + downOverall) / (1 + 1), 12);
  });

  it('pools every age from maxAge on into one figure', () => {
    const hazard = estimateSpellHazard(Uint8Array.from([1, 1, 1, 1, 1, 0]), 2);
    // The up spell reaches ages 1..5; ages 2..5 share slot 2, where it ended once in 4 ticks.
    const overall = 1 / 5;
    expect(hazard.endsAfter[1][2]).toBeCloseTo((1 + overall) / (4 + 1), 12);
  });

  it('keeps every figure strictly between 0 and 1', () => {
    const hazard = estimateSpellHazard(Uint8Array.from([1, 1, 1, 1]), 3);
    for (const figures of hazard.endsAfter) {
      for (let age = 1; age <= 3; age++) {
        expect(figures[age]).toBeGreaterThan(0);
        expect(figures[age]).toBeLessThan(1);
      }
    }
  });

  it('refuses an empty trace and a maxAge below 1', () => {
    expect(() => estimateSpellHazard(new Uint8Array(0), 4)).toThrow(/empty trace/);
    expect(() => estimateSpellHazard(Uint8Array.from([1]), 0)).toThrow(
      /maxAge must be an integer >= 1, got 0/,
    );
  });
});
