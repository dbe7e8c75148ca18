import { type FieldIssue, formatIssues, parseJobRequestText } from '../jobs/job-request.js';
import type { Clock, JobLedger } from '../ports.js';

export interface IntakeDeps {
  readonly ledger: Pick<JobLedger, 'putJobIfAbsent' | 'recordRejection'>;
  readonly clock: Clock;
}

/** One message off the job-requests queue. */
export interface IncomingMessage {
  readonly messageId: string;
  readonly body: string;
}

export type IntakeOutcome =
  | { readonly kind: 'created'; readonly jobId: string }
  /** A redelivery or a producer retry of the same request: nothing changed. */
  | { readonly kind: 'duplicate'; readonly jobId: string }
  /** Kept as a REJECTED record; the message is done with (retrying cannot make it valid). */
  | {
      readonly kind: 'rejected';
      readonly reason: string;
      readonly issues: readonly FieldIssue[];
      /** `duplicate` when this message was rejected before (a redelivery). */
      readonly record: 'recorded' | 'duplicate';
    };

const reject = async (
  deps: IntakeDeps,
  message: IncomingMessage,
  issues: readonly FieldIssue[],
): Promise<IntakeOutcome> => {
  const reason = formatIssues(issues);
  const record = await deps.ledger.recordRejection({
    messageId: message.messageId,
    rawBody: message.body,
    reason,
    issues,
    at: deps.clock.now().toISOString(),
  });
  return { kind: 'rejected', reason, issues, record };
};

/**
 * Takes one job request into the ledger: a valid one becomes a PENDING job (a repeated jobId is a
 * no-op), an invalid one a REJECTED record with its raw body and the reason. Storage failures are
 * thrown, so the caller can report the message for redelivery.
 *
 * A jobId reused for a *different* request is rejected too: the jobId is the producer's
 * idempotency key, so the second request can never run, and saying so beats dropping it.
 */
export const intakeMessage = async (deps: IntakeDeps, message: IncomingMessage): Promise<IntakeOutcome> => {
  const parsed = parseJobRequestText(message.body);
  if (!parsed.ok) return reject(deps, message, parsed.issues);
  const put = await deps.ledger.putJobIfAbsent({ request: parsed.value, messageId: message.messageId });
  if (put.outcome === 'created') return { kind: 'created', jobId: put.job.jobId };
  if (put.identical) return { kind: 'duplicate', jobId: put.job.jobId };
  return reject(deps, message, [
    {
      field: 'jobId',
      message: `jobId ${put.job.jobId} is already used by a different request (received ${put.job.createdAt})`,
    },
  ]);
};
