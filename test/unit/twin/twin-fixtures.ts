import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HighsMilpSolver } from '../../../lambdas/adapters/highs-milp-solver.js';
import { readSpotTraceFile } from '../../../lambdas/adapters/spot-trace-file.js';
import type { JobRequest } from '../../../lambdas/core/jobs/job-request.js';
import { parseJobsJsonl } from '../../../lambdas/core/jobs/jobs-jsonl.js';
import type { NamedSpotTrace } from '../../../lambdas/core/simulation/spot-pool-trace.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The examples' "now". */
export const START_MS = Date.parse('2026-11-26T12:00:00Z');

let solver: HighsMilpSolver | undefined;
export const realSolver = async (): Promise<HighsMilpSolver> => {
  solver ??= await HighsMilpSolver.create();
  return solver;
};

export const exampleJobs = async (): Promise<JobRequest[]> => {
  const parsed = parseJobsJsonl(await readFile(join(root, 'examples/jobs.jsonl'), 'utf8'));
  if (parsed.errors.length > 0) throw new Error(JSON.stringify(parsed.errors));
  return [...parsed.jobs];
};

export const bundledTraces = async (): Promise<NamedSpotTrace[]> => {
  const dir = join(root, 'data/spot-traces');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (name) => ({ name, trace: await readSpotTraceFile(join(dir, name)) })));
};

/** A trace with capacity for `up` samples, then none, repeating; 10-minute samples. */
export const squareTrace = (up: number, down: number): NamedSpotTrace => ({
  name: `square-${up}-${down}`,
  trace: {
    gapSeconds: 600,
    available: Uint8Array.from([...Array(up).fill(1), ...Array(down).fill(0)]),
  },
});
