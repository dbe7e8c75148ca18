/**
 * Spot placement policies on the real AWS spot availability traces, in the setting of the
 * published deadline-aware benchmark: 48 h of work, deadline 60 h (48/0.8), 0.2 h changeover,
 * on-demand/spot price ratio 3, averaged over evenly spread submission times.
 *
 *   npm run bench:policy [-- --starts N] [-- --traces DIR]
 *     [-- --work-hours H --deadline-hours H --changeover-hours H --price-ratio R] [-- --no-markov]
 *
 * The job flags change the setting, to check that the policy is not tuned to the published one.
 * `uniform-progress` is the rule quartermaster used before its changeover-long hysteresis; it is
 * kept here only as a reference. `markov-reference` is the least-expected-cost policy for the
 * trace's own spell-length statistics (fitted to the trace it is replayed on, so it knows more
 * than a runtime policy can): it shows how far any policy that reads only the age of the current
 * availability state can go. It adds a dynamic programme per trace (seconds each); `--no-markov`
 * leaves it out.
 *
 * A benchmark, not a test: it prints figures and the targets they are judged against, and exits 0
 * either way; the numbers go into docs/adr/0002-deadline-aware-spot-policy.md.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSpotTraceFile } from '../../lambdas/adapters/spot-trace-file.js';
import { solveMarkovReference } from '../../lambdas/core/spot/markov-reference-policy.js';
import { omniscientPolicy } from '../../lambdas/core/spot/omniscient-policy.js';
import {
  type PolicyForRun,
  type SingleJobAverage,
  type SingleJobParams,
  simulateSingleJobOverStarts,
} from '../../lambdas/core/spot/single-job-simulation.js';
import { estimateSpellHazard } from '../../lambdas/core/spot/spell-hazard.js';
import {
  fleetPcoPolicy,
  greedySpotPolicy,
  onDemandPolicy,
  quartermasterPolicy,
  uniformProgressPolicy,
} from '../../lambdas/core/spot/spot-policy.js';
import {
  type SpotTrace,
  spotAvailabilityFraction,
  spotTraceHours,
} from '../../lambdas/core/spot/spot-trace.js';

const argument = (flag: string): string | undefined => {
  const index = process.argv.indexOf(flag);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const numberArgument = (flag: string, fallback: number): number => {
  const raw = argument(flag);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${flag} must be a number, got ${raw}`);
  return value;
};

const PAPER: SingleJobParams = { workHours: 48, deadlineHours: 60, changeoverHours: 0.2, priceRatio: 3 };
const PARAMS: SingleJobParams = {
  workHours: numberArgument('--work-hours', PAPER.workHours),
  deadlineHours: numberArgument('--deadline-hours', PAPER.deadlineHours),
  changeoverHours: numberArgument('--changeover-hours', PAPER.changeoverHours),
  priceRatio: numberArgument('--price-ratio', PAPER.priceRatio),
};
const isPaperSetting = (Object.keys(PAPER) as (keyof SingleJobParams)[]).every(
  (key) => PARAMS[key] === PAPER[key],
);
/** Published Table 3 of the deadline-aware spot paper, on-demand hours per 48 h job. */
const PUBLISHED = { greedy: 30.8, uniformProgress: 25.1, omniscient: 20.7 };
/** The on-demand hours target is stated per 48 h job; other settings scale it with the work. */
const TARGET_ON_DEMAND_HOURS = (23 * PARAMS.workHours) / PAPER.workHours;
const COST_TARGET_MIN_AVAILABILITY = 1 / 3;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const traceDir =
  argument('--traces') ??
  [path.join(repoRoot, 'data/spot-traces'), path.resolve(repoRoot, '../shared/data/spot-traces')].find(
    (dir) => existsSync(dir),
  );
if (traceDir === undefined) {
  throw new Error('no spot traces found; pass --traces DIR');
}
const starts = Number(argument('--starts') ?? 200);
if (!Number.isInteger(starts) || starts < 1)
  throw new Error(`--starts must be a positive integer, got ${starts}`);

