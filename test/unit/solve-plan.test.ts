import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { HighsMilpSolver } from '../../lambdas/adapters/highs-milp-solver.js';
import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import { candidatesFor, poolOf } from '../../lambdas/core/planning/candidates.js';
import type { UsageSample } from '../../lambdas/core/planning/fair-weight.js';
import type { PlanInput, TeamTerms } from '../../lambdas/core/planning/plan-input.js';
import { solvePlan } from '../../lambdas/core/planning/solve-plan.js';
import { waterFill } from '../../lambdas/core/planning/water-fill.js';
import { deadlineVerdict, estimateJobCost } from '../../lambdas/core/pricing/cost-model.js';
import type { Offer, QuotaClass } from '../../lambdas/core/pricing/offer.js';
import { planToJson } from '../../lambdas/core/reports/plan-format.js';
import { solvePlanPerJob } from '../bench/naive-model.js';
import { makeBook, makeJob, makeOffer } from '../support/offer-fixtures.js';

let solver: HighsMilpSolver;
beforeAll(async () => {
  solver = await HighsMilpSolver.create();
});

const NOW = Date.parse('2026-11-26T12:00:00Z');
const unlimited = () => null;
const limits =
  (table: Record<string, number>) =>
  (region: string, cls: QuotaClass): number | null =>
    table[`${region}|${cls}`] ?? null;

const p4de = (region: string, option: 'spot' | 'on-demand', price: number): Offer =>
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region,
    purchaseOption: option,
    priceUsdPerHour: price,
    onDemandPriceUsdPerHour: 40,
  });

const input = (jobs: JobRequest[], over: Partial<PlanInput> = {}): PlanInput => ({
  jobs,
  priceBook: makeBook([p4de('us-east-1', 'on-demand', 40), p4de('us-east-1', 'spot', 15)]),
  quotaLimit: unlimited,
  teams: new Map(),
  nowMs: NOW,
  ...over,
});

