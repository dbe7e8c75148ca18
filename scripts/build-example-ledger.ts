#!/usr/bin/env -S npx tsx
/**
 * Generates examples/ledger-month.jsonl: a month (November 2026) of 300 jobs from four teams,
 * planned day by day with the production planner (`solvePlan` on the bundled price book, HiGHS),
 * moved through the production job state machine (hash-chained events), metered at the unit
 * price stored with each allocation and settled against team budgets. Usage starts and stops are
 * chained events of their jobs and every budget change an event of the budget's chain, as the
 * ledger writes them (ADR 0010), so `qm audit verify` can hold every record against a chain.
 * Deterministic: a fixed seed and no clock, so regenerating gives the same file.
 *
 *   npx tsx scripts/build-example-ledger.ts [--out examples/ledger-month.jsonl]
 *
 * Then preview the reports without AWS:
 *   npm run report:example
 */
import { HighsMilpSolver } from '../lambdas/adapters/highs-milp-solver.js';
import { writeLedgerFile } from '../lambdas/adapters/ledger-export-file.js';
import { loadStaticPriceBook } from '../lambdas/adapters/static-price-book.js';
import { usageCostMicros } from '../lambdas/core/accounting/metering.js';
import {
  applyBudgetOperation,
  type BudgetOperation,
  openBudget,
} from '../lambdas/core/accounting/metering-budget.js';
import { type JobRequest, parseJobRequest } from '../lambdas/core/jobs/job-request.js';
import {
  appendBudgetEvent,
  BUDGET_RESERVED,
  BUDGET_SET,
  BUDGET_SETTLED,
  type BudgetChange,
  budgetHeadOf,
} from '../lambdas/core/ledger/budget-chain.js';
import type { JsonObject } from '../lambdas/core/ledger/event-chain.js';
import { applyAllocation, applyTransition, receiveJob } from '../lambdas/core/ledger/job-change.js';
import {
  budgetLine,
  eventLine,
  jobLine,
  type LedgerRecord,
  type LedgerUsage,
  usageLine,
} from '../lambdas/core/ledger/ledger-export.js';
import { applyUsageStart, applyUsageStop, usageStartFacts } from '../lambdas/core/ledger/usage-change.js';
import type { TeamTerms } from '../lambdas/core/planning/plan-input.js';
import { solvePlan } from '../lambdas/core/planning/solve-plan.js';
import type {
  BudgetRecord,
  JobEvent,
  JobRecord,
  TransitionInput,
  UsageRecord,
} from '../lambdas/core/ports.js';
import { microsToUsd } from '../lambdas/core/ports.js';
import { localZoneName } from '../lambdas/core/pricing/availability-zone.js';

const OUT = process.argv.includes('--out')
  ? (process.argv[process.argv.indexOf('--out') + 1] ?? '')
  : 'examples/ledger-month.jsonl';
const SEED = 20_261_101;
const MONTH = '2026-11';
const MONTH_START = Date.parse('2026-11-01T00:00:00Z');
const DAYS = 30;
const JOBS = 300;
const ACCOUNT = { accountId: '123456789012', accountName: 'ml-training' } as const;

const TEAMS = [
  { team: 'vision', weight: 2, limitUsd: 7_000, projects: ['detector-v3', 'segmenter', 'tracking'] },
  { team: 'nlp', weight: 3, limitUsd: 9_000, projects: ['llm-pretrain', 'rag-eval', 'distill'] },
  { team: 'speech', weight: 1, limitUsd: 12_500, projects: ['asr', 'tts'] },
  { team: 'recsys', weight: 1, limitUsd: 6_500, projects: ['ranker', 'embeddings'] },
] as const;

/** Job shapes: accelerators per node, acceptable models, nodes, hours. */
const SHAPES = [
  { gpus: 8, gpuModels: ['H100', 'H200'], nodes: [1, 1, 2], hours: [4, 20], efa: true },
  { gpus: 8, gpuModels: ['A100-80GB', 'A100-40GB'], nodes: [1], hours: [3, 16], efa: false },
  { gpus: 4, gpuModels: ['L40S', 'A10G'], nodes: [1], hours: [2, 12], efa: false },
  { gpus: 1, gpuModels: ['L4', 'A10G'], nodes: [1], hours: [1, 10], efa: false },
  { gpus: 1, gpuModels: ['T4'], nodes: [1], hours: [1, 6], efa: false },
] as const;

