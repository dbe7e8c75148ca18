import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import { type Quotas, quotaKey } from '../../lambdas/core/planning/plan-inputs.js';
import { HOME_REGIONS, SYNTHETIC_NOW_MS, seededRandom, syntheticWorkload } from './synthetic-jobs.js';

/** A month of submissions: the job mix of `syntheticWorkload`, arriving over `days` days. */
export interface MonthWorkload {
  readonly jobs: readonly JobRequest[];
  readonly startMs: number;
  readonly days: number;
  /** Quotas sized to what the month runs at once, so that they bind at peaks. */
  readonly quotas: Quotas;
  /** Monthly budgets (USD) and weights per team, in the budgets-file shape. */
  readonly budgets: {
    readonly period: string;
    readonly currency: 'USD';
    readonly teams: readonly {
      readonly team: string;
      readonly weight: number;
      readonly monthlyUsd: number | null;
      readonly spentUsd: number;
      readonly reservedUsd: number;
    }[];
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * `count` jobs of mixed kinds (EFA trainings, inference, deadline batch, sweeps; see
 * synthetic-jobs.ts) submitted over `days` days with a weekday/daytime peak, seeded. Each job's
 * deadline keeps its distance from submission. Deterministic for a seed.
 */
export const monthWorkload = (count: number, seed = 7, days = 30): MonthWorkload => {
  const base = syntheticWorkload(count, seed);
  const rand = seededRandom(seed ^ 0x5eed);
  // Submissions: a random day, then a time of day that favours working hours (two uniform draws).
  const offsets = base.jobs
    .map(() => {
      const day = Math.floor(rand() * days);
      const hour = 6 + 14 * ((rand() + rand()) / 2);
      return day * DAY_MS + hour * HOUR_MS;
    })
    .sort((a, b) => a - b);
  const jobs = base.jobs.map((job, i): JobRequest => {
    const offset = offsets[i] ?? 0;
    const submittedAt = new Date(SYNTHETIC_NOW_MS + offset).toISOString();
    const deadline = job.runtime.deadline;
    return {
      ...job,
      submittedAt,
      runtime: {
        ...job.runtime,
        ...(deadline === undefined
          ? {}
          : { deadline: new Date(Date.parse(deadline) + offset).toISOString() }),
      },
    };
  });
  // About a thirtieth of the jobs run at once; size the home pools to bind at that load.
  const concurrent = syntheticWorkload(Math.max(10, Math.round(count / 10)), seed);
  const limits = new Map<string, number>();
  for (const region of HOME_REGIONS)
    for (const cls of ['on-demand/P', 'spot/P', 'on-demand/G', 'spot/G'] as const) {
      const vcpus = concurrent.quotaLimit(region, cls);
      if (vcpus !== null) limits.set(quotaKey(region, cls), vcpus);
    }
  const scale = Math.max(1, count / 100);
  const period = new Date(SYNTHETIC_NOW_MS).toISOString().slice(0, 7);
  return {
    jobs,
    startMs: SYNTHETIC_NOW_MS,
    days,
    quotas: { defaultVcpus: null, limits },
    budgets: {
      period,
      currency: 'USD',
      teams: [
        { team: 'vision', weight: 2, monthlyUsd: 40_000 * scale, spentUsd: 0, reservedUsd: 0 },
        { team: 'nlp', weight: 3, monthlyUsd: 80_000 * scale, spentUsd: 0, reservedUsd: 0 },
        { team: 'speech', weight: 1, monthlyUsd: null, spentUsd: 0, reservedUsd: 0 },
        { team: 'recsys', weight: 1, monthlyUsd: null, spentUsd: 0, reservedUsd: 0 },
      ],
    },
  };
};
