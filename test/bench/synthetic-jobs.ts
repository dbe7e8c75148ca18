import type { GpuModel } from '../../lambdas/core/jobs/gpu-model.js';
import { type JobRequest, JobRequestSchema } from '../../lambdas/core/jobs/job-request.js';
import type { TeamTerms } from '../../lambdas/core/planning/plan-input.js';
import type { QuotaClass } from '../../lambdas/core/pricing/offer.js';

/** A seeded 32-bit generator (mulberry32): the same seed always gives the same workload. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/** The planning instant of every synthetic workload (the examples use the same one). */
export const SYNTHETIC_NOW_MS = Date.parse('2026-11-26T12:00:00Z');

export const SYNTHETIC_TEAMS = ['vision', 'nlp', 'speech', 'recsys'] as const;
const PRIORITIES = [100, 300, 500, 700] as const;
/** Regions the examples restrict jobs to (data residency, capacity reservations). */
export const HOME_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'us-east-2'] as const;
const REGION_SETS: ReadonlyArray<readonly string[] | undefined> = [
  ['us-east-1'],
  ['us-east-1', 'us-west-2'],
  ['us-east-1', 'us-west-2', 'eu-west-1'],
  ['us-east-1', 'us-east-2'],
  ['eu-west-1'],
  ['us-east-1', 'us-west-2', 'us-east-2'],
  undefined,
];

interface Archetype {
  readonly name: string;
  /** Relative frequency in the mix, after examples/jobs.jsonl. */
  readonly share: number;
  readonly build: (pick: Picker) => {
    resources: Record<string, unknown>;
    runtime: Record<string, unknown>;
  };
}

interface Picker {
  one<T>(items: readonly T[]): T;
  between(lo: number, hi: number, step: number): number;
  chance(p: number): boolean;
}

const HOUR_MS = 3_600_000;
const deadlineIn = (hours: number): string => new Date(SYNTHETIC_NOW_MS + hours * HOUR_MS).toISOString();

// Shares follow examples/jobs.jsonl: 10 EFA trainings, 11 inference, 9 deadline batch, 10 sweeps.
const ARCHETYPES: readonly Archetype[] = [
  {
    name: 'efa-training',
    share: 10,
    build: (p) => ({
      resources: {
        gpus: 8,
        nodes: p.one([1, 1, 2, 2, 4]),
        gpuModels: p.one<GpuModel[]>([['H100', 'H200'], ['A100-80GB', 'H100'], ['H100']]),
        efa: true,
        ...(p.chance(0.85) ? { regions: p.one(REGION_SETS.slice(0, 4)) } : {}),
      },
      runtime: {
        estimatedHours: p.between(6, 120, 2),
        referenceGpuModel: p.one<GpuModel>(['H100', 'A100-80GB']),
        checkpointMinutes: p.one([30, 45, 60]),
      },
    }),
  },
  {
    name: 'inference',
    share: 11,
    build: (p) => {
      const regions = p.one(REGION_SETS);
      return {
        resources: {
          gpus: 1,
          ...(p.chance(0.8)
            ? { gpuModels: p.one<GpuModel[]>([['L4', 'A10G'], ['T4', 'A10G'], ['T4', 'L4', 'A10G'], ['L4']]) }
            : { minGpuMemoryGiB: p.one([16, 20, 24]) }),
          ...(regions !== undefined ? { regions } : {}),
        },
        runtime: {
          estimatedHours: p.between(0.5, 8, 0.5),
          referenceGpuModel: p.one<GpuModel>(['L4', 'T4', 'A10G']),
          ...(p.chance(0.15) ? { maxPricePerHour: p.one([1.5, 2, 3]) } : {}),
        },
      };
    },
  },
  {
    name: 'deadline-batch',
    share: 9,
    build: (p) => {
      const regions = p.one(REGION_SETS);
      const interruptible = p.chance(0.6);
      return {
        resources: {
          gpus: p.one([1, 1, 4, 8]),
          gpuModels: p.one<GpuModel[]>([['L40S'], ['A10G', 'L4'], ['L40S', 'A100-80GB'], ['T4']]),
          ...(regions !== undefined ? { regions } : {}),
        },
        runtime: {
          estimatedHours: p.between(1, 30, 1),
          referenceGpuModel: p.one<GpuModel>(['L40S', 'A10G', 'L4']),
          deadline: deadlineIn(p.between(24, 168, 12)),
          interruptible,
          ...(interruptible ? { checkpointMinutes: p.one([15, 20, 30]) } : {}),
        },
      };
    },
  },
  {
    name: 'sweep',
    share: 10,
    build: (p) => {
      const regions = p.one(REGION_SETS);
      return {
        resources: {
          gpus: p.one([1, 1, 4]),
          gpuModels: p.one<GpuModel[]>([
            ['L4', 'A10G', 'L40S'],
            ['L4', 'A10G'],
          ]),
          ...(regions !== undefined ? { regions } : {}),
        },
        runtime: {
          estimatedHours: p.between(2, 14, 1),
          referenceGpuModel: p.one<GpuModel>(['L4', 'L40S']),
          interruptible: true,
          checkpointMinutes: p.one([15, 30, 45, 60]),
          ...(p.chance(0.2) ? { maxPricePerHour: p.one([0.8, 1.2, 8]) } : {}),
        },
      };
    },
  },
];

