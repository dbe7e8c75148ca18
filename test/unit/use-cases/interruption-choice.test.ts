import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../lambdas/core/ports.js';
import { handleEc2Event } from '../../../lambdas/core/use-cases/handle-ec2-event.js';
import {
  mustRunOnDemandNext,
  onDemandAfterInterruption,
  remainingWorkHours,
  workDoneHours,
} from '../../../lambdas/core/use-cases/requeue-rule.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeJob } from '../../support/offer-fixtures.js';
import { makeWorld, ON_DEMAND_OFFER, REGION, runningJob, SPOT_OFFER } from './world.js';

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
  it('runs on-demand next when the job is behind its uniform-progress line, though the slack would allow spot', () => {
    // 8 h in, 3 h of work kept: the line asks for 4 h. Slack left: 12 h for 7 h of work.
    const behind = record({ workDoneHours: 2 }, T0 + 6.5 * HOUR);
    const at = T0 + 8 * HOUR;
    expect(workDoneHours(behind, at)).toBe(3);
    expect(mustRunOnDemandNext(behind, at)).toBe(false);
    expect(onDemandAfterInterruption(behind, at)).toBe(true);
  });

  it('may try spot again on or ahead of the line', () => {
    const ahead = record({ workDoneHours: 3 }, T0 + 6 * HOUR);
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

  it('adds this run’s checkpoints to the work earlier runs kept, never beyond the whole job', () => {
    expect(remainingWorkHours(record({ workDoneHours: 4 }, T0), T0 + 2.5 * HOUR)).toBe(4);
    expect(remainingWorkHours(record({ workDoneHours: 9.5 }, T0), T0 + 3 * HOUR)).toBe(0);
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

  it('sends a job behind its line to on-demand after an interruption', async () => {
    const w = await makeWorld();
    const deadline = new Date(Date.parse(w.clock.now().toISOString()) + 10 * HOUR).toISOString();
    await runningJob(w, 'job-1', {
      runtime: { estimatedHours: 4, interruptible: true, checkpointMinutes: 60, deadline },
    });
    // 50 minutes in, nothing checkpointed: the line asks for 20 minutes of work.
    w.clock.advance((50 / 60) * HOUR);
    const [id] = (await w.ledger.getJob('job-1'))?.runtime.instanceIds ?? [];
    const outcome = await handleEc2Event(w.capacity, {
      kind: 'spot-interruption',
      instanceId: id as string,
      action: 'terminate',
      time: w.clock.now().toISOString(),
      region: REGION,
    });
    expect(outcome).toMatchObject({ kind: 'interrupted', onDemandOnly: true });
    await runSolve(w.solveDeps);
    expect((await w.ledger.getJob('job-1'))?.allocation?.allocation.offerId).toBe(ON_DEMAND_OFFER);
  });
});
