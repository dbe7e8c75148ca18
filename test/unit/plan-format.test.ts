import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import type { PlanInput, TeamTerms } from '../../lambdas/core/planning/plan-input.js';
import { solvePlan } from '../../lambdas/core/planning/solve-plan.js';
import type { QuotaClass } from '../../lambdas/core/pricing/offer.js';
import { formatPlanCsv, formatPlanTable, planToJson } from '../../lambdas/core/reports/plan-format.js';
import { textTable, wrapText } from '../../lambdas/core/reports/text-table.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';
import { runPlanCommand } from '../support/run-plan-command.js';

let solver: HighsMilpSolver;
beforeAll(async () => {
  solver = await HighsMilpSolver.create();
});

const EXAMPLES: Record<string, string> = {
  'jobs.jsonl': readFileSync('examples/jobs.jsonl', 'utf8'),
  'quotas.json': readFileSync('examples/quotas.json', 'utf8'),
  'budgets.json': readFileSync('examples/budgets.json', 'utf8'),
};
const EXAMPLE_ARGS = [
  '--jobs',
  'jobs.jsonl',
  '--quotas',
  'quotas.json',
  '--budgets',
  'budgets.json',
  '--now',
  '2026-11-26T12:00:00Z',
];

const widest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));

/** A small plan with a region-wide allocation, a per-AZ one and two waiting jobs (quota and budget). */
const smallPlan = () => {
  const input: PlanInput = {
    jobs: [
      makeJob({ jobId: 'train', team: 'nlp', priority: 900 }),
      makeJob({
        jobId: 'sweep',
        team: 'nlp',
        priority: 900,
        runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 30 },
      }),
      makeJob({ jobId: 'queued', team: 'nlp' }),
      makeJob({ jobId: 'poor', team: 'speech', runtime: { estimatedHours: 100 } }),
    ],
    priceBook: makeBook([
      makeOffer({
        instanceType: 'p4de.24xlarge',
        region: 'us-east-1',
        purchaseOption: 'on-demand',
        priceUsdPerHour: 40,
        onDemandPriceUsdPerHour: 40,
      }),
      makeOffer({
        instanceType: 'p4de.24xlarge',
        region: 'us-east-1',
        availabilityZone: 'use1-az2',
        purchaseOption: 'spot',
        priceUsdPerHour: 12,
        onDemandPriceUsdPerHour: 40,
      }),
    ]),
    quotaLimit: (region: string, cls: QuotaClass) =>
      region === 'us-east-1' && cls === 'on-demand/P'
        ? 96
        : region === 'us-east-1' && cls === 'spot/P'
          ? 96
          : 0,
    teams: new Map<string, TeamTerms>([['speech', { weight: 1, remainingUsd: 500 }]]),
    nowMs: Date.parse('2026-11-26T12:00:00Z'),
  };
  return solvePlan(input, solver);
};

