import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSpotTraceFile } from '../../lambdas/adapters/spot-trace-file.js';
import { omniscientPolicy } from '../../lambdas/core/spot/omniscient-policy.js';
import {
  type SingleJobParams,
  simulateSingleJobOverStarts,
} from '../../lambdas/core/spot/single-job-simulation.js';
import {
  fleetPcoPolicy,
  greedySpotPolicy,
  onDemandPolicy,
  quartermasterPolicy,
} from '../../lambdas/core/spot/spot-policy.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The traces live with the shared source data next to the repository unless bundled under data/.
const traceDir = [
  path.join(repoRoot, 'data/spot-traces'),
  path.resolve(repoRoot, '../shared/data/spot-traces'),
].find((dir) => existsSync(dir));
if (traceDir === undefined)
  throw new Error(`no spot traces in ${repoRoot}/data/spot-traces or ../shared/data/spot-traces`);
const traceFiles = readdirSync(traceDir)
  .filter((name) => name.endsWith('.json'))
  .sort();

/** The setting of the published benchmark: 48 h of work, deadline 48/0.8 h, 0.2 h changeover, price ratio 3. */
const PAPER: SingleJobParams = { workHours: 48, deadlineHours: 60, changeoverHours: 0.2, priceRatio: 3 };

describe('policies on the real AWS spot availability traces', () => {
  it('has all eight traces to run on', () => {
    expect(traceFiles).toHaveLength(8);
  });

  it.each(traceFiles)('never miss the deadline on %s', async (file) => {
    const trace = await readSpotTraceFile(path.join(traceDir, file));
    for (const policy of [quartermasterPolicy, greedySpotPolicy, fleetPcoPolicy, onDemandPolicy]) {
      const average = simulateSingleJobOverStarts({ ...PAPER, trace, starts: 200, policy });
      expect(average.starts).toBe(200);
      expect(average.missedDeadlines, policy.name).toBe(0);
    }
  });

  it.each(traceFiles)(
    'order omniscient ≤ quartermaster ≤ on-demand in mean on-demand hours on %s',
    async (file) => {
      const trace = await readSpotTraceFile(path.join(traceDir, file));
      const over = (policy: Parameters<typeof simulateSingleJobOverStarts>[0]['policy']) =>
        simulateSingleJobOverStarts({ ...PAPER, trace, starts: 12, policy });
      const omniscient = over(omniscientPolicy);
      const ours = over(quartermasterPolicy);
      const onDemand = over(onDemandPolicy);
      expect(omniscient.missedDeadlines).toBe(0);
      expect(omniscient.onDemandHours).toBeLessThanOrEqual(ours.onDemandHours + 1e-9);
      expect(ours.onDemandHours).toBeLessThanOrEqual(onDemand.onDemandHours + 1e-9);
      expect(ours.cost).toBeLessThan(onDemand.cost);
    },
  );
});
