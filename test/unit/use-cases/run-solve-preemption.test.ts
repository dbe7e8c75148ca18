import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Quotas } from '../../../lambdas/core/planning/plan-inputs.js';
import type { PreemptionMode } from '../../../lambdas/core/planning/preemption.js';
import { waterFill } from '../../../lambdas/core/planning/water-fill.js';
import type { JobRecord } from '../../../lambdas/core/ports.js';
import { intakeMessage } from '../../../lambdas/core/use-cases/intake-message.js';
import { workDoneHours } from '../../../lambdas/core/use-cases/requeue-rule.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeWorld, REGION, requestBody, runningJob, type World } from './world.js';

const HOUR = 3_600_000;
/** Room for one p4de.24xlarge on spot, none on-demand: a second job can only wait or preempt. */
const QUOTAS: Quotas = {
  defaultVcpus: 0,
  limits: new Map([[`${REGION}|spot/P`, 96]]),
};

const deadline = (w: World, hours: number) => new Date(w.clock.now().getTime() + hours * HOUR).toISOString();

/** One low-priority job running on the pool's whole quota, 1.5 h in (checkpoints every 30 min). */
const fullPool = async (mode: PreemptionMode, low: { team: string; priority: number }) => {
  const w = await makeWorld();
  const deps = { ...w.solveDeps, quotas: QUOTAS, preemption: { ...w.capacity, mode } };
  w.solveDeps = deps;
  const { instanceIds } = await runningJob(w, 'low', {
    team: low.team,
    priority: low.priority,
    runtime: { estimatedHours: 10, interruptible: true, checkpointMinutes: 30 },
  });
  w.clock.advance(1.5 * HOUR);
  return { w, deps, instanceIds };
};

const submit = async (w: World, jobId: string, team: string, priority: number) =>
  intakeMessage(w, {
    messageId: `req-${jobId}`,
    body: requestBody(jobId, {
      team,
      priority,
      runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 30, deadline: deadline(w, 48) },
    }),
  });

describe('run-solve with preemption', () => {
  it('stops a lower-priority job of the same team, requeues it with its checkpoints, and places the preemptor next', async () => {
    const { w, deps, instanceIds } = await fullPool('within-team', { team: 'vision', priority: 100 });
    await submit(w, 'high', 'vision', 900);
    const first = await runSolve(deps);
    expect(first.allocated).toEqual([]);
    expect(first.waiting.map((j) => [j.jobId, j.binding.kind])).toEqual([['high', 'quota']]);
    expect(first.preemption?.preempted).toEqual([
      { jobId: 'low', preemptedBy: 'high', pool: `${REGION}|spot/P`, lostWorkHours: 0.5 },
    ]);

    const low = await w.ledger.getJob('low');
    expect(low?.state).toBe('PENDING');
    // 1.5 h on the instance, 0.2 h of it the restart: two 30-minute checkpoints kept, 0.5 h lost.
    expect(low?.runtime.workDoneHours).toBe(1);
    expect(low?.runtime.reason).toMatch(/^preempted-by high: priority 900/);
    const events = await w.ledger.listEvents('low');
    const [interrupted, requeued] = events.slice(-2);
    expect(interrupted).toMatchObject({
      type: 'INTERRUPTED',
      data: { detail: { preemptedBy: 'high', preemptorPriority: 900 } },
    });
    expect(requeued).toMatchObject({
      type: 'REQUEUED',
      data: { detail: { preemptedBy: 'high', workDoneHours: 1, lostWorkHours: 0.5 } },
    });
    const live = (await w.fleet.findManaged()).filter((i) => instanceIds.includes(i.instanceId));
    for (const i of live) expect(i.state).toMatch(/shutting-down|terminated/);

    // The instance has gone: the next solve admits by priority, so the preemptor takes the room.
    const second = await runSolve(deps);
    expect(second.allocated.map((a) => a.jobId)).toEqual(['high']);
    expect(second.waiting.map((j) => j.jobId)).toEqual(['low']);
    expect(second.preemption?.preempted).toEqual([]);
  });

  it('stops nobody of equal priority, of another team under within-team, or when it is off', async () => {
    for (const [mode, team, priority] of [
      ['within-team', 'vision', 900],
      ['within-team', 'nlp', 100],
      ['off', 'vision', 100],
    ] as const) {
      const { w, deps } = await fullPool(mode, { team, priority });
      await submit(w, 'high', 'vision', 900);
      const report = await runSolve(deps);
      expect(report.preemption?.preempted ?? []).toEqual([]);
      expect((await w.ledger.getJob('low'))?.state).toBe('RUNNING');
    }
  });

  it('across teams, stops a team above its fair share but not one at it', async () => {
    // nlp holds the whole pool and vision waits: with equal weights nlp's share is 48 vCPUs, and
    // stopping its only job would leave it 0.
    const { w, deps } = await fullPool('across-teams', { team: 'nlp', priority: 100 });
    await submit(w, 'high', 'vision', 900);
    expect((await runSolve(deps)).preemption?.preempted).toEqual([]);
    expect((await w.ledger.getJob('low'))?.state).toBe('RUNNING');

    // Room for two: nlp runs both; its share is one (96 of 192 vCPUs), so one of its jobs yields.
    const two = await makeWorld();
    const quotas = { defaultVcpus: 0, limits: new Map([[`${REGION}|spot/P`, 192]]) };
    two.solveDeps = { ...two.solveDeps, quotas, preemption: { ...two.capacity, mode: 'across-teams' } };
    const runtime = { estimatedHours: 10, interruptible: true, checkpointMinutes: 30 };
    await runningJob(two, 'nlp-old', { team: 'nlp', priority: 100, runtime });
    two.clock.advance(0.65 * HOUR);
    await runningJob(two, 'nlp-new', { team: 'nlp', priority: 100, runtime });
    two.clock.advance(0.6 * HOUR);
    await submit(two, 'high', 'vision', 900);
    const report = await runSolve(two.solveDeps);
    // nlp-old is 1.25 h in and checkpointed 1 h of work (0.25 h would be lost); nlp-new is 0.6 h
    // in, before its first checkpoint (all 0.6 h lost): the one that loses least goes.
    expect(report.preemption?.preempted.map((p) => [p.jobId, p.preemptedBy])).toEqual([['nlp-old', 'high']]);
    expect((await two.ledger.getJob('nlp-new'))?.state).toBe('RUNNING');
    expect((await two.ledger.getJob('nlp-old'))?.state).toBe('PENDING');
  });
});

