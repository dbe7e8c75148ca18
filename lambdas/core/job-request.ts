import { z } from 'zod';
import { GPU_MODELS } from './gpu-model.js';

/**
 * The job-request contract: the one thing producer services depend on. The same schema checks SQS
 * messages, `qm` input files and the typed client, and is published as JSON Schema
 * (`schemas/job-request.schema.json`).
 */

/** AWS tag characters: letters, digits, spaces and `_ . : / = + - @` (EC2 tag restrictions). */
const TAG_SAFE = /^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$/u;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** ISO 8601 date-time with an explicit offset, so a deadline is never read in a local time zone. */
const deadline = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with Z or an offset',
});

export const MAX_TAGS = 20;

export const TagsSchema = z
  .record(
    z
      .string()
      .min(1, 'tag key must not be empty')
      .max(128, 'tag key must be at most 128 characters')
      .regex(TAG_SAFE, 'tag key may contain only letters, digits, spaces and _ . : / = + - @')
      .refine(
        (key) => !key.toLowerCase().startsWith('aws:'),
        'tag key must not start with aws: (reserved by AWS)',
      )
      .refine(
        (key) => !key.toLowerCase().startsWith('quartermaster:'),
        'tag key must not start with quartermaster: (reserved)',
      ),
    z
      .string()
      .max(256, 'tag value must be at most 256 characters')
      .regex(TAG_SAFE, 'tag value may contain only letters, digits, spaces and _ . : / = + - @'),
  )
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);

export const ResourcesSchema = z
  .object({
    /** GPUs (accelerators) needed on each node. */
    gpus: z.number().int().min(1).max(64),
    /** Nodes in the gang; all run at once. */
    nodes: z.number().int().min(1).max(64).default(1),
    /** Acceptable accelerator models; any of them will do. */
    gpuModels: z.array(z.enum(GPU_MODELS)).min(1).max(GPU_MODELS.length).optional(),
    /** Minimum memory per accelerator, GiB. */
    minGpuMemoryGiB: z.number().positive().max(1024).optional(),
    /** Needs Elastic Fabric Adapter (multi-node collective traffic). */
    efa: z.boolean().default(false),
    /** Allowed regions; all regions in the price book when absent. */
    regions: z
      .array(z.string().regex(REGION, 'must be an AWS region code like us-east-1'))
      .min(1)
      .max(40)
      .optional(),
  })
  .strict()
  .refine((r) => r.gpuModels !== undefined || r.minGpuMemoryGiB !== undefined, {
    message: 'give gpuModels and/or minGpuMemoryGiB',
    path: ['gpuModels'],
  });

export const RuntimeSchema = z
  .object({
    /** Wall-clock hours the job needs on `referenceGpuModel` at the requested size. */
    estimatedHours: z.number().positive().max(2160),
    /** The model `estimatedHours` was measured on; faster models finish sooner. */
    referenceGpuModel: z.enum(GPU_MODELS).default('A100-80GB'),
    /** Latest finish time. */
    deadline: deadline.optional(),
    /** True when the job tolerates spot interruptions (it checkpoints or restarts). */
    interruptible: z.boolean().default(false),
    /** Minutes between checkpoints; without it an interruption loses all progress. */
    checkpointMinutes: z.number().int().min(1).max(1440).optional(),
    /** Cap on the whole job's price, USD per hour across all its nodes. */
    maxPricePerHour: z.number().positive().max(10_000).optional(),
  })
  .strict();

export const LaunchSchema = z
  .object({
    launchTemplateId: z
      .string()
      .regex(/^lt-[0-9a-f]{8,17}$/, 'must look like lt-0123456789abcdef0')
      .optional(),
    launchTemplateName: z
      .string()
      .min(3)
      .max(128)
      .regex(/^[A-Za-z0-9().\-/_]+$/, 'may contain only letters, digits and ( ) . - / _')
      .optional(),
    version: z
      .string()
      .regex(/^(\$Latest|\$Default|\d{1,10})$/, 'must be $Latest, $Default or a version number')
      .optional(),
  })
  .strict()
  .refine((l) => (l.launchTemplateId === undefined) !== (l.launchTemplateName === undefined), {
    message: 'give exactly one of launchTemplateId or launchTemplateName',
    path: ['launchTemplateId'],
  });

export const JobRequestSchema = z
  .object({
    /** Client idempotency key: a repeated jobId is the same job, never a second allocation. */
    jobId: z
      .string()
      .min(1)
      .max(128)
      .regex(IDENTIFIER, 'must start with a letter or digit and contain only A-Z a-z 0-9 . _ : -'),
    team: z.string().min(1).max(64).regex(NAME, 'must be lower-case letters, digits and -'),
    project: z.string().min(1).max(64).regex(NAME, 'must be lower-case letters, digits and -'),
    /** 0 (lowest) … 1000 (highest); higher-priority jobs are admitted first. */
    priority: z.number().int().min(0).max(1000).default(100),
    resources: ResourcesSchema,
    runtime: RuntimeSchema,
    launch: LaunchSchema.optional(),
    tags: TagsSchema.optional(),
    /** When the producer created the request (for queue-age metrics); informational. */
    submittedAt: deadline.optional(),
  })
  .strict();

/** A validated job request, defaults applied. */
export type JobRequest = z.output<typeof JobRequestSchema>;
/** What a producer may send (defaults optional). */
export type JobRequestInput = z.input<typeof JobRequestSchema>;

/** One validation problem, pointing at the field by its dotted path. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export type ParseResult = { ok: true; value: JobRequest } | { ok: false; issues: readonly FieldIssue[] };

const fieldOf = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(root)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
        .join('.')
        .replace(/\.\[/g, '[');

/** Validates an already-decoded value. Every issue names the field it concerns. */
export const parseJobRequest = (value: unknown): ParseResult => {
  const result = JobRequestSchema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const base = fieldOf(issue.path);
        return {
          field: base === '(root)' ? issue.keys.join(', ') : issue.keys.map((k) => `${base}.${k}`).join(', '),
          message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`,
        };
      }
      return { field: fieldOf(issue.path), message: issue.message };
    }),
  };
};

/** Formats issues as one line: `field: message; field: message`. */
export const formatIssues = (issues: readonly FieldIssue[]): string =>
  issues.map((i) => `${i.field}: ${i.message}`).join('; ');
