import { InvalidTransitionError } from '../errors.js';

/**
 * The job lifecycle. Invalid requests never become jobs: they are kept as separate REJECTED
 * records (see `Ledger.recordRejection`), so REJECTED is not a state here.
 */
export const JOB_STATES = [
  'PENDING',
  'ALLOCATED',
  'PROVISIONING',
  'RUNNING',
  'INTERRUPTED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * Allowed moves. Back to PENDING: a capacity error or a released allocation (ALLOCATED,
 * PROVISIONING) and a re-queue after a spot interruption (INTERRUPTED). An interrupted job may
 * also end outright, when its deadline no longer allows a re-run or its owner cancels it.
 */
const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  PENDING: ['ALLOCATED', 'CANCELLED'],
  ALLOCATED: ['PROVISIONING', 'PENDING', 'CANCELLED'],
  PROVISIONING: ['RUNNING', 'PENDING', 'CANCELLED', 'FAILED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED'],
  INTERRUPTED: ['PENDING', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export const isJobState = (value: string): value is JobState =>
  (JOB_STATES as readonly string[]).includes(value);

/** True when the state machine allows `from → to`. */
export const canTransition = (from: JobState, to: JobState): boolean => TRANSITIONS[from].includes(to);

/** The states reachable from `from` in one step. */
export const nextStates = (from: JobState): readonly JobState[] => TRANSITIONS[from];

/**
 * Throws `InvalidTransitionError` unless `from → to` is allowed.
 * @example assertTransition('RUNNING', 'PENDING', 'job-1') // throws: re-queue goes through INTERRUPTED
 */
export const assertTransition = (from: JobState, to: JobState, jobId?: string): void => {
  if (!canTransition(from, to)) {
    const allowed = TRANSITIONS[from];
    throw new InvalidTransitionError(
      from,
      to,
      jobId,
      allowed.length === 0 ? `${from} is final` : `allowed from ${from}: ${allowed.join(', ')}`,
    );
  }
};
