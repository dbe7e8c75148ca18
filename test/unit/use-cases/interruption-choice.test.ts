import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../lambdas/core/ports.js';
import { quartermasterPolicy } from '../../../lambdas/core/spot/spot-policy.js';
import { handleEc2Event } from '../../../lambdas/core/use-cases/handle-ec2-event.js';
import { provisionAllocation } from '../../../lambdas/core/use-cases/provision-allocation.js';
import {
  lostWorkCapReached,
  lostWorkHours,
  mustRunOnDemandNext,
  onDemandAfterInterruption,
  remainingWorkHours,
  workDoneHours,
} from '../../../lambdas/core/use-cases/requeue-rule.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeJob } from '../../support/offer-fixtures.js';
import { makeWorld, ON_DEMAND_OFFER, REGION, runningJob, SPOT_OFFER, stateChange } from './world.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A 10-hour job submitted at T0 with a deadline 20 hours later, checkpointing hourly. */
const record = (runtime: Partial<JobRecord['runtime']>, startedAtMs?: number): JobRecord =>
  ({
    createdAt: iso(T0),
    request: makeJob({
      jobId: 'j',
      submittedAt: iso(T0),
      runtime: {
        estimatedHours: 10,
        interruptible: true,
        checkpointMinutes: 60,
        deadline: iso(T0 + 20 * HOUR),
      },
    }),
    runtime: { ...runtime, ...(startedAtMs === undefined ? {} : { startedAt: iso(startedAtMs) }) },
  }) as unknown as JobRecord;

describe('the choice after an interruption', () => {
  it('lets a job behind its uniform-progress line try spot again while the slack covers the work', () => {
    // 8 h in, 3 h of work kept: the line asks for 4 h. Slack left: 12 h for 7 h of work.
    const behind = record({ workDoneHours: 2 }, T0 + 6.5 * HOUR);
    const at = T0 + 8 * HOUR;
    expect(workDoneHours(behind, at)).toBe(3);
    expect(mustRunOnDemandNext(behind, at)).toBe(false);
    // On-demand only would hold for all 7 h left: the deployed rule waits for the safety rule.
    expect(onDemandAfterInterruption(behind, at)).toBe(false);
    // The uniform-progress policy, given in its place, sends it on-demand.
    expect(onDemandAfterInterruption(behind, at, { policy: quartermasterPolicy })).toBe(true);
  });

  it('may try spot again on or ahead of the line', () => {
    // 2.5 h on the instance, 0.2 h of it the restart overhead: two hourly checkpoints this run.
    const ahead = record({ workDoneHours: 3 }, T0 + 5.5 * HOUR);
    const at = T0 + 8 * HOUR;
    expect(workDoneHours(ahead, at)).toBe(5);
    expect(onDemandAfterInterruption(ahead, at)).toBe(false);
  });

  it('commits to on-demand when the slack no longer covers the work, and never for jobs without a deadline', () => {
    const late = record({ workDoneHours: 8 }, T0 + 19 * HOUR);
    expect(onDemandAfterInterruption(late, T0 + 19.5 * HOUR)).toBe(true);
    const noDeadline = { ...record({}), request: makeJob({ jobId: 'k', runtime: { estimatedHours: 10 } }) };
    expect(onDemandAfterInterruption(noDeadline as JobRecord, T0 + 19 * HOUR)).toBe(false);
  });

  it('counts checkpoints from the end of the restart overhead, when the work on an instance begins', () => {
    // An hour on the instance is 48 minutes of work after the default 0.2 h overhead: no checkpoint yet.
    expect(workDoneHours(record({}, T0), T0 + HOUR)).toBe(0);
    expect(workDoneHours(record({}, T0), T0 + 1.2 * HOUR)).toBe(1);
    expect(workDoneHours(record({}, T0), T0 + HOUR, 0)).toBe(1);
  });

  it('adds this run’s checkpoints to the work earlier runs kept, never beyond the whole job', () => {
    expect(remainingWorkHours(record({ workDoneHours: 4 }, T0), T0 + 2.5 * HOUR)).toBe(4);
    expect(remainingWorkHours(record({ workDoneHours: 9.5 }, T0), T0 + 3 * HOUR)).toBe(0);
  });
});

/** Launches a solve's allocation and starts its instances: the job is RUNNING again. */
const startAllocation = async (
  w: Awaited<ReturnType<typeof makeWorld>>,
  allocation: Awaited<ReturnType<typeof runSolve>>['allocated'][number] | undefined,
) => {
  if (allocation === undefined) throw new Error('nothing allocated');
  const provisioned = await provisionAllocation(w.provisionDeps, allocation);
  if (provisioned.kind !== 'provisioned') throw new Error(JSON.stringify(provisioned));
  for (const id of provisioned.instanceIds)
    await handleEc2Event(w.capacity, stateChange(id, 'running', w.clock.now().toISOString()));
};

/** The spot interruption warning for job-1's first instance, now. */
const interruptNow = async (w: Awaited<ReturnType<typeof makeWorld>>) => {
  const [id] = (await w.ledger.getJob('job-1'))?.runtime.instanceIds ?? [];
  return handleEc2Event(w.capacity, {
    kind: 'spot-interruption',
    instanceId: id as string,
    action: 'terminate',
    time: w.clock.now().toISOString(),
    region: REGION,
  });
};

