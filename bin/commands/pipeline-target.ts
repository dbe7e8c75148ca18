import type { Command } from 'commander';
import type { AwsClientConfig } from '../../lambdas/adapters/aws-clients.js';

/**
 * Where the pipeline commands (`qm submit`, `status`, `complete`, `cancel`) find a deployment:
 * flags first, then the environment (`AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`,
 * `QM_QUEUE_PREFIX`, `QM_TABLE_NAME`, `QM_EVENTS_TABLE_NAME`). With neither a flag nor a region
 * variable, the SDK resolves the region from the shared config (the profile's `region` in
 * `~/.aws/config` or `AWS_CONFIG_FILE`), and credentials always come from its default chain, so
 * `AWS_PROFILE` works as everywhere else (pipeline-call.ts).
 */

/** Exit code for bad input (files or flags), as for `qm plan`. */
export const INPUT_ERROR_EXIT_CODE = 2;
export const DEFAULT_QUEUE_PREFIX = 'quartermaster';

export interface PipelineIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly write?: (text: string) => void;
  readonly readText?: (path: string) => Promise<string>;
}

export interface TargetFlags {
  readonly region?: string;
  readonly endpointUrl?: string;
  readonly queuePrefix?: string;
  readonly table?: string;
  readonly eventsTable?: string;
}

export interface PipelineTarget {
  readonly aws: AwsClientConfig;
  readonly queuePrefix: string;
  readonly tableName: string;
  /** The append-only job events table (docs/adr/0005-append-only-events.md). */
  readonly eventsTableName: string;
}

/** Adds the deployment flags to a command. */
export const withTargetFlags = (command: Command): Command =>
  command
    .option(
      '--region <region>',
      "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, or the profile's region in ~/.aws/config)",
    )
    .option('--endpoint-url <url>', 'AWS endpoint override, e.g. moto (default: AWS_ENDPOINT_URL)')
    .option(
      '--queue-prefix <prefix>',
      `queue name prefix (default: QM_QUEUE_PREFIX or ${DEFAULT_QUEUE_PREFIX})`,
    )
    .option('--table <name>', 'ledger table (default: QM_TABLE_NAME or <queue-prefix>-ledger)')
    .option(
      '--events-table <name>',
      'job events table (default: QM_EVENTS_TABLE_NAME or <queue-prefix>-events)',
    );

export const NO_REGION_MESSAGE =
  'no AWS region: pass --region, set AWS_REGION, or set a region for your profile (AWS_PROFILE) in ~/.aws/config';

/**
 * Resolves flags and environment. No region here leaves it to the SDK, which reads the shared
 * config's profile (`pipelineCall` stops with exit 2 when that finds none either). The SDK reads
 * the process environment, so with an environment of the caller's own (`io.env`, as tests pass)
 * a missing region is an input error at once: that environment stands for the whole of it.
 */
export const resolveTarget = (command: Command, flags: TargetFlags, io: PipelineIo): PipelineTarget => {
  const env = io.env ?? process.env;
  const region = [flags.region, env.AWS_REGION, env.AWS_DEFAULT_REGION].find(
    (r) => r !== undefined && r !== '',
  );
  if (region === undefined && env !== process.env) inputError(command, NO_REGION_MESSAGE);
  const endpoint = flags.endpointUrl ?? env.AWS_ENDPOINT_URL;
  const queuePrefix = flags.queuePrefix ?? env.QM_QUEUE_PREFIX ?? DEFAULT_QUEUE_PREFIX;
  return {
    aws: {
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    },
    queuePrefix,
    tableName: flags.table ?? env.QM_TABLE_NAME ?? `${queuePrefix}-ledger`,
    eventsTableName: flags.eventsTable ?? env.QM_EVENTS_TABLE_NAME ?? `${queuePrefix}-events`,
  };
};

/** Stops the command with exit code 2 and a message naming what is wrong. */
export const inputError = (command: Command, message: string): never => {
  command.error(`qm ${command.name()}: ${message}`, { exitCode: INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

/** Stops the command with exit code 1 (the request was fine, the outcome was not). */
export const runtimeError = (command: Command, message: string): never => {
  command.error(`qm ${command.name()}: ${message}`, { exitCode: 1, code: 'qm.failed' });
  throw new Error(message);
};
