import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  choosePreemptions,
  type PreemptionInput,
  type PreemptionMode,
  type RunningForPreemption,
  type WaitingForQuota,
} from '../../lambdas/core/planning/preemption.js';

const POOL = 'us-east-1|on-demand/P';
const OTHER = 'us-west-2|on-demand/P';

const running = (
  jobId: string,
  team: string,
  priority: number,
  vcpus: number,
  lostUsd: number,
  pool = POOL,
): RunningForPreemption => ({ jobId, team, priority, pool, vcpus, lostWorkHours: lostUsd / 10, lostUsd });

const waiting = (
  jobId: string,
  team: string,
  priority: number,
  vcpus: number,
  pools = [POOL],
): WaitingForQuota => ({
  jobId,
  team,
  priority,
  options: pools.map((pool) => ({ pool, vcpus })),
});

const input = (over: Partial<PreemptionInput>): PreemptionInput => ({
  mode: 'across-teams',
  waiting: [],
  running: [],
  limits: new Map([[POOL, 384]]),
  free: new Map([[POOL, 0]]),
  weights: new Map(),
  ...over,
});

describe('choosePreemptions', () => {
  it('stops the lower-priority job that loses least, and only as many as the room needs', () => {
    const choice = choosePreemptions(
      input({
        waiting: [waiting('urgent', 'vision', 900, 192)],
        running: [
          running('a', 'vision', 100, 192, 40),
          running('b', 'vision', 100, 192, 5),
          running('c', 'vision', 950, 0.5, 0),
        ],
        limits: new Map([[POOL, 384.5]]),
      }),
    );
    expect(choice.preemptions).toHaveLength(1);
    expect(choice.preemptions[0]?.victims.map((v) => v.jobId)).toEqual(['b']);
  });

  it('takes nobody when every running job has the same or a higher priority', () => {
    const choice = choosePreemptions(
      input({
        waiting: [waiting('w', 'vision', 500, 192)],
        running: [running('a', 'vision', 500, 192, 1), running('b', 'vision', 600, 192, 1)],
      }),
    );
    expect(choice.preemptions).toEqual([]);
  });

  it('under within-team, stops only jobs of the waiting job’s team', () => {
    const base = {
      waiting: [waiting('w', 'vision', 900, 192)],
      running: [running('nlp-1', 'nlp', 100, 192, 1), running('vision-1', 'vision', 100, 192, 50)],
    };
    const within = choosePreemptions(input({ ...base, mode: 'within-team' }));
    expect(within.preemptions[0]?.victims.map((v) => v.jobId)).toEqual(['vision-1']);
    // Across teams nlp holds 192 of its 192-vCPU share (two teams, equal weights, 384 vCPUs), so
    // it is not cut either: vision's own job goes although it loses more.
    const across = choosePreemptions(input({ ...base, mode: 'across-teams' }));
    expect(across.preemptions[0]?.victims.map((v) => v.jobId)).toEqual(['vision-1']);
  });

  it('takes from a team above its fair share but not below it', () => {
    // nlp holds all 384 vCPUs; vision waits for 192. Equal weights: each is entitled to 192.
    const choice = choosePreemptions(
      input({
        waiting: [waiting('v1', 'vision', 900, 192), waiting('v2', 'vision', 900, 192)],
        running: [running('n1', 'nlp', 100, 192, 1), running('n2', 'nlp', 100, 192, 2)],
      }),
    );
    expect(choice.floors.get(POOL)?.get('nlp')).toBe(192);
    expect(choice.preemptions.map((p) => [p.preemptorJobId, p.victims.map((v) => v.jobId)])).toEqual([
      ['v1', ['n1']],
    ]);
  });

  it('is off when the mode says so', () => {
    const choice = choosePreemptions(
      input({
        mode: 'off',
        waiting: [waiting('w', 'vision', 900, 192)],
        running: [running('a', 'vision', 100, 192, 1)],
      }),
    );
    expect(choice.preemptions).toEqual([]);
  });

  it('picks the pool where stopping costs least', () => {
    const choice = choosePreemptions(
      input({
        waiting: [waiting('w', 'vision', 900, 192, [POOL, OTHER])],
        running: [running('east', 'vision', 100, 192, 30), running('west', 'vision', 100, 192, 3, OTHER)],
        limits: new Map([
          [POOL, 192],
          [OTHER, 192],
        ]),
        free: new Map([
          [POOL, 0],
          [OTHER, 0],
        ]),
      }),
    );
    expect(choice.preemptions[0]).toMatchObject({ pool: OTHER, victims: [{ jobId: 'west' }] });
  });

  it('never frees room in a pool without a limit', () => {
    const choice = choosePreemptions(
      input({
        waiting: [waiting('w', 'vision', 900, 192, [OTHER])],
        running: [running('a', 'vision', 100, 192, 1, OTHER)],
      }),
    );
    expect(choice.preemptions).toEqual([]);
  });
});