describe('solvePlan', () => {
  it('puts an interruptible job on the cheaper spot offer and a non-interruptible one on on-demand', () => {
    const plan = solvePlan(
      input([
        makeJob({
          jobId: 'sweep',
          runtime: { estimatedHours: 10, interruptible: true, checkpointMinutes: 30 },
        }),
        makeJob({ jobId: 'train', runtime: { estimatedHours: 10 } }),
      ]),
      solver,
    );
    const byId = new Map(plan.allocations.map((a) => [a.jobId, a]));
    expect(byId.get('sweep')?.purchaseOption).toBe('spot');
    expect(byId.get('train')?.purchaseOption).toBe('on-demand');
    expect(plan.totals.lowerBoundUsd).toBeLessThanOrEqual(plan.totals.expectedCostUsd + 1e-9);
    expect(plan.totals.savingsPct).toBeGreaterThan(0);
    expect(plan.decisions).toHaveLength(2);
    expect(plan.decisions.every((d) => d.priceBookId === 'test-book' && d.chosen !== null)).toBe(true);
  });

  it('dates every decision record with the price book it used', () => {
    const plan = solvePlan(input([makeJob({ jobId: 'a' }), makeJob({ jobId: 'b', priority: 5 })]), solver);
    expect(plan.decisions.map((d) => d.priceBookAsOf)).toEqual(['2026-11-01', '2026-11-01']);
  });

  it('says which filter left a job without any offer', () => {
    const plan = solvePlan(
      input([makeJob({ jobId: 'h100', resources: { gpus: 8, gpuModels: ['H100'] } })]),
      solver,
    );
    expect(plan.allocations).toHaveLength(0);
    expect(plan.waiting[0]?.binding.kind).toBe('no-feasible-offer');
    expect(plan.waiting[0]?.reason).toMatch(/accelerator model/);
  });

  it('names the team budget when money, not quota, keeps a job waiting', () => {
    const teams = new Map<string, TeamTerms>([['vision', { weight: 1, remainingUsd: 500 }]]);
    const plan = solvePlan(
      input([makeJob({ jobId: 'big', runtime: { estimatedHours: 100 } })], { teams }),
      solver,
    );
    expect(plan.allocations).toHaveLength(0);
    expect(plan.waiting[0]?.binding).toMatchObject({ kind: 'budget', constraint: 'budget:vision' });
  });

  it('admits higher-priority jobs first when a quota pool is full', () => {
    const jobs = [makeJob({ jobId: 'low', priority: 10 }), makeJob({ jobId: 'high', priority: 900 })];
    const plan = solvePlan(input(jobs, { quotaLimit: limits({ 'us-east-1|on-demand/P': 96 }) }), solver);
    expect(plan.allocations.map((a) => a.jobId)).toEqual(['high']);
    expect(plan.waiting[0]).toMatchObject({
      jobId: 'low',
      binding: { kind: 'quota', constraint: 'quota:us-east-1:on-demand/P' },
    });
  });

  it('splits a contended pool between equal-weight teams by water-filling', () => {
    const jobs = [
      ...Array.from({ length: 4 }, (_, i) => makeJob({ jobId: `v${i}`, team: 'vision' })),
      ...Array.from({ length: 4 }, (_, i) => makeJob({ jobId: `n${i}`, team: 'nlp' })),
    ];
    // Room for 4 of the 8 single-node jobs: each team gets 2.
    const plan = solvePlan(input(jobs, { quotaLimit: limits({ 'us-east-1|on-demand/P': 4 * 96 }) }), solver);
    const count = (team: string) => plan.allocations.filter((a) => a.team === team).length;
    expect(count('vision')).toBe(2);
    expect(count('nlp')).toBe(2);
    const lines = plan.fairShare.filter((f) => f.resource === 'vcpu:us-east-1:on-demand/P');
    expect(lines.map((l) => l.entitlement)).toEqual([192, 192]);
    expect(plan.waiting.every((w) => w.binding.kind === 'fair-share')).toBe(true);
  });

  it('gives a team with twice the weight twice the share', () => {
    const jobs = [
      ...Array.from({ length: 6 }, (_, i) => makeJob({ jobId: `v${i}`, team: 'vision' })),
      ...Array.from({ length: 6 }, (_, i) => makeJob({ jobId: `n${i}`, team: 'nlp' })),
    ];
    const teams = new Map<string, TeamTerms>([
      ['vision', { weight: 2, remainingUsd: Number.POSITIVE_INFINITY }],
      ['nlp', { weight: 1, remainingUsd: Number.POSITIVE_INFINITY }],
    ]);
    const plan = solvePlan(
      input(jobs, { teams, quotaLimit: limits({ 'us-east-1|on-demand/P': 6 * 96 }) }),
      solver,
    );
    expect(plan.allocations.filter((a) => a.team === 'vision')).toHaveLength(4);
    expect(plan.allocations.filter((a) => a.team === 'nlp')).toHaveLength(2);
  });

  it('hands capacity a capped team cannot use to the other team (work-conserving)', () => {
    const jobs = [
      makeJob({ jobId: 'v0', team: 'vision' }),
      ...Array.from({ length: 4 }, (_, i) => makeJob({ jobId: `n${i}`, team: 'nlp' })),
    ];
    const plan = solvePlan(input(jobs, { quotaLimit: limits({ 'us-east-1|on-demand/P': 4 * 96 }) }), solver);
    expect(plan.allocations).toHaveLength(4);
    expect(plan.allocations.filter((a) => a.team === 'nlp')).toHaveLength(3);
  });
});

// ---- properties on random instances -------------------------------------------------------------

const REGIONS = ['us-east-1', 'us-west-2'] as const;
const TYPES = [
  {
    instanceType: 'p4de.24xlarge',
    gpuModel: 'A100-80GB',
    gpuCount: 8,
    vcpus: 96,
    efa: true,
    quotaFamily: 'P',
    mem: 80,
  },
  {
    instanceType: 'g6e.xlarge',
    gpuModel: 'L40S',
    gpuCount: 1,
    vcpus: 4,
    efa: false,
    quotaFamily: 'G',
    mem: 44.7,
  },
  {
    instanceType: 'g6.12xlarge',
    gpuModel: 'L4',
    gpuCount: 4,
    vcpus: 48,
    efa: false,
    quotaFamily: 'G',
    mem: 22.35,
  },
  {
    instanceType: 'p5.48xlarge',
    gpuModel: 'H100',
    gpuCount: 8,
    vcpus: 192,
    efa: true,
    quotaFamily: 'P',
    mem: 80,
  },
] as const;

