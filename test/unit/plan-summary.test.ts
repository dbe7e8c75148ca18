import { beforeAll, describe, expect, it } from 'vitest';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import type { PlanInput, TeamTerms } from '../../lambdas/core/planning/plan-input.js';
import { solvePlan } from '../../lambdas/core/planning/solve-plan.js';
import type { QuotaClass } from '../../lambdas/core/pricing/offer.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

let solver: HighsMilpSolver;
beforeAll(async () => {
  solver = await HighsMilpSolver.create();
});

const NOW = Date.parse('2026-11-26T12:00:00Z');
const P_EAST = 'us-east-1|on-demand/P';
const onlyPool =
  (vcpus: number) =>
  (region: string, cls: QuotaClass): number | null =>
    `${region}|${cls}` === P_EAST ? vcpus : 0;
const unlimitedBudget = (weight: number): TeamTerms => ({ weight, remainingUsd: Number.POSITIVE_INFINITY });

/** One p4de (96 vCPU, 40 USD/h on-demand) in us-east-1: every job below can only go there. */
const plan = (jobs: JobRequest[], over: Partial<PlanInput> = {}) =>
  solvePlan(
    {
      jobs,
      priceBook: makeBook([
        makeOffer({
          instanceType: 'p4de.24xlarge',
          region: 'us-east-1',
          purchaseOption: 'on-demand',
          priceUsdPerHour: 40,
          onDemandPriceUsdPerHour: 40,
        }),
      ]),
      quotaLimit: onlyPool(96),
      teams: new Map(),
      nowMs: NOW,
      ...over,
    },
    solver,
  );

describe('the binding constraint of a waiting job', () => {
  it('is the budget when both the budget and the quota would keep it out', () => {
    const teams = new Map<string, TeamTerms>([
      ['nlp', unlimitedBudget(1)],
      ['speech', { weight: 1, remainingUsd: 500 }],
    ]);
    const result = plan(
      [
        makeJob({ jobId: 'holder', team: 'nlp', priority: 900 }),
        // (100 h + 0.2 h start-up) × 40 USD/h = 4,008 USD against 500 left, and the only pool is full.
        makeJob({ jobId: 'poor', team: 'speech', runtime: { estimatedHours: 100 } }),
      ],
      { teams },
    );
    expect(result.allocations.map((a) => a.jobId)).toEqual(['holder']);
    const poor = result.waiting.find((w) => w.jobId === 'poor');
    expect(poor?.binding).toMatchObject({ kind: 'budget', constraint: 'budget:speech' });
    expect(poor?.reason).toBe(
      'team speech has 500 USD left; the cheapest option costs 4008 USD, and us-east-1 on-demand/P is full too (0 vCPU free, it needs 96)',
    );
    expect(result.decisions.find((d) => d.jobId === 'poor')?.binding?.constraint).toBe('budget:speech');
  });

  it('stays the quota when the team can pay for the job', () => {
    const teams = new Map<string, TeamTerms>([['speech', { weight: 1, remainingUsd: 5_000 }]]);
    const result = plan(
      [makeJob({ jobId: 'holder', team: 'nlp', priority: 900 }), makeJob({ jobId: 'rich', team: 'speech' })],
      { teams },
    );
    expect(result.waiting[0]?.binding).toMatchObject({
      kind: 'quota',
      constraint: 'quota:us-east-1:on-demand/P',
    });
  });
});

