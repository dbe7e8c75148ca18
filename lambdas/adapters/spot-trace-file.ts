import { readFile } from 'node:fs/promises';
import { parseSpotTrace, type SpotTrace, SpotTraceError } from '../core/spot/spot-trace.js';

/**
 * Reads and validates a spot availability trace file (`{"metadata":{"gap_seconds":N},"data":[...]}`).
 *
 * @throws {SpotTraceError} when the file cannot be read, is not JSON, or has the wrong shape;
 * the message names the file and, for shape errors, the field.
 */
export const readSpotTraceFile = async (path: string): Promise<SpotTrace> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SpotTraceError(path, '(file)', `cannot be read: ${reason}`, { cause });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SpotTraceError(path, '(file)', `is not valid JSON: ${reason}`, { cause });
  }
  return parseSpotTrace(document, path);
};