const offersArb = fc
  .array(
    fc.record({
      t: fc.integer({ min: 0, max: TYPES.length - 1 }),
      r: fc.integer({ min: 0, max: 1 }),
      spot: fc.boolean(),
      price: fc.double({ min: 0.5, max: 100, noNaN: true }),
      bucket: fc.constantFrom(0, 1, 2, 3, 4, null),
    }),
    { minLength: 1, maxLength: 10 },
  )
  .map((rows) => {
    const seen = new Map<string, Offer>();
    for (const row of rows) {
      const t = TYPES[row.t] ?? TYPES[0];
      const option = row.spot ? 'spot' : 'on-demand';
      const offer = makeOffer({
        instanceType: t.instanceType,
        region: REGIONS[row.r] ?? 'us-east-1',
        purchaseOption: option,
        priceUsdPerHour: row.price,
        onDemandPriceUsdPerHour: row.price * 2,
        gpuModel: t.gpuModel,
        gpuCount: t.gpuCount,
        gpuMemoryGiB: t.mem,
        vcpus: t.vcpus,
        efa: t.efa,
        quotaFamily: t.quotaFamily,
        interruptionBucket: row.spot ? (row.bucket as 0 | 1 | 2 | 3 | 4 | null) : null,
      });
      seen.set(offer.id, offer);
    }
    return [...seen.values()];
  });

