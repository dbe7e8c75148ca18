import type { JobRequest } from '../jobs/job-request.js';

/** Jobs that are interchangeable for the planner: same candidates, same cost on each, same claims. */
export interface JobClass {
  /** The requirement signature every member shares. */
  readonly signature: string;
  /** The part of the signature that decides candidates and their costs (no team, no priority). */
  readonly pricingSignature: string;
  /** Members in jobId order: the order in which they take the class's places. */
  readonly jobs: readonly JobRequest[];
  /** Position of each member in the planner's input, parallel to `jobs`. */
  readonly inputIndex: readonly number[];
  readonly team: string;
  readonly priority: number;
  /** Smallest input position of a member: classes are listed in order of first appearance. */
  readonly firstSeen: number;
}

/**
 * Everything that decides a job's candidate set and its cost on each candidate, and the claims it
 * makes (team budget, fair share, priority tier). Identity and bookkeeping fields (`jobId`,
 * `project`, `tags`, `launch`) are left out: two jobs with one signature are interchangeable.
 * Region order is kept because a waiting job's reason lists the regions as given; a deadline is
 * compared as an instant, so two spellings of one instant share a class.
 */
export const requirementSignature = (job: JobRequest): string =>
  `${job.team}|${job.priority}|${pricingSignature(job)}`;

/**
 * The fields that decide a job's candidate set and its cost on each: the requirement signature
 * without team and priority. Classes that differ only in those share their priced candidates.
 */
export const pricingSignature = (job: JobRequest): string => {
  const r = job.resources;
  const t = job.runtime;
  // One template with a separator no field can contain (names, regions and models are
  // [A-Za-z0-9.-]): the hot path of a 100,000-job batch, so no intermediate arrays where avoidable.
  return `${r.gpus}|${r.nodes}|${r.gpuModels !== undefined ? modelSetKey(r.gpuModels) : '~'}|${
    r.minGpuMemoryGiB ?? '~'
  }|${r.efa}|${r.regions !== undefined ? listKey(r.regions) : '~'}|${t.estimatedHours}|${
    t.referenceGpuModel
  }|${t.deadline !== undefined ? Date.parse(t.deadline) : '~'}|${t.interruptible}|${
    t.checkpointMinutes ?? '~'
  }|${t.maxPricePerHour ?? '~'}`;
};

/** A list as the signature spells it (comma-separated); one item needs no new string. */
const listKey = (items: readonly string[]): string =>
  items.length === 1 ? (items[0] as string) : items.join(',');

/** Accepted models as a set: sorted, copied only when a list longer than two is not sorted already. */
const modelSetKey = (models: readonly string[]): string => {
  if (models.length === 2) {
    const a = models[0] as string;
    const b = models[1] as string;
    return a > b ? `${b},${a}` : `${a},${b}`;
  }
  if (models.length < 2) return listKey(models);
  for (let i = 1; i < models.length; i++)
    if ((models[i - 1] as string) > (models[i] as string)) return [...models].sort().join(',');
  return models.join(',');
};

/**
 * Groups jobs by requirement signature, in order of first appearance. The planner then decides
 * how many jobs of each class run on each candidate, which is far smaller than deciding each job.
 */
export const groupJobClasses = (jobs: readonly JobRequest[]): JobClass[] => {
  // Members are kept as input positions, and the full signature is looked up in two steps
  // (pricing, then team and priority) instead of being built per job: at 100,000 jobs the
  // per-job wrapper objects and long keys were most of the grouping time, through the collector.
  const groups: number[][] = [];
  const byPricing = new Map<string, Map<string, number>>();
  const pricingOfGroup: string[] = [];
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index] as JobRequest;
    const pricing = pricingSignature(job);
    let byClaim = byPricing.get(pricing);
    if (byClaim === undefined) {
      byClaim = new Map();
      byPricing.set(pricing, byClaim);
    }
    const claim = `${job.team}|${job.priority}`;
    const at = byClaim.get(claim);
    if (at === undefined) {
      byClaim.set(claim, groups.length);
      groups.push([index]);
      pricingOfGroup.push(pricing);
    } else (groups[at] as number[]).push(index);
  }
  const jobIdAt = (i: number): string => (jobs[i] as JobRequest).jobId;
  return groups.map((members, g) => {
    const firstSeen = members[0] ?? 0;
    members.sort((a, b) => {
      const ia = jobIdAt(a);
      const ib = jobIdAt(b);
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
    const first = jobs[members[0] ?? 0] as JobRequest;
    const pricing = pricingOfGroup[g] ?? '';
    return {
      signature: `${first.team}|${first.priority}|${pricing}`,
      pricingSignature: pricing,
      jobs: members.map((i) => jobs[i] as JobRequest),
      inputIndex: members,
      team: first.team,
      priority: first.priority,
      firstSeen,
    };
  });
};
