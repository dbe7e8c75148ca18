import type { Command } from 'commander';
import { awsFailureMessage } from '../cli/aws-failure.js';
import { inputError, NO_REGION_MESSAGE, type PipelineTarget, runtimeError } from './pipeline-target.js';

/** What an SDK client exposes of its resolved configuration: the region provider. */
export interface RegionResolving {
  readonly config: { readonly region: () => Promise<string> };
}

/**
 * Runs a pipeline command's AWS calls. The region is asked of the SDK client first (the SDK's own
 * chain: the region given, `AWS_REGION`, then the profile's `region` in the shared config), so a
 * missing one is an input error (exit 2) before anything is sent. A missing credential, queue or
 * table then exits 1 with a message saying what to fix (cli/aws-failure.ts); anything else is
 * rethrown as it is.
 */
export const pipelineCall = async <T>(
  command: Command,
  target: PipelineTarget,
  client: RegionResolving,
  work: () => Promise<T>,
): Promise<T> => {
  try {
    await client.config.region();
  } catch {
    return inputError(command, NO_REGION_MESSAGE);
  }
  try {
    return await work();
  } catch (error) {
    const message = awsFailureMessage(error, target);
    if (message === undefined) throw error;
    return runtimeError(command, message);
  }
};