describe('wrapText', () => {
  it('breaks at spaces and keeps every line within the width', () => {
    expect(wrapText('one two three four five', 9)).toEqual(['one two', 'three', 'four five']);
  });

  it('breaks a word longer than the line after a separator', () => {
    expect(wrapText('see quota:us-east-1:on-demand/P now', 14)).toEqual([
      'see',
      'quota:us-east-',
      '1:on-demand/P',
      'now',
    ]);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('textTable', () => {
  it('wraps the chosen column onto continuation lines, other cells blank', () => {
    const table = textTable(
      ['job', 'reason'],
      [
        ['a', 'short'],
        ['b', 'a reason that is far too long for the room left'],
      ],
      { width: 20, wrap: 1 },
    );
    expect(table.split('\n')).toEqual([
      'job  reason',
      '---  ---------------',
      'a    short',
      'b    a reason that',
      '     is far too long',
      '     for the room',
      '     left',
    ]);
  });
});

describe('qm plan table view', () => {
  it('starts with three lines that say what was placed, what waits and why (the examples)', async () => {
    const { out } = await runPlanCommand(EXAMPLE_ARGS, EXAMPLES);
    expect(out.split('\n').slice(0, 3)).toEqual([
      'Placed 33 of 40 jobs for 15,197.03 USD, 2.9 % below all on-demand: 99 % of it is for jobs that may not use spot.',
      "7 wait: 6 on us-east-1 on-demand/P quota (3 of them at their team's fair share), 1 on budget.",
      'None of the 6 is interruptible, so spot cannot help; budget: speech has 1,109.60 USD left, its job needs 1,688.91 USD.',
    ]);
  });

  it('has no line over 120 columns by default (not a terminal)', async () => {
    const { out } = await runPlanCommand(EXAMPLE_ARGS, EXAMPLES);
    expect(widest(out)).toBeLessThanOrEqual(120);
    // The example's longest reason is wrapped, not cut: every word of it is still there.
    expect(out).toContain('budget:speech');
    expect(out.replace(/\s+/g, ' ')).toContain(
      'the cheapest option costs 1688.91 USD, and us-east-1 on-demand/P is full too (0 vCPU free, it needs 384)',
    );
  });

  it('fits the terminal width it is given', async () => {
    const { out } = await runPlanCommand(EXAMPLE_ARGS, EXAMPLES, { columns: 100 });
    // The allocations' fixed columns alone are 120 wide; everything else wraps to 100.
    const allocations = out.slice(out.indexOf('Allocations ('), out.indexOf('Waiting ('));
    expect(widest(out.replace(allocations, ''))).toBeLessThanOrEqual(100);
    expect(widest(allocations)).toBeLessThanOrEqual(120);
  });

  it('explains the fair-share lines of the examples', async () => {
    const { out } = await runPlanCommand([...EXAMPLE_ARGS, '--format', 'json'], EXAMPLES);
    const notes = Object.fromEntries(
      (JSON.parse(out).fairShare as { team: string; note?: string }[]).map((l) => [l.team, l.note]),
    );
    expect(notes.nlp).toMatch(
      /^above its share: nlp-pretrain-llm-7b \(4 nodes, 384 vCPU, priority 700\) cannot be split/,
    );
    expect(notes.speech).toMatch(/^no share: higher priorities filled the pool before priority 500/);
    expect(notes.speech).toMatch(
      /not counted: speech-train-asr-large \(384 vCPU\), its budget cannot pay for it$/,
    );
  });

  it('wraps reasons, notes and prose to a narrower width', () => {
    const text = formatPlanTable(smallPlan(), undefined, { width: 80 });
    // The allocations' fixed columns alone are wider than 80; everything else fits.
    const allocations = text.slice(text.indexOf('Allocations ('), text.indexOf('Waiting ('));
    expect(widest(text.replace(allocations, ''))).toBeLessThanOrEqual(80);
    const waiting = text.slice(text.indexOf('Waiting ('), text.indexOf('Fair share'));
    expect(waiting).toMatch(/budget:speech\s+team speech has 500 USD left;/);
  });

  it('names the budget blocker in the summary', () => {
    const lines = formatPlanTable(smallPlan()).split('\n');
    expect(lines[0]).toMatch(
      /^Placed 2 of 4 jobs for [\d,.]+ USD, [\d.]+ % below all on-demand: \d+ % of it is/,
    );
    expect(lines[1]).toBe('2 wait: 1 on budget, 1 on us-east-1 on-demand/P quota.');
    // 124 characters: the line breaks at 120 and continues, indented, on the next.
    expect([lines[2], lines[3]]).toEqual([
      'The one on quota is not interruptible, so spot cannot help; budget: speech has 500.00 USD left, its job needs 4,008.00',
      '  USD.',
    ]);
  });
});

describe('qm plan machine views', () => {
  it('prints any in the CSV AZ cell of a region-wide allocation, the AZ id of a zonal one, nothing for a waiting job', () => {
    const rows = formatPlanCsv(smallPlan())
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const az = Object.fromEntries(rows.map((r) => [r[1], r[6]]));
    expect(az).toEqual({
      train: 'any',
      sweep: 'use1-az2',
      queued: '',
      poor: '',
    });
  });

  it('adds the summary and notes to the JSON and keeps every earlier field', () => {
    const json = planToJson(smallPlan());
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'priceBook',
        'allocations',
        'waiting',
        'fairShare',
        'totals',
        'solver',
        'decisions',
        'summary',
      ]),
    );
    expect(json.summary.blockers.map((b) => b.constraint)).toEqual([
      'budget:speech',
      'quota:us-east-1:on-demand/P',
    ]);
    expect(json.allocations.find((a) => a.jobId === 'train')?.availabilityZone).toBeNull();
    expect(json.waiting.map((w) => w.kind)).toEqual(['quota', 'budget']);
  });
});
