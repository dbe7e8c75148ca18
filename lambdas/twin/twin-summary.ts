import type { JobRequest } from '../core/jobs/job-request.js';
import { jainIndex } from '../core/simulation/jain-index.js';
import type { TwinResult } from './deployment-twin.js';

/** Service one team received: GPU-hours its jobs held against GPU-hours they waited or ran. */
export interface TwinTeamService {
  readonly team: string;
  readonly weight: number;
  /** GPUs × hours from each job's submission to its end (or the end of the run). */
  readonly demandedGpuHours: number;
  /** GPUs × hours the job's instances were billed (restarts included). */
  readonly allocatedGpuHours: number;
  /** allocated / demanded, in [0, 1]. */
  readonly service: number;
}

/** One policy's figures from its twin run: what `qm simulate --jobs` prints. */
export interface TwinSummary {
  readonly policy: string;
  readonly totalCostUsd: number;
  /** Cost of the jobs that may run on spot (interruptible): the only part a policy can change. */
  readonly spotEligibleCostUsd: number;
  readonly onDemandHours: number;
  readonly spotHours: number;
  readonly interruptions: number;
  /** Instance launches (usage intervals), first starts included. */
  readonly changeovers: number;
  readonly deadlineMisses: number;
  readonly jobsFinished: number;
  readonly jobsUnfinished: number;
  readonly jobsRejected: number;
  /** Jobs that never got an instance. */
  readonly jobsUnplaced: number;
  /** Hours from the start to the last job's end. */
  readonly makespanHours: number;
  readonly jainIndex: number;
  readonly teams: readonly TwinTeamService[];
  readonly solves: number;
  readonly solvesPerSimulatedDay: number;
  readonly simulatedDays: number;
  readonly stoppedBy: TwinResult['stoppedBy'];
  readonly handlerErrors: number;
  /** The first few handler errors, as a deployment would log them. */
  readonly firstErrors: readonly string[];
  /** The end-of-run invariants (twin-invariants.ts). */
  readonly invariants: TwinResult['invariants'];
  /** Messages left in dead-letter queues. */
  readonly deadLettered: number;
  /** The first few of them: queue and the start of the body. */
  readonly firstDeadLettered: readonly string[];
  /** With a fault campaign: per kind, the steps it could hit and the faults injected. */
  readonly faults?: TwinResult['faults'];
}

const HOUR_MS = 3_600_000;

const gpusOf = (job: JobRequest): number => job.resources.gpus * job.resources.nodes;

/**
 * The summary of one twin run, from its ledger: costs at the recorded unit prices, hours from the
 * usage intervals, service per team (weights from `teamWeight`, 1 by default) and Jain's index.
 */
export const summariseTwin = (
  result: TwinResult,
  jobs: readonly JobRequest[],
  startMs: number,
  teamWeight: (team: string) => number = () => 1,
): TwinSummary => {
  const endMs = Date.parse(result.endedAt);
  const requests = new Map(jobs.map((j) => [j.jobId, j]));
  const byTeam = new Map<string, { demanded: number; allocated: number }>();
  let spotEligible = 0;
  let changeovers = 0;
  let unplaced = 0;
  let lastEnd = startMs;
  for (const outcome of result.jobs) {
    const request = requests.get(outcome.jobId);
    if (request === undefined || outcome.state === 'REJECTED') continue;
    const usage = result.usageByJob.get(outcome.jobId) ?? [];
    changeovers += usage.length;
    if (usage.length === 0) unplaced += 1;
    if (request.runtime.interruptible) spotEligible += Math.round(outcome.costUsd * 1_000_000);
    const submitted = Math.max(startMs, Date.parse(request.submittedAt ?? '') || startMs);
    const finished = outcome.finishedAt === null ? endMs : Date.parse(outcome.finishedAt);
    if (outcome.finishedAt !== null) lastEnd = Math.max(lastEnd, finished);
    const held = usage.reduce((s, u) => {
      const stop = u.stoppedAt === null ? endMs : Date.parse(u.stoppedAt);
      return s + Math.max(0, stop - Date.parse(u.startedAt)) / HOUR_MS;
    }, 0);
    // Usage is per instance: a gang's nodes each have one, so GPUs per node.
    const team = byTeam.get(request.team) ?? { demanded: 0, allocated: 0 };
    team.demanded += (Math.max(0, finished - submitted) / HOUR_MS) * gpusOf(request);
    team.allocated += held * request.resources.gpus;
    byTeam.set(request.team, team);
  }
  const teams = [...byTeam]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([team, t]) => ({
      team,
      weight: teamWeight(team),
      demandedGpuHours: t.demanded,
      allocatedGpuHours: t.allocated,
      service: t.demanded > 0 ? Math.min(1, t.allocated / t.demanded) : 1,
    }));
  const t = result.totals;
  return {
    policy: result.strategy,
    totalCostUsd: t.costUsd,
    spotEligibleCostUsd: spotEligible / 1_000_000,
    onDemandHours: t.onDemandInstanceHours,
    spotHours: t.spotInstanceHours,
    interruptions: t.interruptions,
    changeovers,
    deadlineMisses: t.deadlineMisses,
    jobsFinished: t.jobsSucceeded,
    jobsUnfinished: t.jobsUnfinished,
    jobsRejected: result.jobs.filter((j) => j.state === 'REJECTED').length,
    jobsUnplaced: unplaced,
    makespanHours: (lastEnd - startMs) / HOUR_MS,
    jainIndex: teams.length > 0 ? jainIndex(teams.map((x) => ({ value: x.service, weight: x.weight }))) : 1,
    teams,
    solves: t.solves,
    solvesPerSimulatedDay: t.simulatedDays > 0 ? t.solves / t.simulatedDays : 0,
    simulatedDays: t.simulatedDays,
    stoppedBy: result.stoppedBy,
    handlerErrors: t.handlerErrors,
    firstErrors: result.errors.slice(0, 3).map((e) => `${e.at} ${e.queue}: ${e.error}`),
    invariants: result.invariants,
    deadLettered: result.deadLettered.length,
    firstDeadLettered: result.deadLettered.slice(0, 5),
    ...(result.faults === undefined ? {} : { faults: result.faults }),
  };
};