/** A random cluster: pools with quotas filled by running jobs, and jobs waiting for them. */
const cluster = fc
  .record({
    mode: fc.constantFrom<PreemptionMode>('within-team', 'across-teams'),
    pools: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
    running: fc.array(
      fc.record({
        team: fc.constantFrom('a', 'b', 'c'),
        priority: fc.integer({ min: 0, max: 5 }),
        units: fc.integer({ min: 1, max: 3 }),
        pool: fc.nat(2),
        lostUsd: fc.integer({ min: 0, max: 100 }),
      }),
      { maxLength: 12 },
    ),
    waiting: fc.array(
      fc.record({
        team: fc.constantFrom('a', 'b', 'c'),
        priority: fc.integer({ min: 0, max: 6 }),
        units: fc.integer({ min: 1, max: 4 }),
        pools: fc.uniqueArray(fc.nat(2), { minLength: 1, maxLength: 3 }),
      }),
      { maxLength: 6 },
    ),
    weights: fc.record({
      a: fc.integer({ min: 1, max: 3 }),
      b: fc.integer({ min: 1, max: 3 }),
      c: fc.constant(1),
    }),
  })
  .map((c): PreemptionInput => {
    const UNIT = 48;
    const limits = new Map(c.pools.map((units, i) => [`pool-${i}`, units * UNIT]));
    const used = new Map<string, number>();
    const runningJobs: RunningForPreemption[] = [];
    for (const [i, r] of c.running.entries()) {
      const pool = `pool-${r.pool % c.pools.length}`;
      const vcpus = r.units * UNIT;
      // Only what fits: the pool's quota holds every running job.
      if ((used.get(pool) ?? 0) + vcpus > (limits.get(pool) ?? 0)) continue;
      used.set(pool, (used.get(pool) ?? 0) + vcpus);
      runningJobs.push({
        jobId: `r${i}`,
        team: r.team,
        priority: r.priority,
        pool,
        vcpus,
        lostWorkHours: r.lostUsd / 7,
        lostUsd: r.lostUsd,
      });
    }
    const waitingJobs = c.waiting
      .map((w, i) => ({
        jobId: `w${i}`,
        team: w.team,
        priority: w.priority,
        options: [...new Set(w.pools.map((p) => `pool-${p % c.pools.length}`))].map((pool) => ({
          pool,
          vcpus: w.units * UNIT,
        })),
      }))
      .sort((x, y) => y.priority - x.priority);
    return {
      mode: c.mode,
      waiting: waitingJobs,
      running: runningJobs,
      limits,
      free: new Map([...limits].map(([pool, limit]) => [pool, limit - (used.get(pool) ?? 0)])),
      weights: new Map(Object.entries(c.weights)),
    };
  });

describe('choosePreemptions on random clusters', () => {
  it('never stops a job of equal or higher priority, never cuts a team below its floor, and every preemptor fits', () => {
    fc.assert(
      fc.property(cluster, (cl) => {
        const { preemptions, floors } = choosePreemptions(cl);
        const byId = new Map(cl.running.map((r) => [r.jobId, r]));
        const stopped = new Set<string>();
        const holds = new Map<string, number>();
        const key = (pool: string, team: string) => `${pool}#${team}`;
        for (const r of cl.running)
          holds.set(key(r.pool, r.team), (holds.get(key(r.pool, r.team)) ?? 0) + r.vcpus);
        const inPool = new Map<string, number>();
        for (const r of cl.running) inPool.set(r.pool, (inPool.get(r.pool) ?? 0) + r.vcpus);
        const teamsHeld = new Map(holds);
        for (const p of preemptions) {
          const preemptor = cl.waiting.find((w) => w.jobId === p.preemptorJobId);
          expect(preemptor).toBeDefined();
          expect(preemptor?.options.some((o) => o.pool === p.pool)).toBe(true);
          for (const v of p.victims) {
            expect(v.priority).toBeLessThan(p.preemptorPriority);
            expect(v.pool).toBe(p.pool);
            if (cl.mode === 'within-team') expect(v.team).toBe(p.preemptorTeam);
            expect(stopped.has(v.jobId)).toBe(false);
            expect(byId.get(v.jobId)).toEqual(v);
            stopped.add(v.jobId);
            holds.set(key(p.pool, v.team), (holds.get(key(p.pool, v.team)) ?? 0) - v.vcpus);
            inPool.set(p.pool, (inPool.get(p.pool) ?? 0) - v.vcpus);
          }
          holds.set(key(p.pool, p.preemptorTeam), (holds.get(key(p.pool, p.preemptorTeam)) ?? 0) + p.vcpus);
          inPool.set(p.pool, (inPool.get(p.pool) ?? 0) + p.vcpus);
          // The preemptor fits once its victims have stopped.
          expect(inPool.get(p.pool)).toBeLessThanOrEqual(cl.limits.get(p.pool) ?? 0);
          // Each victim was needed: without the smallest one the preemptor would not fit.
          if (p.victims.length > 0) {
            const smallest = Math.min(...p.victims.map((v) => v.vcpus));
            expect((inPool.get(p.pool) ?? 0) + smallest).toBeGreaterThan(cl.limits.get(p.pool) ?? 0);
          }
        }
        // No team ends below its floor: what it held, capped at its fair share.
        for (const [pool, perTeam] of floors)
          for (const [team, floor] of perTeam) {
            expect(floor).toBeLessThanOrEqual((teamsHeld.get(key(pool, team)) ?? 0) + 1e-9);
            expect(holds.get(key(pool, team)) ?? 0).toBeGreaterThanOrEqual(floor - 1e-9);
          }
      }),
      { numRuns: 500 },
    );
  });

  it('does preempt on some clusters (the property is not vacuous)', () => {
    const samples = fc.sample(cluster, { numRuns: 300, seed: 7 });
    const withVictims = samples.filter((c) =>
      choosePreemptions(c).preemptions.some((p) => p.victims.length > 0),
    );
    expect(withVictims.length).toBeGreaterThan(30);
  });
});
