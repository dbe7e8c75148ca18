import { describe, expect, it } from 'vitest';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import type { CapacityBlockOffering } from '../../lambdas/core/commitments/capacity-block-offering.js';
import { type JobRequest, parseJobRequest } from '../../lambdas/core/jobs/job-request.js';
import {
  type CapacityBlockAdviceInput,
  capacityBlockAdvice,
} from '../../lambdas/core/planning/capacity-block-advice.js';
import type { Allocation, BindingKind, WaitingJob } from '../../lambdas/core/planning/plan.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const book = loadStaticPriceBook();
/** Bundled on-demand price of p5.48xlarge (8 × H100) in every US region the tests use. */
const P5 = 55.04;

const job = (
  jobId: string,
  patch: { nodes?: number; hours?: number; deadline?: string | null; gpuModels?: string[] } = {},
): JobRequest => {
  const r = parseJobRequest({
    jobId,
    team: 'nlp',
    project: 'p',
    resources: { gpus: 8, nodes: patch.nodes ?? 1, gpuModels: patch.gpuModels ?? ['H100'], efa: true },
    runtime: {
      estimatedHours: patch.hours ?? 30,
      referenceGpuModel: 'H100',
      ...(patch.deadline === null ? {} : { deadline: patch.deadline ?? '2026-11-29T00:00:00Z' }),
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};

/** The job on p5 on-demand in us-east-1, as the plan would price it: one start-up and its run. */
const onDemand = (j: JobRequest, patch: Partial<Allocation> = {}): Allocation => {
  const hours = j.runtime.estimatedHours + 0.2;
  return {
    jobId: j.jobId,
    team: j.team,
    project: j.project,
    priority: j.priority,
    offerId: 'p5.48xlarge|us-east-1|*|on-demand',
    instanceType: 'p5.48xlarge',
    region: 'us-east-1',
    availabilityZone: null,
    purchaseOption: 'on-demand',
    quotaClass: 'on-demand/P',
    nodes: j.resources.nodes,
    unitPriceUsdPerHour: P5,
    expectedHours: hours,
    expectedCostUsd: P5 * j.resources.nodes * hours,
    onDemandEquivalentUsd: P5 * j.resources.nodes * j.runtime.estimatedHours,
    vcpus: 192 * j.resources.nodes,
    spotPriceImplied: false,
    ...patch,
  };
};

const waiting = (j: JobRequest, kind: BindingKind = 'quota'): WaitingJob => {
  const constraint = kind === 'budget' ? `budget:${j.team}` : 'quota:us-east-1:on-demand/P';
  return { jobId: j.jobId, team: j.team, reason: 'waits', binding: { kind, constraint, detail: 'waits' } };
};

const offering = (id: string, patch: Partial<CapacityBlockOffering> = {}): CapacityBlockOffering => {
  const start = patch.start ?? '2026-11-27T11:30:00.000Z';
  const durationHours = patch.durationHours ?? 48;
  return {
    id,
    instanceType: 'p5.48xlarge',
    availabilityZone: 'us-east-1a',
    region: 'us-east-1',
    instanceCount: 1,
    start,
    end: new Date(Date.parse(start) + durationHours * 3_600_000).toISOString(),
    durationHours,
    upfrontFeeUsd: 1200,
    tenancy: 'default',
    ...patch,
  };
};

const advise = (
  jobs: JobRequest[],
  plan: { allocations?: Allocation[]; waiting?: WaitingJob[] },
  offerings: CapacityBlockOffering[],
  extra: Partial<CapacityBlockAdviceInput> = {},
) =>
  capacityBlockAdvice({
    plan: { allocations: plan.allocations ?? [], waiting: plan.waiting ?? [] },
    jobs,
    offerings,
    priceBook: book,
    nowMs: NOW,
    ...extra,
  });

describe('Capacity Block advice', () => {
  const a = job('train-a');
  // 30 h on H100 and one 0.2 h start-up at 55.04 USD/h.
  const planned = 1662.21;

  it('says buy when a block that fits costs less than the planned on-demand run, with the saving', () => {
    const advice = advise([a], { allocations: [onDemand(a)] }, [offering('cb-cheap')]);
    expect(advice.lines).toHaveLength(1);
    const line = advice.lines[0];
    expect(line).toMatchObject({
      decision: 'buy',
      planned: 'on-demand',
      feeUsd: 1200,
      plannedCostUsd: planned,
      savingUsd: 462.21,
      misses: [],
    });
    expect(line?.offering?.id).toBe('cb-cheap');
    expect(line?.jobs).toEqual([
      {
        jobId: 'train-a',
        team: 'nlp',
        nodes: 1,
        deadline: '2026-11-29T00:00:00Z',
        planned: 'on-demand',
        plannedCostUsd: planned,
        blockHours: 30.2,
      },
    ]);
    expect(line?.reason).toBe(
      'fee 1200.00 USD is below the planned on-demand cost of 1662.21 USD; 1 × p5.48xlarge in us-east-1a, 2026-11-27 11:30Z to 2026-11-29 11:30Z',
    );
    expect(advice.buyFeeUsd).toBe(1200);
    expect(advice.buySavingUsd).toBe(462.21);
  });

  it('says do not buy when the cheapest block that fits is dearer, with the negative saving', () => {
    const advice = advise([a], { allocations: [onDemand(a)] }, [
      offering('cb-dear', { upfrontFeeUsd: 2000 }),
      offering('cb-dearer', { upfrontFeeUsd: 2500 }),
    ]);
    expect(advice.lines).toHaveLength(1);
    expect(advice.lines[0]).toMatchObject({
      decision: 'do-not-buy',
      feeUsd: 2000,
      plannedCostUsd: planned,
      savingUsd: -337.79,
    });
    expect(advice.lines[0]?.offering?.id).toBe('cb-dear');
    expect(advice.lines[0]?.reason).toMatch(
      /^fee 2000\.00 USD is not below the planned on-demand cost of 1662\.21 USD/,
    );
    expect(advice.buyFeeUsd).toBe(0);
  });

  it('rejects a block too short, one that would finish after the deadline and one already started, saying why', () => {
    const advice = advise([a], { allocations: [onDemand(a)] }, [
      offering('cb-short', { durationHours: 24 }),
      offering('cb-late', { start: '2026-11-28T11:30:00.000Z' }),
      offering('cb-past', { start: '2026-11-26T11:30:00.000Z' }),
    ]);
    expect(advice.lines).toHaveLength(1);
    const line = advice.lines[0];
    expect(line).toMatchObject({ decision: 'do-not-buy', offering: null, feeUsd: null, savingUsd: null });
    expect(line?.misses).toEqual([
      {
        offeringId: 'cb-late',
        rejection: 'misses-deadline',
        detail: 'the run would end 2026-11-29T17:42:00.000Z, after the deadline 2026-11-29T00:00:00Z',
      },
      {
        offeringId: 'cb-past',
        rejection: 'starts-before-now',
        detail: 'starts 2026-11-26T11:30:00.000Z, before the planning instant',
      },
      { offeringId: 'cb-short', rejection: 'too-short', detail: '24.00 h long, the run needs 30.20 h' },
    ]);
    expect(line?.reason).toMatch(/^no offering fits: cb-late the run would end 2026-11-29T17:42/);
  });

  it('rejects a block with fewer instances than the job has nodes', () => {
    const b = job('train-b', { nodes: 2 });
    const advice = advise([b], { allocations: [onDemand(b)] }, [offering('cb-one', { upfrontFeeUsd: 100 })]);
    expect(advice.lines[0]?.decision).toBe('do-not-buy');
    expect(advice.lines[0]?.misses).toEqual([
      { offeringId: 'cb-one', rejection: 'not-enough-instances', detail: '1 instance, the job needs 2' },
    ]);
  });

  it('leaves a job out when no offering is of a type it can use, and lists it apart', () => {
    const advice = advise([a], { allocations: [onDemand(a)] }, [
      offering('cb-a100', { instanceType: 'p4d.24xlarge', upfrontFeeUsd: 300.38 }),
      offering('cb-west', { region: 'us-west-2', availabilityZone: 'us-west-2a' }),
    ]);
    // p4d holds A100 40 GB, not H100; us-west-2 is fine for a job with no region list.
    expect(advice.lines.map((l) => [l.decision, l.offering?.id])).toEqual([['buy', 'cb-west']]);
    const pinned = { ...a, resources: { ...a.resources, regions: ['us-east-1'] } };
    const none = advise([pinned], { allocations: [onDemand(pinned)] }, [
      offering('cb-a100', { instanceType: 'p4d.24xlarge' }),
      offering('cb-west', { region: 'us-west-2', availabilityZone: 'us-west-2a' }),
    ]);
    expect(none.lines).toEqual([]);
    expect(none.noMatchingType).toEqual(['train-a']);
  });

  it('prices a block for a waiting deadline job as the cost of meeting the deadline', () => {
    const advice = advise([a], { waiting: [waiting(a)] }, [
      offering('cb-dear', { upfrontFeeUsd: 2500 }),
      offering('cb-less', { upfrontFeeUsd: 2100 }),
    ]);
    expect(advice.lines).toHaveLength(1);
    expect(advice.lines[0]).toMatchObject({
      decision: 'buy',
      planned: 'waiting',
      feeUsd: 2100,
      plannedCostUsd: null,
      savingUsd: null,
    });
    expect(advice.lines[0]?.offering?.id).toBe('cb-less');
    expect(advice.lines[0]?.reason).toMatch(
      /^waits on quota:us-east-1:on-demand\/P: only a block meets its deadline, and 2100\.00 USD is the price of meeting it; 1 × p5\.48xlarge/,
    );
    expect(advice.buyFeeUsd).toBe(2100);
    expect(advice.buySavingUsd).toBe(0);
  });

  it('does not advise a block for a job its team cannot pay for', () => {
    const advice = advise([a], { waiting: [waiting(a, 'budget')] }, [offering('cb-1')]);
    expect(advice.lines[0]).toMatchObject({
      decision: 'do-not-buy',
      planned: 'waiting',
      feeUsd: 1200,
      savingUsd: null,
    });
    expect(advice.lines[0]?.reason).toBe(
      'waits on budget:nlp: the team cannot pay for its run, and cb-1 would cost 1200.00 USD',
    );
  });

  it('groups placed jobs that fit one block side by side when together they pay for it', () => {
    const b = job('train-b', { hours: 20 });
    // 20.2 h × 55.04 = 1111.81; together with train-a 2774.02, more than the 2-instance block.
    const block = offering('cb-two', { instanceCount: 2, upfrontFeeUsd: 2400 });
    const advice = advise([a, b], { allocations: [onDemand(a), onDemand(b)] }, [block]);
    expect(advice.lines).toHaveLength(1);
    expect(advice.lines[0]).toMatchObject({ decision: 'buy', plannedCostUsd: 2774.02, savingUsd: 374.02 });
    expect(advice.lines[0]?.jobs.map((j) => [j.jobId, j.plannedCostUsd, j.blockHours])).toEqual([
      ['train-a', planned, 30.2],
      ['train-b', 1111.81, 20.2],
    ]);
    expect(advice.lines[0]?.reason).toMatch(/; 2 jobs side by side on 2 of its instances: train-a, train-b$/);
  });

  it('advises only deadline jobs waiting or on list-price on-demand', () => {
    const free = job('no-deadline', { deadline: null });
    const spot = job('on-spot');
    const drawn = job('on-commitment');
    const advice = advise(
      [free, spot, drawn],
      {
        allocations: [
          onDemand(free),
          onDemand(spot, { purchaseOption: 'spot', quotaClass: 'spot/P' }),
          onDemand(drawn, {
            commitment: {
              id: 'cr-1',
              kind: 'capacity-reservation',
              units: 1,
              effectiveCostUsd: 10,
              effectiveRateUsdPerHour: 1,
            },
          }),
        ],
      },
      [offering('cb-cheap', { upfrontFeeUsd: 1 })],
    );
    expect(advice.lines).toEqual([]);
    expect(advice.noMatchingType).toEqual([]);
  });

  it('gives the same advice whatever the order of jobs and offerings', () => {
    const b = job('train-b', { hours: 20 });
    const c = job('train-c', { hours: 10 });
    const plan = { allocations: [onDemand(a), onDemand(b)], waiting: [waiting(c)] };
    const offerings = [
      offering('cb-1', { upfrontFeeUsd: 1000 }),
      offering('cb-2', { upfrontFeeUsd: 1100 }),
      offering('cb-3', { upfrontFeeUsd: 900, durationHours: 24 }),
    ];
    const one = advise([a, b, c], plan, offerings);
    const other = advise(
      [c, b, a],
      { allocations: [...plan.allocations].reverse(), waiting: plan.waiting },
      [...offerings].reverse(),
    );
    expect(other).toEqual(one);
    // The waiting job first, on the cheapest block that fits it (24 h fits its 10.2 h); then the
    // largest saving: train-a on cb-1 (662.21), train-b on cb-2 (11.81).
    expect(one.lines.map((l) => [l.decision, l.jobs[0]?.jobId, l.offering?.id, l.savingUsd])).toEqual([
      ['buy', 'train-c', 'cb-3', null],
      ['buy', 'train-a', 'cb-1', 662.21],
      ['buy', 'train-b', 'cb-2', 11.81],
    ]);
  });
});

describe('the advice section of the table view', () => {
  it('names at most ten jobs no offering suits, and how many more (JSON lists them all)', async () => {
    const { formatCapacityBlockAdvice } = await import(
      '../../lambdas/core/reports/capacity-block-advice-format.js'
    );
    const ids = Array.from({ length: 13 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    const text = formatCapacityBlockAdvice({
      offeringsConsidered: 4,
      lines: [],
      noMatchingType: ids,
      buyFeeUsd: 0,
      buySavingUsd: 0,
    }).replace(/\n\s+/g, ' ');
    expect(text).toContain(
      `13 deadline jobs waiting or on on-demand, no offering of a type they can use: ${ids.slice(0, 10).join(', ')} and 3 more (all in --format json)`,
    );
    expect(text).not.toContain('job-10');
  });
});
