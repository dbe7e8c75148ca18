import type {
  LedgerBudget,
  LedgerJob,
  LedgerRecord,
  LedgerUsage,
} from '../../lambdas/core/ledger/ledger-export.js';

/**
 * A seeded, lazy generator of ledger exports: a month of jobs with their usage intervals and the
 * teams' budgets, yielded one record at a time so tests can stream 100,000 jobs without holding
 * them. Same seed, same records.
 */

/** mulberry32: small, fast, good enough for test data. */
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

interface Sku {
  readonly instanceType: string;
  readonly onDemand: number;
  readonly spot: number;
  readonly regions: readonly string[];
}

/** Real-looking prices (USD per hour); spot always below on-demand. */
const SKUS: readonly Sku[] = [
  { instanceType: 'p5.48xlarge', onDemand: 55.04, spot: 21.5817, regions: ['us-east-1', 'us-west-2'] },
  { instanceType: 'p4d.24xlarge', onDemand: 21.96, spot: 8.3412, regions: ['us-east-1', 'eu-west-1'] },
  { instanceType: 'g5.12xlarge', onDemand: 5.672, spot: 2.0871, regions: ['us-east-1', 'us-east-2'] },
  { instanceType: 'g6e.2xlarge', onDemand: 2.24208, spot: 0.9613, regions: ['us-west-2', 'eu-central-1'] },
  { instanceType: 'g4dn.xlarge', onDemand: 0.526, spot: 0.1955, regions: ['us-east-1', 'ap-northeast-1'] },
];

export const FIXTURE_TEAMS = ['vision', 'nlp', 'speech', 'recsys'] as const;

export interface LedgerFixtureOptions {
  readonly jobs: number;
  /** `yyyy-mm`. @default '2026-11' */
  readonly month?: string;
  readonly seed?: number;
  readonly teams?: readonly string[];
  /** Monthly limit per team. @default 250_000 */
  readonly budgetUsd?: number;
}

const iso = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Yields, per job: its `job` record, then one usage interval per node (and a second attempt
 * after a spot interruption now and then); budgets first. Some intervals cross midnight or the
 * month's end, so clipping and splitting are exercised.
 */
export function* generateLedgerMonth(options: LedgerFixtureOptions): Generator<LedgerRecord> {
  const month = options.month ?? '2026-11';
  const random = seededRandom(options.seed ?? 42);
  const teams = options.teams ?? FIXTURE_TEAMS;
  const startMs = Date.parse(`${month}-01T00:00:00Z`);
  const d = new Date(startMs);
  const endMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  for (const team of teams) {
    const budget: LedgerBudget = {
      kind: 'budget',
      team,
      period: month,
      limitUsd: options.budgetUsd ?? 250_000,
    };
    yield budget;
  }
  for (let i = 0; i < options.jobs; i += 1) {
    const team = pick(teams);
    const project = `${team}-p${Math.floor(random() * 3)}`;
    const jobId = `job-${month}-${String(i).padStart(6, '0')}`;
    const sku = pick(SKUS);
    const region = pick(sku.regions);
    const spot = random() < 0.7;
    const unit = spot ? sku.spot : sku.onDemand;
    const nodes = random() < 0.15 ? 2 : 1;
    const allocatedMs = startMs + Math.floor(random() * (endMs - startMs - 3_600_000));
    const hours = 0.25 + random() * 30;
    const expectedCostUsd = Math.round(unit * hours * nodes * (0.8 + random() * 0.4) * 100) / 100;
    const allocationId = `alloc-${i}`;
    const job: LedgerJob = {
      kind: 'job',
      jobId,
      team,
      project,
      priority: 100 + Math.floor(random() * 800),
      state: 'SUCCEEDED',
      version: 6,
      createdAt: iso(allocatedMs - 60_000),
      updatedAt: iso(allocatedMs + hours * 3_600_000),
      period: month,
      attempts: 1,
      allocation: {
        allocationId,
        priceBookId: 'static-fixture',
        priceBookAsOf: '2026-07-20',
        allocatedAt: iso(allocatedMs),
        instanceType: sku.instanceType,
        region,
        availabilityZone: spot ? `${region}a` : null,
        purchaseOption: spot ? 'spot' : 'on-demand',
        nodes,
        unitPriceUsdPerHour: unit,
        expectedHours: Math.round(hours * 100) / 100,
        expectedCostUsd,
        onDemandEquivalentUsd: Math.round(sku.onDemand * hours * nodes * 100) / 100,
        reservedUsd: expectedCostUsd,
      },
      runtime: {},
      eventCount: 6,
      headHash: 'f'.repeat(64),
      tags: { 'cost-center': `cc-${1000 + (i % 7)}` },
    };
    yield job;
    const interrupted = spot && random() < 0.1;
    for (let n = 0; n < nodes; n += 1) {
      const startedMs = allocatedMs + 120_000;
      const runMs = Math.floor(hours * 3_600_000 * (interrupted ? 0.4 : 1));
      const usage: LedgerUsage = {
        kind: 'usage',
        instanceId: `i-${(i * 4 + n).toString(16).padStart(17, '0')}`,
        jobId,
        allocationId,
        team,
        project,
        region,
        availabilityZone: spot ? `${region}a` : `${region}b`,
        instanceType: sku.instanceType,
        purchaseOption: spot ? 'spot' : 'on-demand',
        unitPriceUsdPerHour: unit,
        onDemandPriceUsdPerHour: sku.onDemand,
        priceBookId: 'static-fixture',
        startedAt: iso(startedMs),
        stoppedAt: iso(startedMs + runMs),
        interrupted,
        ...(interrupted ? { lastCheckpointAt: iso(startedMs + Math.floor(runMs / 2)) } : {}),
        accountId: '123456789012',
        accountName: 'ml-training',
        resourceName: `qm-${jobId}-${n}`,
        tags: { 'cost-center': `cc-${1000 + (i % 7)}`, 'quartermaster:job': jobId },
      };
      yield usage;
      if (interrupted) {
        const restartMs = startedMs + runMs + 300_000;
        yield {
          ...usage,
          instanceId: `${usage.instanceId}r`,
          purchaseOption: 'on-demand',
          unitPriceUsdPerHour: sku.onDemand,
          availabilityZone: `${region}b`,
          startedAt: iso(restartMs),
          stoppedAt: iso(restartMs + Math.floor(hours * 3_600_000 * 0.8)),
          interrupted: false,
          lastCheckpointAt: null,
        };
      }
    }
  }
}