const withMarkov = !process.argv.includes('--no-markov');
/** Spell ages the Markov reference tells apart (16 h of 10-minute ticks); older spells share one figure. */
const MARKOV_MAX_AGE = 96;

const POLICIES: readonly PolicyForRun[] = [
  onDemandPolicy,
  greedySpotPolicy,
  fleetPcoPolicy,
  uniformProgressPolicy,
  quartermasterPolicy,
  omniscientPolicy,
];

/** The Markov reference fitted to this trace, or why it could not be built for this setting. */
const markovReferenceFor = (trace: SpotTrace): PolicyForRun | string => {
  try {
    return solveMarkovReference(
      { ...PARAMS, tickSeconds: trace.gapSeconds },
      estimateSpellHazard(trace.available, MARKOV_MAX_AGE),
    ).policy;
  } catch (error) {
    if (error instanceof RangeError) return error.message;
    throw error;
  }
};

interface Row {
  readonly trace: string;
  readonly availability: number;
  readonly results: readonly SingleJobAverage[];
}

const files = readdirSync(traceDir)
  .filter((name) => name.endsWith('.json'))
  .sort();
const rows: Row[] = [];
let markovUnavailable: string | undefined;
const began = performance.now();
for (const file of files) {
  const trace = await readSpotTraceFile(path.join(traceDir, file));
  if (rows.length === 0) {
    console.log(
      `${files.length} traces in ${traceDir}; first: ${trace.available.length} ticks of ${trace.gapSeconds} s ` +
        `= ${spotTraceHours(trace).toFixed(1)} h; ${starts} start times each (no wrap-around)`,
    );
  }
  const markov = withMarkov ? markovReferenceFor(trace) : 'left out (--no-markov)';
  if (typeof markov === 'string') markovUnavailable = markov;
  const policies = typeof markov === 'string' ? POLICIES : [...POLICIES, markov];
  rows.push({
    trace: file.replace(/\.json$/, ''),
    availability: spotAvailabilityFraction(trace),
    results: policies.map((policy) => simulateSingleJobOverStarts({ ...PARAMS, trace, starts, policy })),
  });
}
const seconds = (performance.now() - began) / 1000;

const names = [
  'on-demand',
  'greedy-spot',
  'fleet-pco',
  'uniform-progress',
  'quartermaster',
  ...(markovUnavailable === undefined ? ['markov-reference'] : []),
  'omniscient',
];
const find = (row: Row, name: string): SingleJobAverage => {
  const found = row.results.find((r) => r.policy === name);
  if (found === undefined) throw new Error(`no result for ${name} on ${row.trace}`);
  return found;
};

const header = [
  'trace'.padEnd(20),
  'spot',
  ...names.map((name) => `${name} od h / cost`.padStart(26)),
  'qm/greedy cost',
  'misses',
].join(' | ');
console.log(
  `\nwork ${PARAMS.workHours} h, deadline ${PARAMS.deadlineHours} h, changeover ${PARAMS.changeoverHours} h, ` +
    `on-demand/spot price ${PARAMS.priceRatio}; cost in spot-hour units per job (on-demand only = ` +
    `${((PARAMS.workHours + PARAMS.changeoverHours) * PARAMS.priceRatio).toFixed(1)})\n`,
);
console.log(header);
console.log('-'.repeat(header.length));
for (const row of rows) {
  const misses = row.results.reduce((sum, r) => sum + r.missedDeadlines, 0);
  console.log(
    [
      row.trace.padEnd(20),
      row.availability.toFixed(2),
      ...names.map((name) => {
        const r = find(row, name);
        return `${r.onDemandHours.toFixed(1)} / ${r.cost.toFixed(1)}`.padStart(26);
      }),
      (find(row, 'quartermaster').cost / find(row, 'greedy-spot').cost).toFixed(3).padStart(14),
      String(misses).padStart(6),
    ].join(' | '),
  );
}
const mean = (name: string, pick: (r: SingleJobAverage) => number): number =>
  rows.reduce((sum, row) => sum + pick(find(row, name)), 0) / rows.length;
