/**
 * Spot availability traces: one sample per tick saying whether spot capacity of one instance type
 * in one zone could be obtained at that moment. The on-disk form is
 * `{"metadata":{"gap_seconds":N},"data":[count, ...]}`, where each count is the number of spot
 * instances obtainable (0 = none).
 */

/** A parsed availability trace; tick `i` covers `[i × gapSeconds, (i + 1) × gapSeconds)`. */
export interface SpotTrace {
  /** Seconds between samples; every sample holds for one gap. */
  readonly gapSeconds: number;
  /** One entry per tick: 1 when at least one spot instance was obtainable, else 0. */
  readonly available: Uint8Array;
}

/** A trace file or document that does not have the expected shape; names the source and the field. */
export class SpotTraceError extends Error {
  override readonly name = 'SpotTraceError';
  constructor(
    /** Where the trace came from, e.g. a file path. */
    readonly source: string,
    /** The offending field, e.g. `metadata.gap_seconds` or `data[17]`. */
    readonly field: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`spot trace ${source}: ${field} ${problem}`, options);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
};

/**
 * Checks a decoded trace document and turns its counts into availability flags.
 *
 * @param document the value `JSON.parse` produced
 * @param source where it came from, used only in error messages
 * @throws {SpotTraceError} naming the first field that is missing or malformed
 * @example
 * const trace = parseSpotTrace({ metadata: { gap_seconds: 600 }, data: [1, 0, 3] }, 'inline');
 * // trace.available → Uint8Array [1, 0, 1]
 */
export const parseSpotTrace = (document: unknown, source: string): SpotTrace => {
  if (!isRecord(document)) {
    throw new SpotTraceError(source, '(root)', `must be an object, got ${describe(document)}`);
  }
  const metadata = document.metadata;
  if (!isRecord(metadata)) {
    throw new SpotTraceError(source, 'metadata', `must be an object, got ${describe(metadata)}`);
  }
  const gapSeconds = metadata.gap_seconds;
  if (typeof gapSeconds !== 'number' || !Number.isFinite(gapSeconds) || gapSeconds <= 0) {
    throw new SpotTraceError(
      source,
      'metadata.gap_seconds',
      `must be a positive number of seconds, got ${describe(gapSeconds)}`,
    );
  }
  const data = document.data;
  if (!Array.isArray(data)) {
    throw new SpotTraceError(source, 'data', `must be an array of instance counts, got ${describe(data)}`);
  }
  if (data.length === 0) {
    throw new SpotTraceError(source, 'data', 'must hold at least one sample');
  }
  const available = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const count: unknown = data[i];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new SpotTraceError(
        source,
        `data[${i}]`,
        `must be a non-negative integer instance count, got ${describe(count)}`,
      );
    }
    available[i] = count > 0 ? 1 : 0;
  }
  return { gapSeconds, available };
};

/** Share of ticks with spot capacity, in [0, 1]. */
export const spotAvailabilityFraction = (trace: SpotTrace): number => {
  let up = 0;
  for (const flag of trace.available) up += flag;
  return up / trace.available.length;
};

/** Trace length in hours. */
export const spotTraceHours = (trace: SpotTrace): number =>
  (trace.available.length * trace.gapSeconds) / 3600;
