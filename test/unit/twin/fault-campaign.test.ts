import { describe, expect, it, vi } from 'vitest';
import { InMemoryJobQueues } from '../../../lambdas/adapters/in-memory-queues.js';
import type { JobRequest } from '../../../lambdas/core/jobs/job-request.js';
import { budgetChainId } from '../../../lambdas/core/ledger/budget-chain.js';
import type { JobEvent } from '../../../lambdas/core/ports.js';
import { runTwin } from '../../../lambdas/twin/deployment-twin.js';
import { FAULT_KINDS, FaultPlan, FaultSpecError, parseFaultSpec } from '../../../lambdas/twin/fault-plan.js';
import { checkInvariants, type InvariantInput } from '../../../lambdas/twin/twin-invariants.js';
import { FakeClock } from '../../support/fake-clock.js';
import { bundledTraces, exampleJobs, realSolver, START_MS } from './twin-fixtures.js';

/** Issue 12 part 5: the deployed loop under a fault campaign, and the invariants it must keep. */

const FEW = [
  'vision-sweep-lr-01',
  'speech-sweep-vad-01',
  'recsys-infer-ctr-nightly',
  'nlp-eval-llm-70b',
  'nlp-sft-llm-13b',
];

const pick = async (): Promise<JobRequest[]> => (await exampleJobs()).filter((j) => FEW.includes(j.jobId));

const run = async (faults?: FaultPlan) =>
  runTwin({
    jobs: await pick(),
    startMs: START_MS,
    traces: await bundledTraces(),
    solver: await realSolver(),
    ...(faults === undefined ? {} : { faults }),
  });

/** The end-of-run checks over a run's ledger, with the instances and usage a test puts in. */
const invariantsAfter = async (
  result: Awaited<ReturnType<typeof run>>,
  parts: Pick<InvariantInput, 'instances' | 'usageByJob'>,
) =>
  checkInvariants({
    ledger: result.ledger,
    queues: new InMemoryJobQueues({ clock: new FakeClock(result.endedAt) }),
    jobs: await pick(),
    rejectedIds: new Set(),
    waiting: new Map(),
    liveInstances: [],
    startMs: START_MS,
    endMs: Date.parse(result.endedAt),
    ...parts,
  });

describe('parseFaultSpec', () => {
  it('sets every kind with all, and later entries override earlier ones', () => {
    const rates = parseFaultSpec('all=0.01, crash=0.2');
    expect(rates.crash).toBe(0.2);
    for (const k of FAULT_KINDS.filter((k) => k !== 'crash')) expect(rates[k]).toBe(0.01);
  });

  it('names the entry at fault', () => {
    expect(() => parseFaultSpec('')).toThrow(FaultSpecError);
    expect(() => parseFaultSpec('crash=0.1,flood=0.1')).toThrow(
      /entry 2 \("flood=0.1"\): unknown fault kind "flood"/,
    );
    expect(() => parseFaultSpec('crash')).toThrow(/entry 1 \("crash"\): expected kind=rate/);
    expect(() => parseFaultSpec('throttle=0.9')).toThrow(/rate must be between 0 and 0.5/);
  });
});

