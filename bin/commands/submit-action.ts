import type { Command } from 'commander';
import {
  ProducerClient,
  resolveProducerQueueUrls,
  type SendReport,
} from '../../lambdas/adapters/producer-client.js';
import { createSqsClient } from '../../lambdas/adapters/sqs-client.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';
import { readInputText } from '../cli/input-file.js';
import { pipelineCall } from './pipeline-call.js';
import { inputError, type PipelineIo, resolveTarget, runtimeError } from './pipeline-target.js';
import type { SubmitFlags } from './submit.js';

const line = (r: SendReport): string => {
  const id = r.jobId ?? '(no jobId)';
  if (r.status === 'accepted') return `${id}\taccepted\t${r.messageId}`;
  if (r.status === 'invalid')
    return `${id}\tinvalid\t${r.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
  return `${id}\tfailed\t${r.error}`;
};

/** `qm submit`'s work, loaded only when the command runs (bin/commands/submit.ts defines its flags). */
export const runSubmit = async (
  file: string,
  flags: SubmitFlags,
  command: Command,
  io: PipelineIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  let text: string;
  try {
    text = await (io.readText ?? ((path: string) => readInputText(path)))(file);
  } catch (err) {
    return inputError(command, `cannot read ${file}: ${(err as Error).message}`);
  }
  const { jobs, errors } = parseJobsJsonl(text);
  if (errors.length > 0) {
    return inputError(
      command,
      `${file} has ${errors.length} problem(s), nothing was sent:\n${errors
        .map((e) => `  line ${e.line}: ${e.field}: ${e.message}`)
        .join('\n')}`,
    );
  }
  if (jobs.length === 0) return inputError(command, `${file} holds no job request`);
  const target = resolveTarget(command, flags, io);
  const client = createSqsClient(target.aws);
  const results = await pipelineCall(command, target, client, async () => {
    const producer = new ProducerClient({
      client,
      urls: await resolveProducerQueueUrls(client, target.queuePrefix),
    });
    return producer.submit(jobs);
  });
  write(flags.json === true ? `${JSON.stringify(results, null, 2)}\n` : `${results.map(line).join('\n')}\n`);
  const failed = results.filter((r) => r.status !== 'accepted').length;
  if (failed > 0) runtimeError(command, `${failed} of ${results.length} message(s) were not accepted`);
};
