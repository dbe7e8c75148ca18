import * as z from 'zod/mini';
import { type FieldIssue, toFieldIssues } from '../jobs/job-request.js';
import { parseStrictJson } from '../jobs/strict-json.js';

/**
 * The messages the pipeline passes between its own handlers (provision) and receives from running
 * jobs (job events). Job requests have their own contract in job-request.ts.
 */

const JOB_ID = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
      'must start with a letter or digit and contain only A-Z a-z 0-9 . _ : -',
    ),
  );

/** solve → provision: launch the capacity of one allocation. */
export const ProvisionMessageSchema = z.strictObject({
  jobId: JOB_ID,
  allocationId: z.string().check(z.minLength(1), z.maxLength(64)),
});
export type ProvisionMessage = z.output<typeof ProvisionMessageSchema>;

const REASON = z.string().check(z.minLength(1), z.maxLength(1000));

/** A running job (or its owner) reports that the workload ended. */
export const CompleteMessageSchema = z.strictObject({
  type: z.literal('complete'),
  jobId: JOB_ID,
  /** True when the workload failed; the job ends FAILED instead of SUCCEEDED. */
  failed: z._default(z.boolean(), false),
  reason: z.optional(REASON),
});

/** The owner withdraws a job; any capacity it holds is terminated. */
export const CancelMessageSchema = z.strictObject({
  type: z.literal('cancel'),
  jobId: JOB_ID,
  reason: REASON,
});

/** Everything the job-events queue carries. */
export const JobEventMessageSchema = z.discriminatedUnion('type', [
  CompleteMessageSchema,
  CancelMessageSchema,
]);
export type JobEventMessage = z.output<typeof JobEventMessageSchema>;
export type JobEventMessageInput = z.input<typeof JobEventMessageSchema>;

export type MessageParse<T> = { ok: true; value: T } | { ok: false; issues: readonly FieldIssue[] };

const parseWith =
  <T>(schema: z.ZodMiniType<T>) =>
  (body: string): MessageParse<T> => {
    const parsed = parseStrictJson(body);
    if (!parsed.ok)
      return { ok: false, issues: [{ field: parsed.duplicate?.path ?? '(body)', message: parsed.message }] };
    const result = schema.safeParse(parsed.value);
    return result.success
      ? { ok: true, value: result.data }
      : { ok: false, issues: toFieldIssues(result.error.issues) };
  };

/** Parses a provision message body; issues name the field. */
export const parseProvisionMessage = parseWith(ProvisionMessageSchema);

/** Parses a job-events message body; issues name the field. */
export const parseJobEventMessage = parseWith(JobEventMessageSchema);