/** mulberry32: a small seeded generator, so the example is the same on every machine. */
const seeded = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};
const random = seeded(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
/** Whole-second ISO instants, as the ledger keeps them. */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

// ---------------------------------------------------------------------------------------------
// Requests

interface Submission {
  readonly request: JobRequest;
  readonly submittedMs: number;
}

const submissions: Submission[] = [];
for (let i = 0; i < JOBS; i += 1) {
  const team = pick(TEAMS);
  const shape = pick(SHAPES);
  const day = Math.floor((i / JOBS) * DAYS);
  const submittedMs = MONTH_START + day * 86_400_000 + Math.floor(between(0, 8 * 3_600_000));
  const interruptible = random() < 0.75;
  const parsed = parseJobRequest({
    jobId: `${team.team}-${String(i + 1).padStart(4, '0')}`,
    team: team.team,
    project: pick(team.projects),
    priority: pick([100, 300, 500, 700]),
    resources: {
      gpus: shape.gpus,
      nodes: pick(shape.nodes),
      gpuModels: [...shape.gpuModels],
      efa: shape.efa,
      regions: ['us-east-1', 'us-west-2'],
    },
    runtime: {
      estimatedHours: Math.round(between(shape.hours[0], shape.hours[1]) * 4) / 4,
      referenceGpuModel: shape.gpuModels[0],
      interruptible,
      ...(interruptible ? { checkpointMinutes: pick([30, 60]) } : {}),
    },
    tags: { 'cost-center': `cc-${1000 + TEAMS.indexOf(team)}` },
    submittedAt: iso(submittedMs),
  });
  if (!parsed.ok) throw new Error(`example request ${i}: ${JSON.stringify(parsed.issues)}`);
  submissions.push({ request: parsed.value, submittedMs });
}

// ---------------------------------------------------------------------------------------------
// The month, day by day

const priceBook = loadStaticPriceBook();
const solver = await HighsMilpSolver.create();
/**
 * Where an instance of a region-wide allocation lands: the region's first three regular AZ ids in
 * the price book. The ledger names zones by id, as plans do (the name depends on the account).
 */
const zoneIdsByRegion = new Map<string, string[]>();
for (const o of priceBook.offers) {
  const zone = o.availabilityZone;
  if (zone === null || localZoneName(zone, o.region) !== null) continue;
  const ids = zoneIdsByRegion.get(o.region) ?? [];
  if (!ids.includes(zone)) ids.push(zone);
  zoneIdsByRegion.set(o.region, ids);
}
for (const ids of zoneIdsByRegion.values()) ids.sort();
const landingZone = (region: string): string => {
  // One draw from three whatever the region, so the seeded sequence stays the same.
  const slot = pick([0, 1, 2]);
  const ids = zoneIdsByRegion.get(region) ?? [];
  const zone = ids[slot % Math.max(1, ids.length)];
  if (zone === undefined) throw new Error(`no AZ id of ${region} in price book ${priceBook.id}`);
  return zone;
};
const jobs = new Map<string, JobRecord>();
const events = new Map<string, JobEvent[]>();
const usage = new Map<string, LedgerUsage[]>();
const budgets = new Map<string, BudgetRecord>();
const budgetEvents = new Map<string, JobEvent[]>();
/** Applies a budget change and appends it to the budget's chain, as the ledger does in one write. */
const changeBudget = (team: string, next: BudgetRecord, change: BudgetChange, atMs: number) => {
  const chain = budgetEvents.get(team) ?? [];
  const before = budgets.get(team);
  const head =
    before?.eventCount === undefined || before.headHash === undefined
      ? undefined
      : { eventCount: before.eventCount, headHash: before.headHash };
  const event = appendBudgetEvent(head, team, MONTH, iso(atMs), change, next);
  chain.push(event);
  budgetEvents.set(team, chain);
  budgets.set(team, { ...next, ...budgetHeadOf(event) });
};
const budgetOp = (team: string, op: BudgetOperation, change: BudgetChange, atMs: number) => {
  const budget = budgets.get(team);
  if (budget === undefined) throw new Error(`no budget for ${team}`);
  changeBudget(team, applyBudgetOperation(budget, op), change, atMs);
};
for (const t of TEAMS)
  changeBudget(
    t.team,
    openBudget(t.team, MONTH, t.limitUsd),
    { type: BUDGET_SET, limitUsd: t.limitUsd, previousLimitUsd: null },
    MONTH_START,
  );
let instanceCounter = 0;

const record = (jobId: string, change: { job: JobRecord; event: JobEvent }) => {
  jobs.set(jobId, change.job);
  events.get(jobId)?.push(change.event);
};
const move = (
  job: JobRecord,
  to: TransitionInput['to'],
  atMs: number,
  extra: Omit<TransitionInput, 'jobId' | 'expectedVersion' | 'to'> = {},
) => {
  const change = applyTransition(
    job,
    { jobId: job.jobId, expectedVersion: job.version, to, ...extra },
    iso(atMs),
  );
  record(job.jobId, change);
  return change.job;
};

for (let day = 0; day < DAYS; day += 1) {
  const planMs = MONTH_START + day * 86_400_000 + 9 * 3_600_000;
  for (const s of submissions) {
    if (s.submittedMs >= planMs || jobs.has(s.request.jobId)) continue;
    const change = receiveJob(
      { request: s.request, messageId: `msg-${s.request.jobId}` },
      iso(s.submittedMs),
    );
    events.set(s.request.jobId, []);
    usage.set(s.request.jobId, []);
    record(s.request.jobId, change);
  }
  const pending = [...jobs.values()].filter((j) => j.state === 'PENDING');
  if (pending.length === 0) continue;
  const teams = new Map<string, TeamTerms>(
    TEAMS.map((t) => [
      t.team,
      { weight: t.weight, remainingUsd: Math.max(0, budgets.get(t.team)?.availableUsd ?? 0) },
    ]),
  );
  const plan = solvePlan(
    {
      jobs: pending.map((j) => j.request),
      priceBook,
      quotaLimit: () => null,
      teams,
      nowMs: planMs,
      decisionCandidates: 5,
    },
    solver,
  );
  for (const allocation of plan.allocations) {
    let job = jobs.get(allocation.jobId);
    const decision = plan.decisions.find((d) => d.jobId === allocation.jobId);
    if (job === undefined || decision === undefined)
      throw new Error(`plan allocated unknown job ${allocation.jobId}`);
    const team = TEAMS.find((t) => t.team === job?.team);
    const budget = budgets.get(job.team);
    if (team === undefined || budget === undefined) throw new Error(`no budget for ${job.team}`);
    const allocationId = `${job.jobId}-a${job.attempts + 1}`;
    const amountUsd = Math.round(allocation.expectedCostUsd * 100) / 100;
    const allocatedMs = planMs + Math.floor(between(5_000, 120_000));
    const change = applyAllocation(
      job,
      {
        jobId: job.jobId,
        expectedVersion: job.version,
        allocationId,
        allocation,
        decision: { ...decision, priceBookAsOf: plan.priceBook.asOf },
        reservation: { team: job.team, period: MONTH, amountUsd, limitUsd: team.limitUsd },
      },
      iso(allocatedMs),
    );
    record(job.jobId, change);
    job = change.job;
    budgetOp(
      job.team,
      { kind: 'reserve', allocationId, amountUsd },
      { type: BUDGET_RESERVED, jobId: job.jobId, jobPeriod: job.period, allocationId, amountUsd },
      allocatedMs,
    );

    const fleetId = `fleet-${(instanceCounter + 0x1000).toString(16)}`;
    const instanceIds = Array.from({ length: allocation.nodes }, () => {
      instanceCounter += 1;
      return `i-0${(0x5a0000000000000 + instanceCounter * 7919).toString(16)}`;
    });
    job = move(job, 'PROVISIONING', allocatedMs + 20_000, { fields: { fleetId } });
    const startedMs = allocatedMs + Math.floor(between(90_000, 300_000));

    const runMs = Math.floor(allocation.expectedHours * between(0.8, 1.15) * 3_600_000);
    const interrupted = allocation.purchaseOption === 'spot' && random() < 0.12;
    const failed = !interrupted && random() < 0.04;
    const stopMs =
      startedMs + Math.floor(runMs * (interrupted ? between(0.15, 0.85) : failed ? between(0.05, 0.4) : 1));
    const checkpointMs = (job.request.runtime.checkpointMinutes ?? 0) * 60_000;
    const lastCheckpointMs =
      checkpointMs > 0 ? startedMs + Math.floor((stopMs - startedMs) / checkpointMs) * checkpointMs : null;
    let actualMicros = 0;
    const intervals: { readonly interval: UsageRecord; readonly line: LedgerUsage }[] = [];
    for (const [n, instanceId] of instanceIds.entries()) {
      const interval: UsageRecord = {
        instanceId,
        jobId: job.jobId,
        allocationId,
        team: job.team,
        project: job.project,
        instanceType: allocation.instanceType,
        region: allocation.region,
        availabilityZone: allocation.availabilityZone ?? landingZone(allocation.region),
        purchaseOption: allocation.purchaseOption,
        unitPriceUsdPerHour: allocation.unitPriceUsdPerHour,
        startedAt: iso(startedMs),
        period: MONTH,
        stoppedAt: null,
        costUsd: null,
      };
      const line = usageLine(
        { ...interval, stoppedAt: iso(stopMs) },
        {
          // The savings baseline the planner priced for this candidate, per instance-hour.
          onDemandPriceUsdPerHour:
            Math.round(
              (allocation.onDemandEquivalentUsd / (allocation.expectedHours * allocation.nodes)) * 1_000_000,
            ) / 1_000_000,
          interrupted,
          priceBookId: plan.priceBook.id,
          ...(interrupted
            ? { lastCheckpointAt: lastCheckpointMs === null ? null : iso(lastCheckpointMs) }
            : {}),
          ...ACCOUNT,
          resourceName: `qm-${job.jobId}-${n}`,
          tags: {
            ...(job.request.tags ?? {}),
            'quartermaster:job': job.jobId,
            'quartermaster:team': job.team,
          },
        },
      );
      usage.get(job.jobId)?.push(line);
      actualMicros += usageCostMicros(line);
      intervals.push({ interval, line });
      // Each instance's start is a chained event of the job, before the job counts as running.
      const started = applyUsageStart(job, interval, iso(startedMs), usageStartFacts(job, interval));
      record(job.jobId, started);
      job = started.job;
    }
    job = move(job, 'RUNNING', startedMs, { fields: { instanceIds, startedAt: iso(startedMs) } });
    /** Each instance's stop, chained with the facts the ledger export shows for it. */
    const stopAll = (from: JobRecord): JobRecord => {
      let at = from;
      for (const { interval, line } of intervals) {
        const stop = {
          instanceId: interval.instanceId,
          stoppedAt: iso(stopMs),
          costUsd: microsToUsd(usageCostMicros(line)),
        };
        const stopped = applyUsageStop(at, interval, stop, iso(stopMs), {
          instanceId: interval.instanceId,
          allocationId,
          stoppedAt: stop.stoppedAt,
          costUsd: stop.costUsd,
          interrupted: line.interrupted,
          ...(line.lastCheckpointAt !== undefined ? { lastCheckpointAt: line.lastCheckpointAt } : {}),
        });
        record(at.jobId, stopped);
        at = stopped.job;
      }
      return at;
    };
    const outcome: JsonObject = { actualUsd: microsToUsd(actualMicros), allocationId };
    if (interrupted) {
      // The reclaimed instances stop first; the job learns of it from their stops.
      job = stopAll(job);
      job = move(job, 'INTERRUPTED', stopMs, {
        data: outcome,
        fields: { reason: 'spot interruption notice', finishedAt: iso(stopMs) },
      });
      job = move(job, 'PENDING', stopMs + 60_000, {
        data: { reason: 're-queued after a spot interruption' },
      });
    } else if (failed) {
      job = move(job, 'FAILED', stopMs, {
        data: outcome,
        fields: { reason: 'exit code 137 (out of memory)', finishedAt: iso(stopMs) },
      });
      // A finished job's instances are terminated after it reports.
      job = stopAll(job);
    } else {
      job = move(job, 'SUCCEEDED', stopMs, { data: outcome, fields: { finishedAt: iso(stopMs) } });
      job = stopAll(job);
    }
    budgetOp(
      job.team,
      { kind: 'settle', allocationId, reservedUsd: amountUsd, actualUsd: microsToUsd(actualMicros) },
      {
        type: BUDGET_SETTLED,
        jobId: job.jobId,
        allocationId,
        reservedUsd: amountUsd,
        actualUsd: microsToUsd(actualMicros),
      },
      stopMs,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Write

function* lines(): Generator<LedgerRecord> {
  for (const b of budgets.values()) {
    yield budgetLine(b);
    for (const e of budgetEvents.get(b.team) ?? []) yield eventLine(e);
  }
  for (const [jobId, job] of jobs) {
    yield jobLine(job, priceBook.asOf);
    for (const e of events.get(jobId) ?? []) yield eventLine(e);
    yield* usage.get(jobId) ?? [];
  }
}
const written = await writeLedgerFile(OUT, lines(), [
  'Example ledger export: November 2026, 300 jobs of four teams (budget, job, event and usage records).',
  `Generated by scripts/build-example-ledger.ts (seed ${SEED}) with solvePlan on the bundled price book ${priceBook.id} (prices as of ${priceBook.asOf}); do not edit.`,
  'Preview: npm run report:example',
]);
const states = new Map<string, number>();
for (const j of jobs.values()) states.set(j.state, (states.get(j.state) ?? 0) + 1);
process.stdout.write(
  `${OUT}: ${written} records, ${jobs.size} jobs (${[...states].map(([s, n]) => `${n} ${s}`).join(', ')}); spend ${[...budgets.values()].map((b) => `${b.team} ${b.spentUsd.toFixed(2)}/${b.limitUsd}`).join(', ')}\n`,
);
