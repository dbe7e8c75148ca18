import type { Command } from 'commander';
import { createDynamoDbClient } from '../../lambdas/adapters/dynamodb-client.js';
import { DynamoDbLedger } from '../../lambdas/adapters/dynamodb-ledger.js';
import type { JobEvent, JobRecord } from '../../lambdas/core/ports.js';
import { pipelineCall } from './pipeline-call.js';
import { type PipelineIo, resolveTarget, runtimeError } from './pipeline-target.js';
import type { StatusFlags } from './status.js';

/** The human view of a job: state, allocation, runtime facts, then its history. */
export const formatJobStatus = (job: JobRecord, events: readonly JobEvent[]): string => {
  const lines = [
    `job ${job.jobId}: ${job.state} (version ${job.version}, ${job.attempts} allocation(s))`,
    `team ${job.team}, project ${job.project}, priority ${job.priority}, received ${job.createdAt}`,
  ];
  const held = job.allocation;
  if (held !== null) {
    const a = held.allocation;
    lines.push(
      `allocation ${held.allocationId}: ${a.nodes} × ${a.instanceType} ${a.purchaseOption} in ${a.availabilityZone ?? a.region}` +
        ` at ${a.unitPriceUsdPerHour} USD/h, expected ${a.expectedCostUsd.toFixed(2)} USD (price book ${held.priceBookId})`,
    );
  }
  const r = job.runtime;
  if (r.instanceIds !== undefined)
    lines.push(
      `instances ${r.instanceIds.join(', ')}${r.fleetId === undefined ? '' : ` (fleet ${r.fleetId})`}`,
    );
  if (r.startedAt !== undefined) lines.push(`started ${r.startedAt}`);
  if (r.finishedAt !== undefined) lines.push(`finished ${r.finishedAt}`);
  if (r.reason !== undefined) lines.push(`reason: ${r.reason}`);
  if (r.onDemandOnly === true) lines.push('next allocation: on-demand only');
  lines.push('events:');
  for (const e of events) lines.push(`  ${String(e.seq).padStart(3)}  ${e.at}  ${e.type}`);
  return `${lines.join('\n')}\n`;
};

/** `qm status`'s work, loaded only when the command runs (bin/commands/status.ts defines its flags). */
export const runStatus = async (
  jobId: string,
  flags: StatusFlags,
  command: Command,
  io: PipelineIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const target = resolveTarget(command, flags, io);
  const client = createDynamoDbClient(target.aws);
  const ledger = new DynamoDbLedger({
    client,
    tableName: target.tableName,
    eventsTableName: target.eventsTableName,
    clock: { now: () => new Date() },
  });
  const found = await pipelineCall(command, target, client, async () => {
    const job = await ledger.getJob(jobId);
    return job === undefined ? undefined : { job, events: await ledger.listEvents(jobId) };
  });
  if (found === undefined)
    return runtimeError(command, `job ${jobId} not found in table ${target.tableName}`);
  const { job, events } = found;
  write(flags.json === true ? `${JSON.stringify({ job, events }, null, 2)}\n` : formatJobStatus(job, events));
};