const jobsArb = fc
  .array(
    fc.record({
      team: fc.constantFrom('vision', 'nlp', 'speech'),
      priority: fc.constantFrom(10, 100, 500),
      gpus: fc.constantFrom(1, 4, 8),
      nodes: fc.integer({ min: 1, max: 3 }),
      models: fc.subarray(['A100-80GB', 'L40S', 'L4', 'H100'] as const, { minLength: 1 }),
      efa: fc.boolean(),
      region: fc.option(fc.constantFrom('us-east-1', 'us-west-2'), { nil: undefined }),
      hours: fc.double({ min: 0.5, max: 60, noNaN: true }),
      deadlineHours: fc.option(fc.double({ min: 1, max: 200, noNaN: true }), { nil: undefined }),
      interruptible: fc.boolean(),
      checkpoint: fc.option(fc.integer({ min: 5, max: 120 }), { nil: undefined }),
      cap: fc.option(fc.double({ min: 1, max: 300, noNaN: true }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((rows) =>
    rows.map((r, i) =>
      makeJob({
        jobId: `job-${i}`,
        team: r.team,
        priority: r.priority,
        resources: {
          gpus: r.gpus,
          nodes: r.nodes,
          gpuModels: [...r.models],
          efa: r.efa,
          ...(r.region !== undefined ? { regions: [r.region] } : {}),
        },
        runtime: {
          estimatedHours: r.hours,
          interruptible: r.interruptible,
          ...(r.deadlineHours !== undefined
            ? { deadline: new Date(NOW + r.deadlineHours * 3_600_000).toISOString() }
            : {}),
          ...(r.checkpoint !== undefined ? { checkpointMinutes: r.checkpoint } : {}),
          ...(r.cap !== undefined ? { maxPricePerHour: r.cap } : {}),
        },
      }),
    ),
  );

const quotaArb = fc.dictionary(
  fc.constantFrom(
    'us-east-1|on-demand/P',
    'us-east-1|spot/P',
    'us-east-1|on-demand/G',
    'us-west-2|on-demand/P',
    'us-west-2|spot/G',
  ),
  fc.integer({ min: 0, max: 600 }),
);
const teamsArb = fc.record({
  vision: fc.record({
    weight: fc.constantFrom(1, 2, 3),
    remainingUsd: fc.double({ min: 0, max: 20_000, noNaN: true }),
  }),
  nlp: fc.record({ weight: fc.constantFrom(1, 2), remainingUsd: fc.constant(Number.POSITIVE_INFINITY) }),
  speech: fc.record({ weight: fc.constant(1), remainingUsd: fc.double({ min: 0, max: 5_000, noNaN: true }) }),
});

/** Lexicographic order on admitted counts per tier, highest tier first. */
const compareKeys = (a: readonly number[], b: readonly number[]): number => {
  for (let k = 0; k < a.length; k++) if ((a[k] ?? 0) !== (b[k] ?? 0)) return (a[k] ?? 0) - (b[k] ?? 0);
  return 0;
};

describe('solvePlan properties', () => {
  it('never exceeds a quota or a budget, never uses an infeasible or unpriced offer, and its bound holds', () => {
    fc.assert(
      fc.property(offersArb, jobsArb, quotaArb, teamsArb, (offers, jobs, quota, teams) => {
        const book = makeBook(offers);
        const teamMap = new Map<string, TeamTerms>(Object.entries(teams));
        const plan = solvePlan(
          { jobs, priceBook: book, quotaLimit: limits(quota), teams: teamMap, nowMs: NOW },
          solver,
        );
        const offerById = new Map(offers.map((o) => [o.id, o]));
        const jobById = new Map(jobs.map((j) => [j.jobId, j]));
        const poolUse = new Map<string, number>();
        const spend = new Map<string, number>();
        for (const a of plan.allocations) {
          const offer = offerById.get(a.offerId);
          const job = jobById.get(a.jobId);
          expect(offer).toBeDefined();
          expect(job).toBeDefined();
          if (offer === undefined || job === undefined) return;
          expect(offer.priceUsdPerHour).toBeGreaterThan(0);
          expect(job.resources.gpuModels).toContain(offer.gpuModel);
          expect(offer.gpuCount).toBeGreaterThanOrEqual(job.resources.gpus);
          if (job.resources.efa) expect(offer.efa).toBe(true);
          if (job.resources.regions) expect(job.resources.regions).toContain(offer.region);
          if (offer.purchaseOption === 'spot') expect(job.runtime.interruptible).toBe(true);
          if (job.runtime.maxPricePerHour !== undefined)
            expect(offer.priceUsdPerHour * job.resources.nodes).toBeLessThanOrEqual(
              job.runtime.maxPricePerHour + 1e-9,
            );
          const hoursLeft =
            job.runtime.deadline !== undefined ? (Date.parse(job.runtime.deadline) - NOW) / 3_600_000 : null;
          expect(deadlineVerdict(job, offer, estimateJobCost(job, offer), hoursLeft).ok).toBe(true);
          poolUse.set(poolOf(a), (poolUse.get(poolOf(a)) ?? 0) + a.vcpus);
          spend.set(a.team, (spend.get(a.team) ?? 0) + a.expectedCostUsd);
        }
        for (const [pool, used] of poolUse) {
          const limit = quota[pool];
          if (limit !== undefined) expect(used).toBeLessThanOrEqual(limit);
        }
        for (const [team, used] of spend) {
          expect(used).toBeLessThanOrEqual(
            (teamMap.get(team)?.remainingUsd ?? Number.POSITIVE_INFINITY) + 1e-6,
          );
        }
        expect(plan.totals.lowerBoundUsd).toBeLessThanOrEqual(plan.totals.expectedCostUsd + 1e-6);
        expect(plan.allocations.length + plan.waiting.length).toBe(jobs.length);
        // Entitlements in a contended pool are the water-filling shares of what the tier found free.
        for (const line of plan.fairShare) {
          expect(line.entitlement).toBeLessThanOrEqual(line.demand + 1e-6);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('matches brute force for one team: most jobs by priority, then least cost', () => {
    fc.assert(
      fc.property(offersArb, jobsArb, quotaArb, (offers, rawJobs, quota) => {
        expectBruteForceOptimum(offers, rawJobs, quota, Number.POSITIVE_INFINITY);
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * Plans up to five jobs of one team and checks the plan against every assignment of each job to
 * one of its candidates or to none: the most jobs tier by tier, then the least cost, within the
 * quotas and the budget.
 */
const expectBruteForceOptimum = (
  offers: Offer[],
  rawJobs: JobRequest[],
  quota: Record<string, number>,
  budget: number,
): void => {
  const jobs = rawJobs.slice(0, 5).map((j) => ({ ...j, team: 'vision' }));
  const book = makeBook(offers);
  const teams = Number.isFinite(budget)
    ? new Map([['vision', { weight: 1, remainingUsd: budget }]])
    : new Map<string, TeamTerms>();
  const plan = solvePlan({ jobs, priceBook: book, quotaLimit: limits(quota), teams, nowMs: NOW }, solver);
  const options = jobs.map((j) => [null, ...candidatesFor(j, { priceBook: book, nowMs: NOW }).candidates]);
  const tiers = [...new Set(jobs.map((j) => j.priority))].sort((a, b) => b - a);
  let best = null as { key: number[]; cost: number } | null;
  const pick: Array<(typeof options)[number][number]> = [];
  const visit = (i: number) => {
    if (i === jobs.length) {
      const use = new Map<string, number>();
      for (const c of pick) if (c) use.set(poolOf(c), (use.get(poolOf(c)) ?? 0) + c.vcpus);
      for (const [pool, v] of use) if (quota[pool] !== undefined && v > (quota[pool] ?? 0)) return;
      const cost = pick.reduce((s, c) => s + (c?.expectedCostUsd ?? 0), 0);
      if (cost > budget + 1e-6) return;
      const key = tiers.map((t) => pick.filter((c, k) => c && jobs[k]?.priority === t).length);
      const better =
        best === null ||
        compareKeys(key, best.key) > 0 ||
        (compareKeys(key, best.key) === 0 && cost < best.cost - 1e-9);
      if (better) best = { key, cost };
      return;
    }
    for (const c of options[i] ?? []) {
      pick[i] = c;
      visit(i + 1);
    }
  };
  visit(0);
  const got = tiers.map((t) => plan.allocations.filter((a) => a.priority === t).length);
  expect(got).toEqual(best?.key);
  expect(plan.totals.expectedCostUsd).toBeCloseTo(best?.cost ?? 0, 6);
};

describe('solvePlan across tiers with a budget', () => {
  it('swaps which higher-tier job runs when that lets a lower-tier job in, keeping the higher tier its count', () => {
    // One team, budget 120. Tier 10 can afford one of X (us-east-1, $48) and Y (us-west-2, $88);
    // Z (tier 1, us-east-1, $28) needs the us-east-1 quota that X would hold (each cost includes
    // 0.2 h of start-up at $40/h). X is the cheaper
    // pick for tier 10 alone; only Y leaves room for Z.
    const od = (region: string) => p4de(region, 'on-demand', 40);
    const job = (jobId: string, priority: number, region: string, hours: number) =>
      makeJob({
        jobId,
        priority,
        resources: { gpus: 8, gpuModels: ['A100-80GB'], regions: [region] },
        runtime: { estimatedHours: hours },
      });
    const jobs = [job('x', 10, 'us-east-1', 1), job('y', 10, 'us-west-2', 2), job('z', 1, 'us-east-1', 0.5)];
    const planInput: PlanInput = {
      jobs,
      priceBook: makeBook([od('us-east-1'), od('us-west-2')]),
      quotaLimit: limits({ 'us-east-1|on-demand/P': 96, 'us-west-2|on-demand/P': 96 }),
      teams: new Map([['vision', { weight: 1, remainingUsd: 120 }]]),
      nowMs: NOW,
    };
    const plan = solvePlan(planInput, solver);
    expect(plan.allocations.map((a) => a.jobId).sort()).toEqual(['y', 'z']);
    expect(
      solvePlanPerJob(planInput, solver)
        .allocations.map((a) => a.jobId)
        .sort(),
    ).toEqual(['y', 'z']);
  });

  it('matches brute force for one team with a budget: most jobs by priority, then least cost', () => {
    fc.assert(
      fc.property(
        offersArb,
        jobsArb,
        quotaArb,
        fc.integer({ min: 0, max: 4000 }),
        (offers, rawJobs, quota, budget) => {
          expectBruteForceOptimum(offers, rawJobs, quota, budget);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('fair-share entitlements', () => {
  it('are the water-filling shares of the contended pool', () => {
    const jobs = [
      makeJob({ jobId: 'v0', team: 'vision' }),
      ...Array.from({ length: 5 }, (_, i) => makeJob({ jobId: `n${i}`, team: 'nlp' })),
    ];
    const plan = solvePlan(input(jobs, { quotaLimit: limits({ 'us-east-1|on-demand/P': 3 * 96 }) }), solver);
    const expected = waterFill(288, [
      { id: 'vision', weight: 1, demand: 96 },
      { id: 'nlp', weight: 1, demand: 480 },
    ]);
    for (const line of plan.fairShare) expect(line.entitlement).toBeCloseTo(expected.get(line.team) ?? -1, 9);
  });
});

// ---- aggregation: the class model against the per-job reference ---------------------------------

/** Random jobs where some signatures repeat (sweeps, replicas), as in real batches. */
const repeatedJobsArb = fc
  .tuple(jobsArb, fc.array(fc.nat({ max: 11 }), { maxLength: 10 }))
  .map(([jobs, copies]) => [
    ...jobs,
    ...copies.flatMap((k, i) => {
      const original = jobs[k % jobs.length];
      return original === undefined ? [] : [{ ...original, jobId: `copy-${i}-${original.jobId}` }];
    }),
  ]);

const tierCounts = (plan: ReturnType<typeof solvePlan>): Record<number, number> => {
  const counts: Record<number, number> = {};
  for (const a of plan.allocations) counts[a.priority] = (counts[a.priority] ?? 0) + 1;
  return counts;
};

describe('solvePlan on job classes', () => {
  it('admits as many jobs per tier and costs the same as the per-job model', () => {
    fc.assert(
      fc.property(offersArb, repeatedJobsArb, quotaArb, teamsArb, (offers, jobs, quota, teams) => {
        const planInput: PlanInput = {
          jobs,
          priceBook: makeBook(offers),
          quotaLimit: limits(quota),
          teams: new Map<string, TeamTerms>(Object.entries(teams)),
          nowMs: NOW,
        };
        const aggregated = solvePlan(planInput, solver);
        const perJob = solvePlanPerJob(planInput, solver);
        expect(tierCounts(aggregated)).toEqual(tierCounts(perJob));
        expect(aggregated.totals.expectedCostUsd).toBeCloseTo(perJob.totals.expectedCostUsd, 4);
        expect(aggregated.totals.lowerBoundUsd).toBeCloseTo(perJob.totals.lowerBoundUsd, 4);
        expect(aggregated.solver.method).toMatch(/exact MILP over \d+ job classes/);
      }),
      { numRuns: 80 },
    );
  });

  it('gives the same plan, byte for byte, for the same input', () => {
    fc.assert(
      fc.property(
        offersArb,
        repeatedJobsArb,
        quotaArb,
        teamsArb,
        fc.boolean(),
        (offers, jobs, quota, teams, exact) => {
          const planInput: PlanInput = {
            jobs,
            priceBook: makeBook(offers),
            quotaLimit: limits(quota),
            teams: new Map<string, TeamTerms>(Object.entries(teams)),
            nowMs: NOW,
            exactColumnLimit: exact ? 3000 : 0,
          };
          const first = JSON.stringify(planToJson(solvePlan(planInput, solver)));
          const second = JSON.stringify(planToJson(solvePlan(planInput, solver)));
          expect(second).toBe(first);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('gives the places of a class to its jobs in jobId order, cheapest place first', () => {
    const jobs = ['r3', 'r1', 'r2'].map((jobId) => makeJob({ jobId }));
    const plan = solvePlan(
      input(jobs, {
        priceBook: makeBook([p4de('us-east-1', 'on-demand', 40), p4de('us-west-2', 'on-demand', 50)]),
        quotaLimit: limits({ 'us-east-1|on-demand/P': 2 * 96, 'us-west-2|on-demand/P': 96 }),
      }),
      solver,
    );
    const region = new Map(plan.allocations.map((a) => [a.jobId, a.region]));
    expect([region.get('r1'), region.get('r2'), region.get('r3')]).toEqual([
      'us-east-1',
      'us-east-1',
      'us-west-2',
    ]);
    expect(plan.allocations.map((a) => a.jobId)).toEqual(['r3', 'r1', 'r2']);
  });
});

describe('solvePlan heuristic path', () => {
  it('keeps every quota and budget, states a valid bound and says it took the heuristic', () => {
    fc.assert(
      fc.property(offersArb, repeatedJobsArb, quotaArb, teamsArb, (offers, jobs, quota, teams) => {
        const teamMap = new Map<string, TeamTerms>(Object.entries(teams));
        const plan = solvePlan(
          {
            jobs,
            priceBook: makeBook(offers),
            quotaLimit: limits(quota),
            teams: teamMap,
            nowMs: NOW,
            exactColumnLimit: 0,
          },
          solver,
        );
        const poolUse = new Map<string, number>();
        const spend = new Map<string, number>();
        for (const a of plan.allocations) {
          poolUse.set(poolOf(a), (poolUse.get(poolOf(a)) ?? 0) + a.vcpus);
          spend.set(a.team, (spend.get(a.team) ?? 0) + a.expectedCostUsd);
        }
        for (const [pool, used] of poolUse)
          if (quota[pool] !== undefined) expect(used).toBeLessThanOrEqual(quota[pool] ?? 0);
        for (const [team, used] of spend)
          expect(used).toBeLessThanOrEqual(
            (teamMap.get(team)?.remainingUsd ?? Number.POSITIVE_INFINITY) + 1e-6,
          );
        expect(plan.totals.lowerBoundUsd).toBeLessThanOrEqual(plan.totals.expectedCostUsd + 1e-6);
        expect(plan.allocations.length + plan.waiting.length).toBe(jobs.length);
        expect(plan.solver.method).toMatch(/^heuristic/);
        expect(plan.solver.status).toMatch(/^heuristic/);
      }),
      { numRuns: 60 },
    );
  });

  it('states a bound no higher than the least cost of the jobs it admitted', () => {
    fc.assert(
      fc.property(offersArb, repeatedJobsArb, quotaArb, teamsArb, (offers, jobs, quota, teams) => {
        const base = {
          priceBook: makeBook(offers),
          quotaLimit: limits(quota),
          teams: new Map<string, TeamTerms>(Object.entries(teams)),
          nowMs: NOW,
        };
        const plan = solvePlan({ ...base, jobs, exactColumnLimit: 0 }, solver);
        // Every admitted job fits together, so the exact planner admits them all at least cost.
        const admitted = new Set(plan.allocations.map((a) => a.jobId));
        const best = solvePlan(
          { ...base, jobs: jobs.filter((j) => admitted.has(j.jobId)), exactColumnLimit: 1e9 },
          solver,
        );
        expect(best.allocations).toHaveLength(admitted.size);
        expect(plan.totals.lowerBoundUsd).toBeLessThanOrEqual(best.totals.expectedCostUsd + 1e-6);
      }),
      { numRuns: 40 },
    );
  });

  it('admits the highest tier first when one pool is short', () => {
    const jobs = [
      ...Array.from({ length: 3 }, (_, i) => makeJob({ jobId: `low-${i}`, priority: 10 })),
      makeJob({ jobId: 'high', priority: 900 }),
    ];
    const plan = solvePlan(
      input(jobs, { quotaLimit: limits({ 'us-east-1|on-demand/P': 96 }), exactColumnLimit: 0 }),
      solver,
    );
    expect(plan.allocations.map((a) => a.jobId)).toEqual(['high']);
  });
});

describe('fair share with decayed usage', () => {
  const contended = (history: Map<string, UsageSample[]>) => {
    const jobs = [
      ...Array.from({ length: 4 }, (_, i) => makeJob({ jobId: `v${i}`, team: 'vision' })),
      ...Array.from({ length: 4 }, (_, i) => makeJob({ jobId: `n${i}`, team: 'nlp' })),
    ];
    return solvePlan(
      input(jobs, { quotaLimit: limits({ 'us-east-1|on-demand/P': 3 * 96 }), history, halfLifeHours: 24 }),
      solver,
    );
  };
  const entitlement = (plan: ReturnType<typeof solvePlan>, team: string) =>
    plan.fairShare.find((l) => l.team === team)?.entitlement ?? Number.NaN;

  it('never entitles a team with more past usage to more than an otherwise identical team', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ageHours: fc.double({ min: 0, max: 500, noNaN: true }),
            vcpuHours: fc.double({ min: 0, max: 5000, noNaN: true }),
          }),
          { maxLength: 4 },
        ),
        fc.array(
          fc.record({
            ageHours: fc.double({ min: 0, max: 500, noNaN: true }),
            vcpuHours: fc.double({ min: 0, max: 5000, noNaN: true }),
          }),
          { maxLength: 4 },
        ),
        (base, extra) => {
          const samples = (rows: typeof base) =>
            rows.map((r) => ({ endedAtMs: NOW - r.ageHours * 3_600_000, vcpuHours: r.vcpuHours }));
          // vision has everything nlp has, and more.
          const plan = contended(
            new Map([
              ['nlp', samples(base)],
              ['vision', samples([...base, ...extra])],
            ]),
          );
          expect(entitlement(plan, 'vision')).toBeLessThanOrEqual(entitlement(plan, 'nlp') + 1e-9);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives the less-used team the larger share of a contended pool', () => {
    const plan = contended(new Map([['vision', [{ endedAtMs: NOW - 3_600_000, vcpuHours: 10_000 }]]]));
    expect(entitlement(plan, 'nlp')).toBeGreaterThan(entitlement(plan, 'vision'));
    expect(plan.allocations.filter((a) => a.team === 'nlp').length).toBeGreaterThan(
      plan.allocations.filter((a) => a.team === 'vision').length,
    );
  });
});
