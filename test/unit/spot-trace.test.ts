import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSpotTraceFile } from '../../lambdas/adapters/spot-trace-file.js';
import {
  parseSpotTrace,
  SpotTraceError,
  spotAvailabilityFraction,
  spotTraceHours,
} from '../../lambdas/core/spot/spot-trace.js';

const errorOf = (run: () => unknown): SpotTraceError => {
  try {
    run();
  } catch (error) {
    if (error instanceof SpotTraceError) return error;
    throw error;
  }
  throw new Error('expected a SpotTraceError');
};

describe('parseSpotTrace', () => {
  it('turns instance counts into availability flags and keeps the tick length', () => {
    const trace = parseSpotTrace({ metadata: { gap_seconds: 600 }, data: [0, 1, 8, 0] }, 'inline');
    expect(trace.gapSeconds).toBe(600);
    expect(Array.from(trace.available)).toEqual([0, 1, 1, 0]);
    expect(spotAvailabilityFraction(trace)).toBe(0.5);
    expect(spotTraceHours(trace)).toBeCloseTo(4 / 6, 12);
  });

  it('names the source and the field when the gap is missing or not positive', () => {
    const missing = errorOf(() => parseSpotTrace({ metadata: {}, data: [1] }, 'a.json'));
    expect(missing.field).toBe('metadata.gap_seconds');
    expect(missing.message).toContain('spot trace a.json: metadata.gap_seconds');
    expect(errorOf(() => parseSpotTrace({ metadata: { gap_seconds: 0 }, data: [1] }, 'a.json')).field).toBe(
      'metadata.gap_seconds',
    );
    expect(
      errorOf(() => parseSpotTrace({ metadata: { gap_seconds: '600' }, data: [1] }, 'a.json')).message,
    ).toContain('got "600"');
  });

  it('names the index of the first bad sample', () => {
    const error = errorOf(() =>
      parseSpotTrace({ metadata: { gap_seconds: 60 }, data: [1, 2, -1, 'x'] }, 'b.json'),
    );
    expect(error.field).toBe('data[2]');
    expect(error.message).toBe(
      'spot trace b.json: data[2] must be a non-negative integer instance count, got -1',
    );
  });

  it('rejects a document without metadata, without data or with no samples', () => {
    expect(errorOf(() => parseSpotTrace([], 'c.json')).field).toBe('(root)');
    expect(errorOf(() => parseSpotTrace({ data: [1] }, 'c.json')).field).toBe('metadata');
    expect(errorOf(() => parseSpotTrace({ metadata: { gap_seconds: 60 } }, 'c.json')).field).toBe('data');
    expect(errorOf(() => parseSpotTrace({ metadata: { gap_seconds: 60 }, data: [] }, 'c.json')).field).toBe(
      'data',
    );
  });

  it('accepts any list of non-negative counts and marks exactly the positive ones available', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(64), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 7200 }),
        (data, gap) => {
          const trace = parseSpotTrace({ metadata: { gap_seconds: gap }, data }, 'generated');
          expect(Array.from(trace.available)).toEqual(data.map((count) => (count > 0 ? 1 : 0)));
        },
      ),
    );
  });

  it('never throws anything but a SpotTraceError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseSpotTrace(value, 'fuzz');
        } catch (error) {
          expect(error).toBeInstanceOf(SpotTraceError);
        }
      }),
    );
  });
});

describe('readSpotTraceFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spot-trace-'));

  it('reads a trace file', async () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ metadata: { gap_seconds: 600 }, data: [1, 0] }));
    const trace = await readSpotTraceFile(file);
    expect(Array.from(trace.available)).toEqual([1, 0]);
  });

  it('names the file when it does not exist or is not JSON', async () => {
    const absent = path.join(dir, 'absent.json');
    await expect(readSpotTraceFile(absent)).rejects.toThrow(`spot trace ${absent}: (file) cannot be read`);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"metadata":');
    await expect(readSpotTraceFile(broken)).rejects.toThrow(`spot trace ${broken}: (file) is not valid JSON`);
  });

  it('names the file and the field when the shape is wrong', async () => {
    const file = path.join(dir, 'shape.json');
    writeFileSync(file, JSON.stringify({ metadata: { gap_seconds: 600 }, data: [1, 0.5] }));
    await expect(readSpotTraceFile(file)).rejects.toThrow(`spot trace ${file}: data[1]`);
  });
});
