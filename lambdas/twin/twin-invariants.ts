import type { InMemoryLedger } from '../adapters/in-memory-ledger.js';
import type { InMemoryJobQueues } from '../adapters/in-memory-queues.js';
import { deadLetterOf } from '../adapters/queue-definitions.js';
import { buildCostReport, periodsIn } from '../core/accounting/cost-report.js';
import { usageCostMicros } from '../core/accounting/metering.js';
import type { JobRequest } from '../core/jobs/job-request.js';
import { TERMINAL_STATES } from '../core/jobs/job-state.js';
import {
  BUDGET_RESERVED,
  BUDGET_SETTLED,
  type BudgetBalances,
  budgetChainId,
} from '../core/ledger/budget-chain.js';
import type { LedgerRecord } from '../core/ledger/ledger-export.js';
import { microsToUsd, QUEUE_KEYS, type UsageRecord, usdToMicros } from '../core/ports.js';
import { exportLedgerPeriod } from '../core/use-cases/ledger-export-period.js';
import type { SimulatedInstance } from './simulated-ec2.js';

/** An EC2 envelope by its type and detail (what says which instance and state), else the body's start. */
const describeBody = (body: string): string => {
  try {
    const parsed = JSON.parse(body) as { 'detail-type'?: unknown; detail?: unknown };
    if (typeof parsed['detail-type'] === 'string')
      return `${parsed['detail-type']} ${JSON.stringify(parsed.detail)}`.slice(0, 160);
  } catch {
    // Not JSON: the start of the body says what it was.
  }
  return body.slice(0, 120);
};

/**
 * Messages the queues gave up on (moved to a dead-letter queue after their receive limit), as
 * an operator would find them. Not an invariant: the work of a dead-lettered provision message
 * is re-sent by reconcile; a lost job request or job event shows in the job invariants.
 */
export const deadLetters = async (queues: InMemoryJobQueues): Promise<string[]> => {
  const dead: string[] = [];
  for (const key of QUEUE_KEYS)
    for (;;) {
      const batch = await queues.receive(deadLetterOf(key), { maxMessages: 10 });
      if (batch.length === 0) break;
      for (const m of batch) dead.push(`${deadLetterOf(key)}: ${describeBody(m.body)}`);
      await queues.delete(
        deadLetterOf(key),
        batch.map((m) => m.receiptHandle),
      );
    }
  return dead;
};

/** One property the run must end with, and the records that break it (at most a few named). */
export interface InvariantCheck {
  readonly name: string;
  readonly holds: boolean;
  readonly violations: number;
  /** The first few violations, in words. */
  readonly examples: readonly string[];
}

export interface InvariantInput {
  readonly ledger: InMemoryLedger;
  readonly queues: InMemoryJobQueues;
  readonly jobs: readonly JobRequest[];
  readonly rejectedIds: ReadonlySet<string>;
  /** Why each job the last solve looked at waits. */
  readonly waiting: ReadonlyMap<string, string>;
  /** Every instance the simulated EC2 ever launched, terminated or not. */
  readonly instances: readonly SimulatedInstance[];
  readonly liveInstances: readonly SimulatedInstance[];
  readonly usageByJob: ReadonlyMap<string, readonly UsageRecord[]>;
  readonly startMs: number;
  readonly endMs: number;
}

const EXAMPLES = 5;
/** How long a job may sit in a passing state (ALLOCATED, PROVISIONING …) at the end of a run. */
const IN_FLIGHT_MS = 30 * 60_000;

const check = (name: string, problems: readonly string[]): InvariantCheck => ({
  name,
  holds: problems.length === 0,
  violations: problems.length,
  examples: problems.slice(0, EXAMPLES),
});

/**
 * The properties a fault campaign holds the deployed loop to (issue 12 part 5), read from the
 * ledger, the queues and the simulated EC2 at the end of a run:
 *
 * - every valid job is terminal, PENDING with the reason the last solve gave, or (at a horizon)
 *   running on live instances or moved on in the last half hour;
 * - no live instance (not shutting down) without a job whose allocation holds it;
 * - no allocation with more instances alive at once than its nodes;
 * - no reservation beyond a budget: reserved + spent never above the limit at a reservation, except
 *   by what settlements before it overran their reservations (the money was spent);
 * - every usage interval closed, except those of instances still live;
 * - the cost report's total equals Σ usage hours × stored unit price, to the micro-dollar.
 */
