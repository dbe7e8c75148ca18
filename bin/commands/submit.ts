import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import {
  ProducerClient,
  resolveProducerQueueUrls,
  type SendReport,
} from '../../lambdas/adapters/producer-client.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';
import {
  inputError,
  type PipelineIo,
  resolveTarget,
  runtimeError,
  type TargetFlags,
  withTargetFlags,
} from './pipeline-target.js';

interface SubmitFlags extends TargetFlags {
  readonly json?: boolean;
}

const line = (r: SendReport): string => {
  const id = r.jobId ?? '(no jobId)';
  if (r.status === 'accepted') return `${id}\taccepted\t${r.messageId}`;
  if (r.status === 'invalid')
    return `${id}\tinvalid\t${r.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
  return `${id}\tfailed\t${r.error}`;
};

/**
 * Registers `qm submit FILE`: validates every line of a JSONL file first (exit 2 naming each bad
 * line and field, nothing sent), then sends the requests in batches of ten and prints one result
 * per job. Exit 1 when SQS refused any message (sending again is safe: jobId is the idempotency key).
 */
export const registerSubmitCommand = (program: Command, io: PipelineIo = {}): Command =>
  withTargetFlags(
    program
      .command('submit')
      .description('validate a JSONL file of job requests and send them to the job-requests queue')
      .argument('<file>', 'job requests, one JSON object per line')
      .option('--json', 'print the per-message results as JSON'),
  ).action(async (file: string, flags: SubmitFlags, command: Command) => {
    const write = io.write ?? ((text: string) => process.stdout.write(text));
    let text: string;
    try {
      text = await (io.readText ?? ((path: string) => readFile(path, 'utf8')))(file);
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
    const producer = new ProducerClient({
      client,
      urls: await resolveProducerQueueUrls(client, target.queuePrefix),
    });
    const results = await producer.submit(jobs);
    write(
      flags.json === true ? `${JSON.stringify(results, null, 2)}\n` : `${results.map(line).join('\n')}\n`,
    );
    const failed = results.filter((r) => r.status !== 'accepted').length;
    if (failed > 0) runtimeError(command, `${failed} of ${results.length} message(s) were not accepted`);
  });