describe('the plan summary', () => {
  it('counts placed and waiting jobs, groups blockers and names the budget-bound team with its money', () => {
    const teams = new Map<string, TeamTerms>([
      ['nlp', unlimitedBudget(1)],
      ['speech', { weight: 1, remainingUsd: 500 }],
    ]);
    const result = plan(
      [
        makeJob({ jobId: 'holder', team: 'nlp', priority: 900 }),
        makeJob({ jobId: 'small', team: 'speech', priority: 900, runtime: { estimatedHours: 5 } }),
        makeJob({ jobId: 'queued-a', team: 'nlp' }),
        makeJob({
          jobId: 'queued-b',
          team: 'nlp',
          runtime: { estimatedHours: 10, interruptible: true, checkpointMinutes: 30 },
        }),
        makeJob({ jobId: 'poor', team: 'speech', runtime: { estimatedHours: 100 } }),
      ],
      { teams, quotaLimit: onlyPool(192) },
    );
    const summary = result.summary;
    expect(summary).toBeDefined();
    expect(summary?.placed).toBe(2);
    expect(summary?.waiting).toBe(3);
    // Both placed jobs may not be interrupted: all of the cost could never use spot.
    expect(summary?.notInterruptibleUsd).toBeCloseTo(result.totals.expectedCostUsd, 9);
    expect(summary?.blockers).toEqual([
      {
        constraint: 'quota:us-east-1:on-demand/P',
        kind: 'quota',
        jobs: 2,
        atFairShare: 0,
        notInterruptible: 1,
        jobIds: ['queued-a', 'queued-b'],
      },
      {
        constraint: 'budget:speech',
        kind: 'budget',
        jobs: 1,
        atFairShare: 0,
        notInterruptible: 1,
        jobIds: ['poor'],
      },
    ]);
    expect(summary?.budgets).toEqual([
      {
        team: 'speech',
        periodLeftUsd: 500,
        // Each job is billed 0.2 h of start-up at 40 USD/h on top of its hours.
        plannedUsd: 208,
        leftUsd: 292,
        jobIds: ['poor'],
        cheapestWaitingUsd: 4008,
      },
    ]);
  });
});

describe('fair-share lines', () => {
  // us-east-1 on-demand/P holds 384 vCPU: one 4-node gang. At priority 700 nlp (weight 3) and
  // vision (weight 2) each want all of it; at 500 speech wants one node, and its 4-node job costs
  // more than its budget.
  const gang = (jobId: string, team: string, priority: number, nodes: number, hours = 10) =>
    makeJob({
      jobId,
      team,
      priority,
      resources: { gpus: 8, nodes, gpuModels: ['A100-80GB'] },
      runtime: { estimatedHours: hours },
    });
  const contended = () =>
    plan(
      [
        gang('nlp-gang', 'nlp', 700, 4),
        gang('vision-gang', 'vision', 700, 4),
        gang('speech-one', 'speech', 500, 1),
        gang('speech-big', 'speech', 500, 4, 100),
      ],
      {
        quotaLimit: onlyPool(384),
        teams: new Map<string, TeamTerms>([
          ['nlp', unlimitedBudget(3)],
          ['vision', unlimitedBudget(2)],
          ['speech', { weight: 1, remainingUsd: 1_000 }],
        ]),
      },
    );

  it('explain a holding above the entitlement: an indivisible gang took room the other shares left unused', () => {
    const nlp = contended().fairShare.find((l) => l.team === 'nlp');
    expect(nlp?.entitlement).toBeCloseTo(230.4, 9);
    expect(nlp?.allocated).toBe(384);
    expect(nlp?.note).toBe(
      "above its share: nlp-gang (4 nodes, 384 vCPU, priority 700) cannot be split and took room the other teams' shares left unused",
    );
  });

  it('explain a holding below the entitlement: each waiting job needs more at once than the share', () => {
    const vision = contended().fairShare.find((l) => l.team === 'vision');
    expect(vision?.entitlement).toBeCloseTo(153.6, 9);
    expect(vision?.allocated).toBe(0);
    expect(vision?.note).toBe('its waiting jobs here need 384 vCPU at once, more than its share');
  });

  it('explain a zero entitlement and leave out demand the budget cannot pay for', () => {
    const speech = contended().fairShare.find((l) => l.team === 'speech');
    // speech-big (4 × 96 vCPU × 100 h × 40 USD) is not counted: only speech-one's 96 vCPU are.
    expect(speech).toMatchObject({ demand: 96, entitlement: 0, allocated: 0 });
    expect(speech?.note).toBe(
      'no share: higher priorities filled the pool before priority 500; not counted: speech-big (384 vCPU), its budget cannot pay for it',
    );
  });

  it('have no note when water-filling alone explains them', () => {
    const result = plan(
      [
        ...Array.from({ length: 2 }, (_, i) => makeJob({ jobId: `v${i}`, team: 'vision' })),
        ...Array.from({ length: 2 }, (_, i) => makeJob({ jobId: `n${i}`, team: 'nlp' })),
      ],
      { quotaLimit: onlyPool(192) },
    );
    expect(result.fairShare.map((l) => [l.team, l.entitlement, l.allocated, l.note])).toEqual([
      ['nlp', 96, 96, undefined],
      ['vision', 96, 96, undefined],
    ]);
  });
});
