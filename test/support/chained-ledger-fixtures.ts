import { InMemoryLedger } from '../../lambdas/adapters/in-memory-ledger.js';
import { costMicrosOf, microsPerHour, usdOf } from '../../lambdas/core/accounting/metering.js';
import type { LedgerRecord } from '../../lambdas/core/ledger/ledger-export.js';
import type { JobRecord, UsageStart } from '../../lambdas/core/ports.js';
import { exportLedgerPeriod } from '../../lambdas/core/use-cases/ledger-export-period.js';
import { FakeClock } from './fake-clock.js';
import { seededRandom } from './ledger-export-fixtures.js';
import { allocationFor, jobRequest } from './ledger-fixtures.js';

/**
 * A month's ledger written the way the deployment writes it: jobs driven through the in-memory
 * ledger's ports (the same contract as DynamoDB) — allocations that reserve budget, usage that
 * starts and stops per node, interruptions and re-runs, settlements and releases — then exported
 * with `exportLedgerPeriod`. So every record comes with the chain events the ledger appended for
 * it (ADR 0010). Seeded: the same options give the same export.
 */

export interface ChainedLedgerOptions {
  readonly jobs: number;
  readonly seed?: number;
  readonly teams?: readonly string[];
}

export const CHAINED_MONTH = '2026-11';
const MONTH_START = Date.parse('2026-11-01T00:00:00Z');

const SKUS = [
  { instanceType: 'p5.48xlarge', onDemand: 55.04, spot: 21.5817 },
  { instanceType: 'g5.12xlarge', onDemand: 5.672, spot: 2.0871 },
  { instanceType: 'g4dn.xlarge', onDemand: 0.526, spot: 0.1955 },
] as const;