export interface SyntheticWorkload {
  readonly jobs: readonly JobRequest[];
  /** Requirement signatures the generator drew (jobs of one signature are interchangeable). */
  readonly signatures: number;
  readonly teams: ReadonlyMap<string, TeamTerms>;
  /** Finite vCPU limits on the home regions' pools, sized to bind; other pools are unlimited. */
  readonly quotas: ReadonlyMap<string, number>;
  readonly quotaLimit: (region: string, quotaClass: QuotaClass) => number | null;
  readonly nowMs: number;
}

/**
 * A realistic job mix of `count` jobs, seeded. About `count / 10` distinct requirement signatures
 * (sweeps and replicas repeat one signature many times; the repetition is skewed, as in practice),
 * four teams, four priority classes and region restrictions after `examples/jobs.jsonl`. Quotas on
 * the home regions' pools scale with the workload so that they bind; two teams have budgets that
 * bind, two have none.
 */
export const syntheticWorkload = (count: number, seed = 42): SyntheticWorkload => {
  const rand = seededRandom(seed);
  const pick: Picker = {
    one: (items) => items[Math.floor(rand() * items.length)] as (typeof items)[number],
    between: (lo, hi, step) => lo + step * Math.floor(rand() * (Math.floor((hi - lo) / step) + 1)),
    chance: (p) => rand() < p,
  };
  const totalShare = ARCHETYPES.reduce((s, a) => s + a.share, 0);
  const archetype = (): Archetype => {
    let r = rand() * totalShare;
    for (const a of ARCHETYPES) {
      r -= a.share;
      if (r < 0) return a;
    }
    return ARCHETYPES[0] as Archetype;
  };
  const signatureCount = Math.max(1, Math.round(count / 10));
  const prototypes = Array.from({ length: signatureCount }, (_, i) => {
    const a = archetype();
    return {
      name: a.name,
      team: pick.one(SYNTHETIC_TEAMS),
      priority: a.name === 'sweep' ? 100 : pick.one(PRIORITIES),
      ...a.build(pick),
      serial: i,
    };
  });
  const jobs: JobRequest[] = [];
  for (let i = 0; i < count; i++) {
    // Every prototype appears once; the rest repeat prototypes with a skew towards the first ones.
    const proto =
      i < signatureCount
        ? prototypes[i]
        : prototypes[Math.floor(signatureCount * rand() ** 2) % signatureCount];
    if (proto === undefined) throw new Error('unreachable: prototype index out of range');
    jobs.push(
      JobRequestSchema.parse({
        jobId: `${proto.team}-${proto.name}-${String(i).padStart(6, '0')}`,
        team: proto.team,
        project: `${proto.name}-${proto.serial % 50}`,
        priority: proto.priority,
        resources: proto.resources,
        runtime: proto.runtime,
      }),
    );
  }
  // Pools that bind: roughly a third of what the mix would draw from the home regions.
  const scale = Math.max(1, count / 100);
  const quotas = new Map<string, number>();
  for (const region of HOME_REGIONS) {
    const big = region === 'us-east-1' || region === 'us-west-2' ? 1 : 0.5;
    quotas.set(`${region}|on-demand/P`, Math.round((192 * 2 * scale * big) / 96) * 96);
    quotas.set(`${region}|spot/P`, Math.round((192 * scale * big) / 96) * 96);
    quotas.set(`${region}|on-demand/G`, Math.round((256 * scale * big) / 4) * 4);
    quotas.set(`${region}|spot/G`, Math.round((384 * scale * big) / 4) * 4);
  }
  const teams = new Map<string, TeamTerms>([
    ['vision', { weight: 2, remainingUsd: 2_500 * scale }],
    ['nlp', { weight: 3, remainingUsd: 6_000 * scale }],
    ['speech', { weight: 1, remainingUsd: Number.POSITIVE_INFINITY }],
    ['recsys', { weight: 1, remainingUsd: Number.POSITIVE_INFINITY }],
  ]);
  return {
    jobs,
    signatures: signatureCount,
    teams,
    quotas,
    quotaLimit: (region, cls) => quotas.get(`${region}|${cls}`) ?? null,
    nowMs: SYNTHETIC_NOW_MS,
  };
};
