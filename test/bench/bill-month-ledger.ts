import type { JobRequest } from '../../lambdas/core/jobs/job-request.js';
import type { LedgerRecord, LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';
import { seededRandom } from './synthetic-jobs.js';

/**
 * A ledger-shaped month for the bill benchmark, laid out without planning: each job of the
 * generated month (month-workload.ts) runs its nodes from shortly after submission for about its
 * estimated hours on a fixed instance type per accelerator, spot when interruptible (a fifth of
 * those interrupted once and resumed on a new instance), on-demand otherwise. Prices are the
 * bundled book's order of magnitude, not looked up. It exercises reconciliation at month scale in
 * seconds; a planned month comes from `qm simulate --jobs … --ledger-out DIR` (pass it with
 * `--ledger`).
 */

const HOUR_MS = 3_600_000;

const TYPES: Readonly<Record<string, { type: string; onDemand: number; spot: number; region: string }>> = {
  H100: { type: 'p5.48xlarge', onDemand: 55.04, spot: 31.46, region: 'us-east-1' },
  H200: { type: 'p5e.48xlarge', onDemand: 63.3, spot: 38.1, region: 'us-east-1' },
  'A100-80GB': { type: 'p4de.24xlarge', onDemand: 27.45, spot: 12.4, region: 'us-east-1' },
  L40S: { type: 'g6e.12xlarge', onDemand: 10.49, spot: 4.31, region: 'us-west-2' },
  L4: { type: 'g6.xlarge', onDemand: 0.8048, spot: 0.31, region: 'us-west-2' },
  A10G: { type: 'g5.xlarge', onDemand: 1.006, spot: 0.42, region: 'us-west-2' },
  T4: { type: 'g4dn.xlarge', onDemand: 0.526, spot: 0.2102, region: 'us-west-2' },
};

const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The month's job and usage records, in export order. */
export const billMonthLedger = (jobs: readonly JobRequest[], seed = 11): LedgerRecord[] => {
  const rand = seededRandom(seed);
  const records: LedgerRecord[] = [];
  let instance = 0;
  const nextId = () => {
    instance += 1;
    return `i-${instance.toString(16).padStart(17, '0')}`;
  };
  for (const job of jobs) {
    const model = job.resources.gpuModels?.[0] ?? 'A100-80GB';
    const offer = TYPES[model] ?? (TYPES['A100-80GB'] as (typeof TYPES)[string]);
    const spot = job.runtime.interruptible === true;
    const price = spot ? offer.spot : offer.onDemand;
    const submitted = Date.parse(job.submittedAt ?? '2026-11-26T12:00:00Z');
    const start = submitted + rand() * 2 * HOUR_MS;
    const hours = Math.max(0.2, (job.runtime.estimatedHours ?? 4) * (0.8 + 0.4 * rand()));
    const stop = start + hours * HOUR_MS;
    const interruptedAt = spot && rand() < 0.2 ? start + (0.3 + 0.4 * rand()) * (stop - start) : null;
    const allocationId = `${job.jobId}-a1`;
    records.push({
      kind: 'job',
      jobId: job.jobId,
      team: job.team,
      project: job.project,
      priority: job.priority ?? 100,
      state: 'SUCCEEDED',
      version: 1,
      createdAt: second(submitted),
      updatedAt: second(stop),
      period: new Date(submitted).toISOString().slice(0, 7),
      attempts: interruptedAt === null ? 1 : 2,
      allocation: null,
      runtime: {},
      eventCount: 0,
      headHash: '',
    });
    const base: Omit<LedgerUsage, 'instanceId' | 'startedAt' | 'stoppedAt' | 'interrupted'> = {
      kind: 'usage',
      jobId: job.jobId,
      allocationId,
      team: job.team,
      project: job.project,
      region: offer.region,
      availabilityZone: null,
      instanceType: offer.type,
      purchaseOption: spot ? 'spot' : 'on-demand',
      unitPriceUsdPerHour: price,
      onDemandPriceUsdPerHour: offer.onDemand,
      accountId: '123456789012',
      tags: { 'quartermaster:job-id': job.jobId, 'quartermaster:team': job.team },
    };
    for (let node = 0; node < (job.resources.nodes ?? 1); node++) {
      if (interruptedAt === null) {
        records.push({
          ...base,
          instanceId: nextId(),
          startedAt: second(start),
          stoppedAt: second(stop),
          interrupted: false,
        });
        continue;
      }
      records.push({
        ...base,
        instanceId: nextId(),
        startedAt: second(start),
        stoppedAt: second(interruptedAt),
        interrupted: true,
      });
      const resumed = interruptedAt + 0.2 * HOUR_MS;
      records.push({
        ...base,
        instanceId: nextId(),
        startedAt: second(resumed),
        stoppedAt: second(resumed + (stop - interruptedAt)),
        interrupted: false,
      });
    }
  }
  return records;
};