export const checkInvariants = async (input: InvariantInput): Promise<InvariantCheck[]> => {
  const { ledger, jobs } = input;
  const checks: InvariantCheck[] = [];

  const unsettled: string[] = [];
  const teams = new Set<string>();
  for (const request of jobs) {
    teams.add(request.team);
    const job = await ledger.getJob(request.jobId);
    if (job === undefined) {
      if (!input.rejectedIds.has(request.jobId)) unsettled.push(`${request.jobId}: never recorded`);
      continue;
    }
    if (TERMINAL_STATES.has(job.state)) continue;
    const reason = input.waiting.get(job.jobId);
    if (job.state === 'PENDING') {
      if (reason === undefined) unsettled.push(`${job.jobId}: PENDING with no reason from the last solve`);
      continue;
    }
    // A run that stops at its horizon may stop a job mid-flight: running on live instances, or
    // moved on within the last half hour. Anything else is stuck.
    const allocationId = job.allocation?.allocationId;
    const running = input.liveInstances.some((i) => i.allocationId === allocationId && i.state === 'running');
    const recent = input.endMs - Date.parse(job.updatedAt) < IN_FLIGHT_MS;
    if (!running && !recent)
      unsettled.push(`${job.jobId}: ${job.state} since ${job.updatedAt} with no running instance`);
  }
  checks.push(check('every valid job terminal or pending with a reason', unsettled));

  const orphans: string[] = [];
  for (const instance of input.liveInstances) {
    // One already being terminated is retired, not lost: the run may end while it shuts down.
    if (instance.state === 'shutting-down') continue;
    const job = await ledger.getJob(instance.jobId);
    const holds = job?.allocation?.allocationId === instance.allocationId && !TERMINAL_STATES.has(job.state);
    if (!holds)
      orphans.push(
        `${instance.instanceId} (${instance.allocationId}) is live; job ${job?.state ?? 'unknown'}`,
      );
  }
  checks.push(check('no instance without a job', orphans));

  const byAllocation = new Map<string, SimulatedInstance[]>();
  for (const i of input.instances)
    byAllocation.set(i.allocationId, [...(byAllocation.get(i.allocationId) ?? []), i]);
  const twice: string[] = [];
  const nodesOf = new Map(jobs.map((j) => [j.jobId, j.resources.nodes]));
  for (const [allocationId, launched] of byAllocation) {
    const nodes = nodesOf.get(launched[0]?.jobId ?? '') ?? 1;
    // Twice means more instances alive at once than nodes: a replacement launched after the
    // first one was reclaimed (before the job recorded it) is a relaunch, not a double launch.
    const edges = launched.flatMap((i) => [
      { at: Date.parse(i.launchTime), delta: 1 },
      { at: i.terminatedAtMs ?? Number.POSITIVE_INFINITY, delta: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let alive = 0;
    let most = 0;
    for (const e of edges) {
      alive += e.delta;
      most = Math.max(most, alive);
    }
    if (most > nodes)
      twice.push(
        `${allocationId}: ${most} instances alive at once for ${nodes} node(s), ${launched.length} launched`,
      );
  }
  checks.push(check('no allocation launched twice', twice));

  // What a deployment promises (ADR 0001): no reservation takes a budget past its limit, so
  // admission never commits money a team does not have. A settlement may still overrun (the job
  // ran longer than expected; the money is spent), so what is committed may exceed the limit by
  // what settlements so far overran their reservations, and by nothing more. Read from the
  // budget's chain, against the limit in force at each reservation.
  const overspent: string[] = [];
  // The months from the start's to the end's, the end's included.
  const periods = periodsIn({ startMs: input.startMs, endMs: input.endMs + 1 });
  for (const team of [...teams].sort())
    for (const period of periods) {
      let overrun = 0;
      for (const event of await ledger.listEvents(budgetChainId(team, period))) {
        const data = event.data as { reservedUsd?: number; actualUsd?: number };
        // Every budget event carries the balances after it, the limit then in force among them.
        const after = event.data.after as BudgetBalances | undefined;
        if (event.type === BUDGET_SETTLED && data.reservedUsd !== undefined && data.actualUsd !== undefined)
          overrun += Math.max(
            0,
            usdToMicros(data.actualUsd, 'actualUsd') - usdToMicros(data.reservedUsd, 'reservedUsd'),
          );
        if (event.type !== BUDGET_RESERVED || after === undefined) continue;
        const limit = usdToMicros(after.limitUsd, 'limitUsd');
        const committed =
          usdToMicros(after.reservedUsd, 'reservedUsd') + usdToMicros(after.spentUsd, 'spentUsd');
        if (committed > limit + overrun)
          overspent.push(
            `${team} ${period}: the reservation at seq ${event.seq} commits ${microsToUsd(committed)} of ${microsToUsd(limit)} USD; settlements had overrun by ${microsToUsd(overrun)} USD`,
          );
      }
    }
  checks.push(check('no reservation beyond a budget', overspent));

  const live = new Set(input.liveInstances.map((i) => i.instanceId));
  const open: string[] = [];
  for (const usage of input.usageByJob.values())
    for (const u of usage)
      if (u.stoppedAt === null && !live.has(u.instanceId))
        open.push(`${u.instanceId} of ${u.jobId}: still open, instance gone`);
  checks.push(check('every usage interval closed', open));

  const records: LedgerRecord[] = [];
  for (const period of periods)
    for await (const r of exportLedgerPeriod(ledger, [...teams].sort(), period)) records.push(r);
  let usageMicros = 0;
  for (const r of records) if (r.kind === 'usage' && r.stoppedAt !== null) usageMicros += usageCostMicros(r);
  const closedOnly = records.filter((r) => r.kind !== 'usage' || r.stoppedAt !== null);
  const report = await buildCostReport(closedOnly, {
    from: new Date(input.startMs).toISOString().slice(0, 10),
    to: new Date(input.endMs).toISOString().slice(0, 10),
    groupBy: 'team',
  });
  const reportMicros = Math.round(report.totals.actualUsd * 1_000_000);
  checks.push(
    check(
      'report total = Σ usage × stored price',
      reportMicros === usageMicros
        ? []
        : [`report ${reportMicros / 1e6} USD, usage ${usageMicros / 1e6} USD`],
    ),
  );
  return checks;
};
