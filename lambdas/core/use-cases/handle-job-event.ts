import type { JobState } from '../jobs/job-state.js';
import { TERMINAL_STATES } from '../jobs/job-state.js';
import type { JobRecord } from '../ports.js';
import { type CloseOutcome, closeReservation } from './close-reservation.js';
import { type CapacityDeps, terminateAllocation } from './job-capacity.js';
import type { JobEventMessage } from './pipeline-messages.js';

export type JobEventOutcome =
  | {
      readonly kind: 'finished';
      readonly jobId: string;
      readonly state: JobState;
      readonly terminated: readonly string[];
      readonly budget: CloseOutcome['kind'];
    }
  /** Already final (a redelivery, or a second completion): nothing changed. */
  | { readonly kind: 'already-final'; readonly jobId: string; readonly state: JobState }
  /** The message cannot apply to the job as it is (unknown job, completion of a job never started). */
  | { readonly kind: 'refused'; readonly jobId: string; readonly reason: string };

/** The final state a message asks for, given where the job is. */
const targetOf = (message: JobEventMessage, job: JobRecord): JobState | string => {
  if (message.type === 'cancel') return 'CANCELLED';
  if (message.failed) {
    return job.state === 'RUNNING' || job.state === 'PROVISIONING' || job.state === 'INTERRUPTED'
      ? 'FAILED'
      : `a job in ${job.state} cannot fail: it never started`;
  }
  return job.state === 'RUNNING' || job.state === 'PROVISIONING'
    ? 'SUCCEEDED'
    : `a job in ${job.state} cannot succeed: it is not running`;
};

/**
 * Ends a job on a completion, failure or cancel message: its instances are terminated first (so a
 * crash after this step leaves nothing running that the ledger does not know to be finished), then
 * the job moves to its final state, then the budget closes: released when it never ran, settled at
 * the recorded usage cost once every instance has stopped (else by the last instance's stop event).
 */
export const handleJobEvent = async (
  deps: CapacityDeps,
  message: JobEventMessage,
): Promise<JobEventOutcome> => {
  const job = await deps.ledger.getJob(message.jobId);
  if (job === undefined)
    return { kind: 'refused', jobId: message.jobId, reason: `job ${message.jobId} is unknown` };
  if (TERMINAL_STATES.has(job.state)) return { kind: 'already-final', jobId: job.jobId, state: job.state };
  const target = targetOf(message, job);
  if (target !== 'CANCELLED' && target !== 'FAILED' && target !== 'SUCCEEDED') {
    return { kind: 'refused', jobId: job.jobId, reason: target };
  }
  const terminated = await terminateAllocation(deps, job);
  const reason = message.reason ?? (message.type === 'cancel' ? 'cancelled' : target.toLowerCase());
  let current = job;
  // A completion can overtake the running events: the job did run, so it passes through RUNNING.
  if (target === 'SUCCEEDED' && job.state === 'PROVISIONING') {
    current = await deps.ledger.transition({
      jobId: job.jobId,
      expectedVersion: job.version,
      to: 'RUNNING',
      data: { reason: 'completion arrived before the running events' },
    });
  }
  await deps.ledger.transition({
    jobId: job.jobId,
    expectedVersion: current.version,
    to: target,
    data: { reason, terminated: [...terminated], via: message.type },
    fields: { reason, finishedAt: deps.clock.now().toISOString() },
  });
  const held = job.allocation;
  const budget =
    held === null
      ? 'no-reservation'
      : (await closeReservation(deps, job.team, job.jobId, held.allocationId)).kind;
  return { kind: 'finished', jobId: job.jobId, state: target, terminated, budget };
};
