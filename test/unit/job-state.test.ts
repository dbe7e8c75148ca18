import { describe, expect, it } from 'vitest';
import { InvalidTransitionError, QuartermasterError } from '../../lambdas/core/errors.js';
import {
  assertTransition,
  canTransition,
  isJobState,
  JOB_STATES,
  type JobState,
  nextStates,
  TERMINAL_STATES,
} from '../../lambdas/core/jobs/job-state.js';

const ALLOWED: ReadonlyArray<readonly [JobState, JobState]> = [
  ['PENDING', 'ALLOCATED'],
  ['PENDING', 'CANCELLED'],
  ['ALLOCATED', 'PROVISIONING'],
  ['ALLOCATED', 'PENDING'],
  ['ALLOCATED', 'CANCELLED'],
  ['PROVISIONING', 'RUNNING'],
  ['PROVISIONING', 'PENDING'],
  ['PROVISIONING', 'CANCELLED'],
  ['PROVISIONING', 'FAILED'],
  ['RUNNING', 'SUCCEEDED'],
  ['RUNNING', 'FAILED'],
  ['RUNNING', 'CANCELLED'],
  ['RUNNING', 'INTERRUPTED'],
  ['INTERRUPTED', 'PENDING'],
  ['INTERRUPTED', 'FAILED'],
  ['INTERRUPTED', 'CANCELLED'],
];

const allowed = new Set(ALLOWED.map(([from, to]) => `${from}>${to}`));
const allPairs = JOB_STATES.flatMap((from) => JOB_STATES.map((to) => [from, to] as const));
const forbidden = allPairs.filter(([from, to]) => !allowed.has(`${from}>${to}`));

describe('job state machine', () => {
  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to, 'job-1')).not.toThrow();
  });

  it.each(forbidden)('forbids %s → %s with an InvalidTransitionError', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let caught: unknown;
    try {
      assertTransition(from, to, 'job-1');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidTransitionError);
    expect(caught).toBeInstanceOf(QuartermasterError);
    expect(caught).toMatchObject({ name: 'InvalidTransitionError', from, to, jobId: 'job-1' });
  });

  it('checks all 64 ordered pairs between the eight states', () => {
    expect(allPairs).toHaveLength(64);
    expect(ALLOWED.length + forbidden.length).toBe(64);
  });

  it('never lets a job leave a terminal state, and says so', () => {
    for (const state of TERMINAL_STATES) expect(nextStates(state)).toEqual([]);
    expect(() => assertTransition('SUCCEEDED', 'PENDING')).toThrow(/SUCCEEDED is final/);
  });

  it('names the allowed next states when it refuses a move', () => {
    expect(() => assertTransition('RUNNING', 'PENDING', 'job-7')).toThrow(
      'job job-7: cannot go from RUNNING to PENDING (allowed from RUNNING: SUCCEEDED, FAILED, CANCELLED, INTERRUPTED)',
    );
  });

  it('does not treat REJECTED as a job state (rejections are separate records)', () => {
    expect(isJobState('REJECTED')).toBe(false);
    expect(isJobState('PENDING')).toBe(true);
  });
});