describe('FaultPlan', () => {
  it('draws the same faults from the same seed, and counts them', () => {
    const draws = (seed: number) => {
      const plan = new FaultPlan(parseFaultSpec('crash=0.3'), seed);
      return Array.from({ length: 200 }, () => plan.hit('crash'));
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    const plan = new FaultPlan(parseFaultSpec('crash=0.3'), 7);
    const hits = Array.from({ length: 1000 }, () => plan.hit('crash')).filter(Boolean).length;
    expect(hits).toBeGreaterThan(240);
    expect(hits).toBeLessThan(360);
    expect(plan.counts().crash).toEqual({ steps: 1000, injected: hits });
    expect(plan.hit('throttle')).toBe(false);
    expect(plan.counts().throttle).toEqual({ steps: 0, injected: 0 });
  });
});

describe('the deployed loop under faults', () => {
  it('keeps every invariant with every fault kind at 10 %, and injects each kind', async () => {
    const clean = await run();
    expect(clean.invariants.every((c) => c.holds)).toBe(true);
    const result = await run(new FaultPlan(parseFaultSpec('all=0.1'), 3));
    const broken = result.invariants.filter((c) => !c.holds);
    expect(broken).toEqual([]);
    expect(result.invariants.map((c) => c.name)).toHaveLength(6);
    for (const kind of FAULT_KINDS) expect(result.faults?.[kind].injected, kind).toBeGreaterThan(0);
    // The faults were felt: port failures were logged and retried, and the jobs still ended.
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.stoppedBy).toBe('all-terminal');
    expect(result.jobs.filter((j) => j.state === 'SUCCEEDED').length).toBe(
      clean.jobs.filter((j) => j.state === 'SUCCEEDED').length,
    );
  }, 120_000);

  it('names what breaks an invariant', async () => {
    const result = await run();
    const [first] = await result.ledger.listUsageByJob('nlp-sft-llm-13b');
    if (first === undefined) throw new Error('nlp-sft-llm-13b ran no instance');
    const launched = (n: number) => ({
      instanceId: `i-${n}`,
      jobId: first.jobId,
      allocationId: first.allocationId,
      offer: undefined as never,
      poolId: null,
      availabilityZone: 'use1-az1',
      launchTime: first.startedAt,
      tags: {},
      // All three up at once: none reached terminated before the others launched.
      state: 'running',
    });
    const checks = await invariantsAfter(result, {
      // The same allocation launched three times over, for a job of two nodes.
      instances: [1, 2, 3].map(launched),
      // An interval left open although its instance is gone.
      usageByJob: new Map([[first.jobId, [{ ...first, stoppedAt: null }]]]),
    });
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get('no allocation launched twice')).toMatchObject({ holds: false, violations: 1 });
    expect(byName.get('no allocation launched twice')?.examples[0]).toMatch(
      /3 instances alive at once for 2 node\(s\), 3 launched/,
    );
    expect(byName.get('every usage interval closed')).toMatchObject({ holds: false, violations: 1 });
    expect(byName.get('every valid job terminal or pending with a reason')?.holds).toBe(true);
    expect(byName.get('report total = Σ usage × stored price')?.holds).toBe(true);
  }, 120_000);

  it('lets spend pass a limit only by what settlements overran, and names a reservation that commits more', async () => {
    const result = await run();
    const chain = budgetChainId('nlp', '2026-11');
    const event = (seq: number, type: string, data: Record<string, unknown>): JobEvent =>
      ({ jobId: chain, seq, type, at: result.endedAt, data }) as unknown as JobEvent;
    const balances = (reservedUsd: number, spentUsd: number) => ({ limitUsd: 100, reservedUsd, spentUsd });
    // 100 USD limit; a job reserved 100 and cost 130 (the overrun is spent money, not a breach);
    // then one reservation that fits the 30 USD overrun and one that does not.
    const forged = [
      event(1, 'BUDGET_SET', { limitUsd: 100, previousLimitUsd: null, after: balances(0, 0) }),
      event(2, 'BUDGET_RESERVED', { allocationId: 'a.a1', amountUsd: 100, after: balances(100, 0) }),
      event(3, 'BUDGET_SETTLED', {
        allocationId: 'a.a1',
        reservedUsd: 100,
        actualUsd: 130,
        after: balances(0, 130),
      }),
      event(4, 'BUDGET_RESERVED', { allocationId: 'b.a1', amountUsd: 0, after: balances(0, 130) }),
      event(5, 'BUDGET_RESERVED', { allocationId: 'c.a1', amountUsd: 5, after: balances(5, 130) }),
    ];
    const real = result.ledger.listEvents.bind(result.ledger);
    vi.spyOn(result.ledger, 'listEvents').mockImplementation(async (id) =>
      id === chain ? forged : real(id),
    );
    const checks = await invariantsAfter(result, { instances: [], usageByJob: new Map() });
    const budget = checks.find((c) => c.name === 'no reservation beyond a budget');
    expect(budget).toMatchObject({ holds: false, violations: 1 });
    expect(budget?.examples[0]).toBe(
      'nlp 2026-11: the reservation at seq 5 commits 135 of 100 USD; settlements had overrun by 30 USD',
    );
  }, 120_000);
});
