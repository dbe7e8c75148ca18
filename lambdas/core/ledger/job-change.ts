import { InvalidTransitionError, VersionConflictError } from '../errors.js';
import { assertTransition, type JobState } from '../jobs/job-state.js';
import type { AllocateInput, JobEvent, JobRecord, NewJob, TransitionInput } from '../ports.js';
import { isPeriod, periodOf, usdToMicros } from '../ports.js';
import { appendEvent, toJsonObject } from './event-chain.js';

/** A job record after a change, and the event that records the change. */
export interface JobChange {
  readonly job: JobRecord;
  readonly event: JobEvent;
}

const requireVersion = (job: JobRecord, expectedVersion: number): void => {
  if (job.version !== expectedVersion) {
    throw new VersionConflictError('job', job.jobId, expectedVersion, job.version);
  }
};

/**
 * A new PENDING job and its RECEIVED event. Pure: the adapter decides where they are stored and
 * makes the write conditional on the jobId being new.
 */
export const receiveJob = (input: NewJob, at: string): JobChange => {
  const request = input.request;
  const event = appendEvent(undefined, {
    jobId: request.jobId,
    type: 'RECEIVED',
    at,
    // `usageChained`: this job's usage starts and stops are chained events (ADR 0010), so an audit
    // can tell a usage record missing from the chain from one kept before usage was chained.
    data: toJsonObject({ request, messageId: input.messageId, usageChained: true }),
  });
  const job: JobRecord = {
    jobId: request.jobId,
    team: request.team,
    project: request.project,
    priority: request.priority,
    state: 'PENDING',
    version: 1,
    createdAt: at,
    updatedAt: at,
    period: periodOf(at),
    request,
    attempts: 0,
    allocation: null,
    runtime: {},
    eventCount: event.seq,
    headHash: event.hash,
  };
  return { job, event };
};

/** The event type a move to `to` is recorded as; going back to PENDING is a re-queue. */
export const eventTypeFor = (to: JobState): string => (to === 'PENDING' ? 'REQUEUED' : to);

/** Work checkpointed and work lost by earlier runs: the runtime facts that outlive an attempt. */
const carried = (job: JobRecord): JobRecord['runtime'] => ({
  ...(job.runtime.workDoneHours === undefined ? {} : { workDoneHours: job.runtime.workDoneHours }),
  ...(job.runtime.lostWorkHours === undefined ? {} : { lostWorkHours: job.runtime.lostWorkHours }),
});

/**
 * Applies a state change to a job record. Moving back to PENDING drops the allocation and the
 * runtime facts of the abandoned attempt (the events keep them), except the work checkpointed so
 * far, which the next attempt resumes from.
 * @throws VersionConflictError, InvalidTransitionError
 */
export const applyTransition = (job: JobRecord, input: TransitionInput, at: string): JobChange => {
  requireVersion(job, input.expectedVersion);
  if (input.to === 'ALLOCATED') {
    throw new InvalidTransitionError(job.state, input.to, job.jobId, 'only allocate() enters ALLOCATED');
  }
  assertTransition(job.state, input.to, job.jobId);
  const event = appendEvent(
    { jobId: job.jobId, seq: job.eventCount, hash: job.headHash },
    {
      jobId: job.jobId,
      type: eventTypeFor(input.to),
      at,
      data: toJsonObject({ from: job.state, to: input.to, detail: input.data, fields: input.fields }),
    },
  );
  const fields = input.fields ?? {};
  return {
    job: {
      ...job,
      state: input.to,
      version: job.version + 1,
      updatedAt: at,
      allocation: input.to === 'PENDING' ? null : job.allocation,
      runtime: input.to === 'PENDING' ? { ...carried(job), ...fields } : { ...job.runtime, ...fields },
      eventCount: event.seq,
      headHash: event.hash,
    },
    event,
  };
};

/**
 * PENDING → ALLOCATED with the allocation and the decision record in the event. The adapter
 * makes the budget reservation part of the same atomic write.
 * @throws VersionConflictError, InvalidTransitionError, RangeError/TypeError for inconsistent input
 */
export const applyAllocation = (job: JobRecord, input: AllocateInput, at: string): JobChange => {
  requireVersion(job, input.expectedVersion);
  assertTransition(job.state, 'ALLOCATED', job.jobId);
  const { reservation } = input;
  if (input.allocation.jobId !== job.jobId) {
    throw new TypeError(`allocate(${job.jobId}): allocation.jobId is ${input.allocation.jobId}`);
  }
  if (reservation.team !== job.team) {
    throw new TypeError(
      `allocate(${job.jobId}): reservation.team ${reservation.team} is not the job's team ${job.team}`,
    );
  }
  if (!isPeriod(reservation.period)) {
    throw new TypeError(
      `allocate(${job.jobId}): reservation.period ${JSON.stringify(reservation.period)} is not yyyy-mm`,
    );
  }
  usdToMicros(reservation.amountUsd, 'reservation.amountUsd');
  usdToMicros(reservation.limitUsd, 'reservation.limitUsd');
  if (input.allocationId.length === 0 || input.allocationId.length > 64) {
    throw new TypeError(`allocate(${job.jobId}): allocationId must be 1–64 characters (it is a ClientToken)`);
  }
  const held = { team: reservation.team, period: reservation.period, amountUsd: reservation.amountUsd };
  const event = appendEvent(
    { jobId: job.jobId, seq: job.eventCount, hash: job.headHash },
    {
      jobId: job.jobId,
      type: 'ALLOCATED',
      at,
      data: toJsonObject({
        from: job.state,
        to: 'ALLOCATED',
        allocationId: input.allocationId,
        allocation: input.allocation,
        decision: input.decision,
        reservation: held,
      }),
    },
  );
  return {
    job: {
      ...job,
      state: 'ALLOCATED',
      version: job.version + 1,
      updatedAt: at,
      attempts: job.attempts + 1,
      allocation: {
        allocationId: input.allocationId,
        allocation: input.allocation,
        priceBookId: input.decision.priceBookId,
        reservation: held,
        allocatedAt: at,
      },
      runtime: carried(job),
      eventCount: event.seq,
      headHash: event.hash,
    },
    event,
  };
};