console.log('-'.repeat(header.length));
console.log(
  [
    'mean'.padEnd(20),
    (rows.reduce((sum, row) => sum + row.availability, 0) / rows.length).toFixed(2),
    ...names.map((name) =>
      `${mean(name, (r) => r.onDemandHours).toFixed(1)} / ${mean(name, (r) => r.cost).toFixed(1)}`.padStart(
        26,
      ),
    ),
    (mean('quartermaster', (r) => r.cost) / mean('greedy-spot', (r) => r.cost)).toFixed(3).padStart(14),
    '',
  ].join(' | '),
);

if (isPaperSetting) {
  console.log(
    `\nmean on-demand hours per 48 h job, ours vs published Table 3: greedy ${mean('greedy-spot', (r) => r.onDemandHours).toFixed(1)} ` +
      `(published ${PUBLISHED.greedy}), uniform-progress ${mean('uniform-progress', (r) => r.onDemandHours).toFixed(1)} ` +
      `(published ${PUBLISHED.uniformProgress}), quartermaster ${mean('quartermaster', (r) => r.onDemandHours).toFixed(1)}, ` +
      `omniscient ${mean('omniscient', (r) => r.onDemandHours).toFixed(1)} (published ${PUBLISHED.omniscient})`,
  );
} else {
  console.log('\nnot the published setting: no Table 3 comparison');
}

const totalMisses = rows.reduce(
  (sum, row) => sum + row.results.reduce((inner, r) => inner + r.missedDeadlines, 0),
  0,
);
const meanOnDemand = mean('quartermaster', (r) => r.onDemandHours);
const overTarget = rows.filter((row) => find(row, 'quartermaster').onDemandHours > TARGET_ON_DEMAND_HOURS);
const costChecked = rows.filter((row) => row.availability >= COST_TARGET_MIN_AVAILABILITY);
const costFailures = costChecked.filter(
  (row) => find(row, 'quartermaster').cost >= find(row, 'greedy-spot').cost,
);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log('\ntargets:');
console.log(
  `- 0 deadline misses: ${totalMisses} misses over ${rows.length * starts * names.length} runs — ${verdict(totalMisses === 0)}`,
);
console.log(
  `- quartermaster ≤ ${TARGET_ON_DEMAND_HOURS.toFixed(1)} on-demand hours per ${PARAMS.workHours} h job (mean over the traces): mean ${meanOnDemand.toFixed(1)} — ${verdict(meanOnDemand <= TARGET_ON_DEMAND_HOURS)}; ` +
    `${rows.length - overTarget.length}/${rows.length} traces within it` +
    (overTarget.length > 0 ? ` (over: ${overTarget.map((row) => row.trace).join(', ')})` : ''),
);
console.log(
  `- quartermaster cheaper than greedy on every trace with spot ≥ 1/3 of the time: ` +
    `${costChecked.length - costFailures.length}/${costChecked.length} — ${verdict(costFailures.length === 0)}` +
    (costFailures.length > 0 ? ` (not on: ${costFailures.map((row) => row.trace).join(', ')})` : ''),
);
if (markovUnavailable === undefined) {
  const markovMean = mean('markov-reference', (r) => r.onDemandHours);
  console.log(
    `- reading: markov-reference, the least-expected-cost policy for each trace's own spell-length statistics ` +
      `(fitted to the trace it runs on, which no runtime policy can be), averages ${markovMean.toFixed(1)} on-demand hours; ` +
      `the ${TARGET_ON_DEMAND_HOURS.toFixed(1)} h target is ${Math.abs(markovMean - TARGET_ON_DEMAND_HOURS).toFixed(1)} h ` +
      `${markovMean <= TARGET_ON_DEMAND_HOURS ? 'above' : 'below'} it`,
  );
} else {
  console.log(`- markov reference not run: ${markovUnavailable}`);
}
console.log(
  `\n${(rows.length * starts * names.length).toLocaleString('en')} runs in ${seconds.toFixed(1)} s`,
);