describe('the lost-work cap', () => {
  /** A 10-hour job without a deadline or checkpoints: the safety rule never fires for it. */
  const uncheckpointed = (runtime: Partial<JobRecord['runtime']>, startedAtMs: number): JobRecord =>
    ({
      createdAt: iso(T0),
      request: makeJob({
        jobId: 'u',
        submittedAt: iso(T0),
        runtime: { estimatedHours: 10, interruptible: true },
      }),
      runtime: { ...runtime, startedAt: iso(startedAtMs) },
    }) as unknown as JobRecord;

  it('counts the whole run as lost without checkpoints, and only the tail after the last one with them', () => {
    expect(lostWorkHours(uncheckpointed({}, T0), T0 + 3 * HOUR)).toBe(3);
    expect(lostWorkHours(uncheckpointed({ lostWorkHours: 4 }, T0), T0 + 3 * HOUR)).toBe(7);
    // Hourly checkpoints, 2.5 h on the instance: 2 h kept, the other 0.5 h lost.
    expect(lostWorkHours(record({}, T0), T0 + 2.5 * HOUR)).toBeCloseTo(0.5, 9);
  });

  it('sends a job without a deadline on-demand once its interruptions have lost as much work as it has', () => {
    // 6 h lost before, 3.9 h this run: 9.9 h of a 10 h job, one more spot try.
    const below = uncheckpointed({ lostWorkHours: 6 }, T0);
    expect(lostWorkCapReached(below, T0 + 3.9 * HOUR)).toBe(false);
    expect(onDemandAfterInterruption(below, T0 + 3.9 * HOUR)).toBe(false);
    // 4 h this run: the cap of one job length is reached, whatever the policy says.
    expect(onDemandAfterInterruption(below, T0 + 4 * HOUR)).toBe(true);
    expect(onDemandAfterInterruption(below, T0 + 4 * HOUR, { policy: quartermasterPolicy })).toBe(true);
    // A larger cap allows more tries.
    expect(onDemandAfterInterruption(below, T0 + 4 * HOUR, { lostWorkCap: 2 })).toBe(false);
  });
});

describe('an interruption on the deployed path', () => {
  it('keeps the checkpointed work across attempts and plans only what is left', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1', {
      runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 30 },
    });
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
    w.clock.advance(1.2 * HOUR);
    const interrupt = (instanceId: string) =>
      handleEc2Event(w.capacity, {
        kind: 'spot-interruption',
        instanceId,
        action: 'terminate',
        time: w.clock.now().toISOString(),
        region: REGION,
      });
    const [first] = (await w.ledger.getJob('job-1'))?.runtime.instanceIds ?? [];
    await interrupt(first as string);
    const pending = await w.ledger.getJob('job-1');
    expect(pending?.state).toBe('PENDING');
    expect(pending?.runtime.workDoneHours).toBe(1);

    await runSolve(w.solveDeps);
    const second = await w.ledger.getJob('job-1');
    // Allocation keeps the progress; the plan is for the 3 hours left, not the 4 of the request.
    expect(second?.runtime.workDoneHours).toBe(1);
    const hours = second?.allocation?.allocation.expectedHours ?? 0;
    expect(hours).toBeGreaterThanOrEqual(3);
    expect(hours).toBeLessThan(4);
    const events = await w.ledger.listEvents('job-1');
    expect(JSON.stringify(events.find((e) => e.type === 'REQUEUED')?.data)).toContain('"workDoneHours":1');
  });

  it('sends a job back to spot after an interruption while its slack allows, and on-demand once it does not', async () => {
    const w = await makeWorld();
    const deadline = new Date(Date.parse(w.clock.now().toISOString()) + 10 * HOUR).toISOString();
    await runningJob(w, 'job-1', {
      runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 60, deadline },
    });
    // 50 minutes in, nothing checkpointed: the line asks for 20 minutes of work.
    w.clock.advance((50 / 60) * HOUR);
    const outcome = await interruptNow(w);
    expect(outcome).toMatchObject({ kind: 'interrupted', onDemandOnly: false });
    await runSolve(w.solveDeps);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
  });

  it('carries the lost work across attempts and sends the job on-demand when it reaches the job length', async () => {
    const w = await makeWorld();
    await runningJob(w, 'job-1', { runtime: { estimatedHours: 2, interruptible: true } });
    w.clock.advance(1.25 * HOUR);
    expect(await interruptNow(w)).toMatchObject({ kind: 'interrupted', onDemandOnly: false });
    const requeued = await w.ledger.getJob('job-1');
    expect(requeued?.runtime.lostWorkHours).toBe(1.25);
    const again = await runSolve(w.solveDeps);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
    await startAllocation(w, again.allocated[0]);
    w.clock.advance(0.75 * HOUR);
    expect(await interruptNow(w)).toMatchObject({ kind: 'interrupted', onDemandOnly: true });
    expect((await w.ledger.getJob('job-1'))?.runtime.lostWorkHours).toBe(2);
    await runSolve(w.solveDeps);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
  });

  it('sends a job to on-demand after an interruption when its slack no longer covers the work', async () => {
    const w = await makeWorld();
    // 4 h of work, 5.5 h to the deadline: spot is allowed at the start (hourly checkpoints).
    const deadline = new Date(Date.parse(w.clock.now().toISOString()) + 5.5 * HOUR).toISOString();
    await runningJob(w, 'job-1', {
      runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 60, deadline },
    });
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(SPOT_OFFER);
    // 70 minutes in, 58 of them work, nothing checkpointed: 4 h of work, 0.2 h changeover and
    // 10 minutes of margin do not fit in the 4 h 20 min left.
    w.clock.advance((70 / 60) * HOUR);
    const outcome = await interruptNow(w);
    expect(outcome).toMatchObject({ kind: 'interrupted', onDemandOnly: true });
    await runSolve(w.solveDeps);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
  });
});
