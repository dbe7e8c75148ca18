import type { Command } from 'commander';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import {
  ProducerClient,
  resolveProducerQueueUrls,
  type SendReport,
} from '../../lambdas/adapters/producer-client.js';
import {
  inputError,
  type PipelineIo,
  type PipelineTarget,
  resolveTarget,
  runtimeError,
  type TargetFlags,
  withTargetFlags,
} from './pipeline-target.js';

/** Sends one job-events message and reports it the same way for `complete` and `cancel`. */
export const sendJobEvent = async (
  command: Command,
  target: PipelineTarget,
  io: PipelineIo,
  send: (producer: ProducerClient) => Promise<SendReport>,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const client = createSqsClient(target.aws);
  const producer = new ProducerClient({
    client,
    urls: await resolveProducerQueueUrls(client, target.queuePrefix),
  });
  const report = await send(producer);
  if (report.status === 'invalid')
    inputError(command, report.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  if (report.status === 'failed') runtimeError(command, `not sent: ${report.error}`);
  if (report.status === 'accepted') write(`${report.jobId}\taccepted\t${report.messageId}\n`);
};

interface CompleteFlags extends TargetFlags {
  readonly failed?: boolean;
  readonly reason?: string;
}

/** Registers `qm complete JOB_ID [--failed]`: the workload ended; the job's capacity is released. */
export const registerCompleteCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('complete')
      .description("report that a job's workload ended (SUCCEEDED, or FAILED with --failed)")
      .argument('<jobId>', 'the job')
      .option('--failed', 'the workload failed')
      .option('--reason <text>', 'recorded in the job history'),
  ).action(async (jobId: string, flags: CompleteFlags, command: Command) => {
    const target = resolveTarget(command, flags, io);
    await sendJobEvent(command, target, io, (p) =>
      p.complete(jobId, {
        failed: flags.failed === true,
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
      }),
    );
  });
