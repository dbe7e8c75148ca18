import type { JobRequest } from '../core/jobs/job-request.js';
import type { JobQueues } from '../core/ports.js';
import { baseHoursOn, type CostModelConfig, DEFAULT_COST_MODEL } from '../core/pricing/cost-model.js';
import type { Offer } from '../core/pricing/offer.js';
import type { MessageFactory } from '../core/use-cases/send-messages.js';
import type { SimulatedInstance } from './simulated-ec2.js';

const HOUR_MS = 3_600_000;

/** One run of a job's gang: from the moment all its nodes run until one of them stops. */
interface Segment {
  readonly allocationId: string;
  readonly startMs: number;
  /** Restart overhead: billed, no progress. */
  readonly overheadMs: number;
  /** Reference-model hours of work per wall-clock hour on this offer. */
  readonly rate: number;
  /** Work kept when the segment began (reference hours). */
  readonly doneAtStart: number;
  readonly finishMs: number;
}

interface JobProgress {
  readonly request: JobRequest;
  /** Position among the jobs added, so completions are reported in that order. */
  readonly order: number;
  /** Work that survives a stop (reference hours): the last checkpoint of every run so far. */
  saved: number;
  segment: Segment | null;
  /** Running instances per allocation. */
  readonly running: Map<string, Set<string>>;
  completedAtMs: number | null;
  starts: number;
  lostHours: number;
}

/**
 * What the jobs themselves do on their instances: while every node of an allocation runs, the job
 * makes progress at the offer's speed (the cost model's `baseHoursOn`), after the restart overhead
 * each start pays; it checkpoints every `checkpointMinutes` of work time, and a stop loses what
 * came after the last checkpoint. When the work is done it reports completion on the job-events
 * queue, as a job's own wrapper would.
 */
export class SimulatedWorkload {
  readonly #jobs = new Map<string, JobProgress>();
  /**
   * The jobs with a segment under way (their work not yet reported done): what the next-event and
   * completion checks look at, instead of every job of the run at every step.
   */
  readonly #working = new Set<JobProgress>();
  readonly #queues: Pick<JobQueues, 'send'>;
  readonly #messages: MessageFactory;
  readonly #config: CostModelConfig;

  constructor(options: {
    readonly queues: Pick<JobQueues, 'send'>;
    readonly messages: MessageFactory;
    readonly costModel?: CostModelConfig;
  }) {
    this.#queues = options.queues;
    this.#messages = options.messages;
    this.#config = options.costModel ?? DEFAULT_COST_MODEL;
  }

  add(request: JobRequest): void {
    const earlier = this.#jobs.get(request.jobId);
    if (earlier !== undefined) this.#working.delete(earlier);
    this.#jobs.set(request.jobId, {
      request,
      // A job added again keeps its first place, as the map keeps its key's.
      order: earlier?.order ?? this.#jobs.size,
      saved: 0,
      segment: null,
      running: new Map(),
      completedAtMs: null,
      starts: 0,
      lostHours: 0,
    });
  }

  /** Workload facts of one job, for the report. */
  progressOf(jobId: string) {
    const p = this.#jobs.get(jobId);
    if (p === undefined) return undefined;
    return { savedHours: p.saved, completedAtMs: p.completedAtMs, starts: p.starts, lostHours: p.lostHours };
  }

  /** The EC2 listener: gangs start when their last node runs and stop when any node goes. */
  readonly instanceChanged = (instance: SimulatedInstance, previous: string, atMs: number): void => {
    const p = this.#jobs.get(instance.jobId);
    if (p === undefined || p.completedAtMs !== null) return;
    let nodes = p.running.get(instance.allocationId);
    if (nodes === undefined) {
      nodes = new Set();
      p.running.set(instance.allocationId, nodes);
    }
    if (instance.state === 'running') {
      nodes.add(instance.instanceId);
      if (p.segment === null && nodes.size >= p.request.resources.nodes) this.#start(p, instance, atMs);
    } else if (previous === 'running') {
      nodes.delete(instance.instanceId);
      if (p.segment?.allocationId === instance.allocationId) this.#stop(p, atMs);
    }
  };

  #start(p: JobProgress, instance: SimulatedInstance, atMs: number): void {
    const rate = p.request.runtime.estimatedHours / this.#hoursOn(p.request, instance.offer);
    const overheadMs = this.#config.restartOverheadHours * HOUR_MS;
    const left = Math.max(0, p.request.runtime.estimatedHours - p.saved);
    p.starts += 1;
    this.#working.add(p);
    p.segment = {
      allocationId: instance.allocationId,
      startMs: atMs,
      overheadMs,
      rate,
      doneAtStart: p.saved,
      finishMs: atMs + overheadMs + Math.ceil((left / rate) * HOUR_MS),
    };
  }

  #hoursOn(request: JobRequest, offer: Offer): number {
    return baseHoursOn(request, offer, this.#config);
  }

  /** Ends a run early: keeps the last checkpoint, loses the rest. */
  #stop(p: JobProgress, atMs: number): void {
    const s = p.segment;
    if (s === null) return;
    p.segment = null;
    this.#working.delete(p);
    const workedMs = Math.max(0, atMs - s.startMs - s.overheadMs);
    const progressed = (workedMs / HOUR_MS) * s.rate;
    const minutes = p.request.runtime.checkpointMinutes;
    const kept =
      minutes === undefined
        ? 0
        : Math.floor(workedMs / (minutes * 60_000)) * ((minutes * 60_000) / HOUR_MS) * s.rate;
    const total = p.request.runtime.estimatedHours;
    p.saved = Math.min(total, s.doneAtStart + kept);
    p.lostHours += Math.max(0, progressed - kept);
  }

  /**
   * A completion the pipeline refused (the job was requeued at the instant its work ended): the
   * work stays done, and the job reports again once it runs on its next allocation.
   */
  reopen(jobId: string): void {
    const p = this.#jobs.get(jobId);
    if (p !== undefined) p.completedAtMs = null;
  }

  /** When the next running job finishes its work; `Infinity` when none runs. */
  nextEventMs(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.#working)
      if (p.segment !== null && p.completedAtMs === null && p.segment.finishMs < next)
        next = p.segment.finishMs;
    return next;
  }

  /** Reports completion of every job whose work is done by `nowMs`. */
  async advance(nowMs: number): Promise<void> {
    const finished: JobProgress[] = [];
    for (const p of this.#working) {
      if (p.segment === null || p.completedAtMs !== null || p.segment.finishMs > nowMs) continue;
      finished.push(p);
    }
    finished.sort((a, b) => a.order - b.order);
    const done: string[] = [];
    for (const p of finished) {
      p.completedAtMs = p.segment?.finishMs ?? null;
      p.saved = p.request.runtime.estimatedHours;
      p.segment = null;
      this.#working.delete(p);
      done.push(p.request.jobId);
    }
    for (let i = 0; i < done.length; i += 10) {
      const batch = done.slice(i, i + 10);
      const entries = batch.map((jobId, n) =>
        this.#messages('job-events', `m${n}`, JSON.stringify({ type: 'complete', jobId }), { jobId }),
      );
      const results = await this.#queues.send('job-events', entries);
      const failed = results.find((r) => !r.ok);
      if (failed !== undefined) throw new Error(`job-events: ${JSON.stringify(failed)}`);
    }
  }
}