/** Exports a generated month; records in the order the monthly export yields them. */
export const generateChainedLedger = async (options: ChainedLedgerOptions): Promise<LedgerRecord[]> => {
  const random = seededRandom(options.seed ?? 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const teams = options.teams ?? ['vision', 'nlp'];
  const clock = new FakeClock('2026-11-01T00:00:00.000Z');
  const ledger = new InMemoryLedger({ clock });
  for (const team of teams) await ledger.putBudget({ team, period: CHAINED_MONTH, limitUsd: 100_000 });
  const at = (ms: number) => {
    clock.set(new Date(ms).toISOString());
    // Whole seconds mostly; now and then milliseconds, which the export cuts to the second.
    return new Date(random() < 0.8 ? Math.floor(ms / 1000) * 1000 : ms).toISOString();
  };
  const fresh = async (jobId: string): Promise<JobRecord> => {
    const job = await ledger.getJob(jobId);
    if (job === undefined) throw new Error(`job ${jobId} vanished`);
    return job;
  };

  for (let i = 0; i < options.jobs; i += 1) {
    const team = pick(teams);
    const jobId = `job-${String(i).padStart(4, '0')}`;
    let nowMs = MONTH_START + Math.floor(random() * 25 * 86_400_000);
    clock.set(new Date(nowMs).toISOString());
    await ledger.putJobIfAbsent({
      request: jobRequest(jobId, { team, project: pick(['alpha', 'beta']), priority: pick([100, 500]) }),
      messageId: `m-${jobId}`,
    });
    // Some jobs never run: nothing but RECEIVED (and maybe a cancellation).
    if (random() < 0.15) {
      if (random() < 0.5) await ledger.transition({ jobId, expectedVersion: 1, to: 'CANCELLED' });
      continue;
    }
    const attempts = random() < 0.25 ? 2 : 1;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const sku = pick(SKUS);
      const spot = random() < 0.6;
      const unit = spot ? sku.spot : sku.onDemand;
      const nodes = random() < 0.3 ? 2 : 1;
      const hours = Math.round((0.5 + random() * 20) * 100) / 100;
      const expected = Math.round(unit * hours * nodes * 100) / 100;
      nowMs += 60_000;
      clock.set(new Date(nowMs).toISOString());
      const base = allocationFor(await fresh(jobId), expected, 100_000, CHAINED_MONTH, attempt);
      await ledger.allocate({
        ...base,
        allocation: {
          ...base.allocation,
          instanceType: sku.instanceType,
          purchaseOption: spot ? 'spot' : 'on-demand',
          availabilityZone: spot ? 'use1-az1' : null,
          nodes,
          unitPriceUsdPerHour: unit,
          expectedHours: hours,
          expectedCostUsd: expected,
          onDemandEquivalentUsd: Math.round(sku.onDemand * hours * nodes * 100) / 100,
        },
      });
      const allocationId = base.allocationId;
      nowMs += 20_000;
      clock.set(new Date(nowMs).toISOString());
      await ledger.transition({ jobId, expectedVersion: (await fresh(jobId)).version, to: 'PROVISIONING' });
      const started: UsageStart[] = [];
      for (let n = 0; n < nodes; n += 1) {
        nowMs += 30_000 + Math.floor(random() * 60_000);
        const start: UsageStart = {
          instanceId: `i-${i.toString(16).padStart(6, '0')}${attempt}${n}`,
          jobId,
          allocationId,
          team,
          project: (await fresh(jobId)).project,
          instanceType: sku.instanceType,
          region: 'us-east-1',
          availabilityZone: spot ? 'use1-az1' : 'use1-az2',
          purchaseOption: spot ? 'spot' : 'on-demand',
          unitPriceUsdPerHour: unit,
          startedAt: at(nowMs),
        };
        await ledger.startUsage(start);
        started.push(start);
      }
      await ledger.transition({
        jobId,
        expectedVersion: (await fresh(jobId)).version,
        to: 'RUNNING',
        data: { allocationId, instanceIds: started.map((s) => s.instanceId) },
        fields: { startedAt: started.at(-1)?.startedAt ?? at(nowMs) },
      });
      const interrupted = attempt < attempts;
      // One in eight finishing jobs still runs at the export (usage open, reservation held).
      const stillRunning = !interrupted && random() < 0.125;
      const runMs = Math.floor(hours * 3_600_000 * (interrupted ? 0.4 : 0.8 + random() * 0.4));
      nowMs += runMs;
      if (stillRunning) break;
      const stopAll = async () => {
        let micros = 0;
        for (const s of started) {
          const stoppedAt = at(nowMs + Math.floor(random() * 30_000));
          const ms = Date.parse(stoppedAt) - Date.parse(s.startedAt);
          const cost = costMicrosOf(Math.max(0, ms), microsPerHour(s.unitPriceUsdPerHour));
          micros += cost;
          await ledger.stopUsage({ instanceId: s.instanceId, stoppedAt, costUsd: usdOf(cost) });
        }
        return usdOf(micros);
      };
      clock.set(new Date(nowMs).toISOString());
      let actualUsd: number;
      if (interrupted) {
        actualUsd = await stopAll();
        const v = (await fresh(jobId)).version;
        await ledger.transition({ jobId, expectedVersion: v, to: 'INTERRUPTED', fields: { reason: 'spot' } });
        await ledger.transition({ jobId, expectedVersion: v + 1, to: 'PENDING', fields: { reason: 'spot' } });
      } else {
        const to = random() < 0.1 ? 'FAILED' : 'SUCCEEDED';
        await ledger.transition({
          jobId,
          expectedVersion: (await fresh(jobId)).version,
          to,
          fields: { finishedAt: at(nowMs) },
        });
        actualUsd = await stopAll();
      }
      await ledger.settleBudget({ team, allocationId, actualUsd, at: at(nowMs + 60_000) });
    }
  }
  const records: LedgerRecord[] = [];
  for await (const record of exportLedgerPeriod(ledger, teams, CHAINED_MONTH)) records.push(record);
  return records;
};
