import { QuartermasterError } from '../errors.js';
import { RESERVED_TAG_PREFIXES } from './job-request.js';

/**
 * The tags on every instance and fleet the service launches. They are the cost-allocation tags
 * finance activates in Cost Explorer, the keys the reconciler finds orphans by, and the keys the
 * IAM conditions (`aws:RequestTag`, `ec2:ResourceTag`) are written against, so they live here once.
 */

/** Marks a resource as launched (and so terminable) by the service. */
export const MANAGED_BY_TAG = 'quartermaster:managed-by';
/** The only value {@link MANAGED_BY_TAG} ever has. */
export const MANAGED_BY_VALUE = 'quartermaster';
export const JOB_ID_TAG = 'quartermaster:job-id';
/** One allocation attempt; the idempotency key of a launch. */
export const ALLOCATION_ID_TAG = 'quartermaster:allocation-id';
export const TEAM_TAG = 'quartermaster:team';
export const PROJECT_TAG = 'quartermaster:project';
export const COST_CENTER_TAG = 'quartermaster:cost-center';

/** The job tag whose value is copied to {@link COST_CENTER_TAG}. */
export const JOB_COST_CENTER_TAG = 'cost-center';

/** Every key the service sets itself; a job's own tags never override one of them. */
export const MANAGED_TAG_KEYS = [
  MANAGED_BY_TAG,
  JOB_ID_TAG,
  ALLOCATION_ID_TAG,
  TEAM_TAG,
  PROJECT_TAG,
  COST_CENTER_TAG,
] as const;

/** EC2 allows 50 tags per resource; key and value lengths are AWS's own limits. */
export const MAX_RESOURCE_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;

export type ResourceTags = Readonly<Record<string, string>>;

export interface ManagedTagInput {
  readonly jobId: string;
  readonly allocationId: string;
  readonly team: string;
  readonly project: string;
  /** The job's own tags (`JobRequest.tags`), copied onto the instances. */
  readonly jobTags?: ResourceTags;
}

/** Thrown for input that cannot become a valid EC2 tag set; the message names the field. */
export class ManagedTagError extends QuartermasterError {
  override readonly name = 'ManagedTagError';
}

const isReserved = (key: string): boolean =>
  RESERVED_TAG_PREFIXES.some((prefix) => key.toLowerCase().startsWith(prefix));

const required = (field: keyof ManagedTagInput, value: string): string => {
  if (value.trim() === '' || value.length > MAX_VALUE_LENGTH) {
    throw new ManagedTagError(
      `managedTags: ${field} must be 1–${MAX_VALUE_LENGTH} characters, got ${JSON.stringify(value)}`,
    );
  }
  return value;
};

/**
 * The full tag set for an allocation's instances and fleet: the managed keys plus the job's own
 * tags. A job tag under a reserved prefix (`aws:`, `quartermaster:`) is left out: the request
 * schema rejects such keys already, and the managed values must stay trustworthy because IAM
 * and cost reports rely on them.
 *
 * @throws ManagedTagError when an id is empty or a tag would break EC2's limits
 * @example managedTags({ jobId: 'j1', allocationId: 'j1-a1', team: 'vision', project: 'det' })
 */
export const managedTags = (input: ManagedTagInput): ResourceTags => {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.jobTags ?? {})) {
    if (isReserved(key)) continue;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH || value.length > MAX_VALUE_LENGTH) {
      throw new ManagedTagError(
        `managedTags: jobTags[${JSON.stringify(key)}] exceeds EC2's limits (key 1–${MAX_KEY_LENGTH}, value ≤ ${MAX_VALUE_LENGTH} characters)`,
      );
    }
    tags[key] = value;
  }
  tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE;
  tags[JOB_ID_TAG] = required('jobId', input.jobId);
  tags[ALLOCATION_ID_TAG] = required('allocationId', input.allocationId);
  tags[TEAM_TAG] = required('team', input.team);
  tags[PROJECT_TAG] = required('project', input.project);
  const costCenter = input.jobTags?.[JOB_COST_CENTER_TAG];
  if (costCenter !== undefined && costCenter !== '') tags[COST_CENTER_TAG] = costCenter;
  if (Object.keys(tags).length > MAX_RESOURCE_TAGS) {
    throw new ManagedTagError(
      `managedTags: ${Object.keys(tags).length} tags for allocation ${input.allocationId}; EC2 allows ${MAX_RESOURCE_TAGS}`,
    );
  }
  return tags;
};

/** What the managed tags of a resource say about it. */
export interface ManagedTagFacts {
  readonly jobId: string;
  readonly allocationId: string;
  readonly team: string;
  readonly project: string;
  readonly costCenter: string | null;
}

/**
 * Reads the managed keys back from a resource's tags; `undefined` when the resource is not
 * managed or lacks a job or allocation id (someone else's instance, or a hand-edited one).
 */
export const readManagedTags = (tags: ResourceTags): ManagedTagFacts | undefined => {
  if (tags[MANAGED_BY_TAG] !== MANAGED_BY_VALUE) return undefined;
  const jobId = tags[JOB_ID_TAG];
  const allocationId = tags[ALLOCATION_ID_TAG];
  if (jobId === undefined || allocationId === undefined) return undefined;
  return {
    jobId,
    allocationId,
    team: tags[TEAM_TAG] ?? '',
    project: tags[PROJECT_TAG] ?? '',
    costCenter: tags[COST_CENTER_TAG] ?? null,
  };
};
