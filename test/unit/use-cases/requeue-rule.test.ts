import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../lambdas/core/ports.js';
import { mustRunOnDemandNext, remainingWorkHours } from '../../../lambdas/core/use-cases/requeue-rule.js';
import { makeJob } from '../../support/offer-fixtures.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');

const record = (runtime: Record<string, unknown>, startedAt?: string): JobRecord =>
  ({
    request: makeJob({ jobId: 'j', runtime: { estimatedHours: 4, interruptible: true, ...runtime } }),
    runtime: startedAt === undefined ? {} : { startedAt },
  }) as unknown as JobRecord;

describe('requeue rule', () => {
  it('keeps checkpointed work and loses the rest', () => {
    const job = record({ checkpointMinutes: 60 }, new Date(T0).toISOString());
    expect(remainingWorkHours(job, T0 + 2.5 * HOUR)).toBe(2);
    expect(remainingWorkHours(record({}, new Date(T0).toISOString()), T0 + 2.5 * HOUR)).toBe(4);
  });

  it('lets a job without a deadline try spot again', () => {
    expect(mustRunOnDemandNext(record({}), T0)).toBe(false);
  });

  it('commits to on-demand once the time left barely covers the work, a restart and the margin to the next decision', () => {
    // 4 h of work + 0.2 h changeover + 10 minutes (two 5-minute reconcile runs) = 4.37 h.
    const deadline = new Date(T0 + 4.35 * HOUR).toISOString();
    expect(mustRunOnDemandNext(record({ deadline }), T0)).toBe(true);
    const roomy = new Date(T0 + 4.4 * HOUR).toISOString();
    expect(mustRunOnDemandNext(record({ deadline: roomy }), T0)).toBe(false);
  });
});