describe('run-solve with preemption on random clusters', () => {
  it('ends every victim PENDING with its checkpointed work, below its preemptor’s priority, and no team below its share', async () => {
    const cluster = fc.record({
      mode: fc.constantFrom<PreemptionMode>('within-team', 'across-teams'),
      running: fc.array(
        fc.record({
          team: fc.constantFrom('vision', 'nlp'),
          priority: fc.integer({ min: 0, max: 3 }).map((p) => p * 100),
          minutes: fc.integer({ min: 10, max: 180 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      waiting: fc.record({
        team: fc.constantFrom('vision', 'nlp'),
        priority: fc.integer({ min: 1, max: 4 }).map((p) => p * 100),
      }),
    });
    let preemptedSomewhere = 0;
    await fc.assert(
      fc.asyncProperty(cluster, async (c) => {
        const w = await makeWorld();
        const quotas = { defaultVcpus: 0, limits: new Map([[`${REGION}|spot/P`, 96 * c.running.length]]) };
        w.solveDeps = { ...w.solveDeps, quotas, preemption: { ...w.capacity, mode: c.mode } };
        for (const [i, r] of c.running.entries()) {
          await runningJob(w, `r${i}`, {
            team: r.team,
            priority: r.priority,
            runtime: { estimatedHours: 10, interruptible: true, checkpointMinutes: 30 },
          });
          w.clock.advance(r.minutes * 60_000);
        }
        const before = new Map<string, JobRecord>();
        for (const i of c.running.keys()) {
          const job = await w.ledger.getJob(`r${i}`);
          if (job !== undefined) before.set(job.jobId, job);
        }
        await submit(w, 'high', c.waiting.team, c.waiting.priority);
        const nowMs = w.clock.now().getTime();
        const report = await runSolve(w.solveDeps);
        const preempted = report.preemption?.preempted ?? [];
        if (preempted.length > 0) preemptedSomewhere += 1;
        for (const p of preempted) {
          const was = before.get(p.jobId);
          const now = await w.ledger.getJob(p.jobId);
          expect(was?.priority).toBeLessThan(c.waiting.priority);
          if (c.mode === 'within-team') expect(was?.team).toBe(c.waiting.team);
          expect(now?.state).toBe('PENDING');
          expect(now?.runtime.workDoneHours ?? 0).toBe(was === undefined ? -1 : workDoneHours(was, nowMs));
        }
        // A team other than the waiting one keeps at least its share of the pool (or all it had).
        const held = new Map<string, number>();
        const demand = new Map<string, number>([[c.waiting.team, 96]]);
        for (const job of before.values()) {
          demand.set(job.team, (demand.get(job.team) ?? 0) + 96);
          if ((await w.ledger.getJob(job.jobId))?.state === 'RUNNING')
            held.set(job.team, (held.get(job.team) ?? 0) + 96);
        }
        const shares = waterFill(
          96 * c.running.length,
          [...demand].map(([id, d]) => ({ id, weight: 1, demand: d })),
        );
        for (const job of before.values()) {
          if (job.team === c.waiting.team) continue;
          const had = [...before.values()].filter((j) => j.team === job.team).length * 96;
          expect(held.get(job.team) ?? 0).toBeGreaterThanOrEqual(
            Math.min(had, shares.get(job.team) ?? 0) - 1e-9,
          );
        }
      }),
      { numRuns: 25, seed: 11 },
    );
    expect(preemptedSomewhere).toBeGreaterThan(3);
  }, 60_000);
});
