import type { Command } from 'commander';
import {
  ProducerClient,
  resolveProducerQueueUrls,
  type SendReport,
} from '../../lambdas/adapters/producer-client.js';
import { createSqsClient } from '../../lambdas/adapters/sqs-client.js';
import type { CompleteFlags } from './complete.js';
import { pipelineCall } from './pipeline-call.js';
import {
  inputError,
  type PipelineIo,
  type PipelineTarget,
  resolveTarget,
  runtimeError,
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
  const report = await pipelineCall(command, target, client, async () =>
    send(new ProducerClient({ client, urls: await resolveProducerQueueUrls(client, target.queuePrefix) })),
  );
  if (report.status === 'invalid')
    inputError(command, report.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  if (report.status === 'failed') runtimeError(command, `not sent: ${report.error}`);
  if (report.status === 'accepted') write(`${report.jobId}\taccepted\t${report.messageId}\n`);
};

/** `qm complete`'s work, loaded only when the command runs (bin/commands/complete.ts defines its flags). */
export const runComplete = async (
  jobId: string,
  flags: CompleteFlags,
  command: Command,
  io: PipelineIo,
): Promise<void> => {
  const target = resolveTarget(command, flags, io);
  await sendJobEvent(command, target, io, (p) =>
    p.complete(jobId, {
      failed: flags.failed === true,
      ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    }),
  );
};
