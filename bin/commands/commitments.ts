import type { Command } from 'commander';
import type { Commitment } from '../../lambdas/core/commitments/commitment.js';

/** One commitment the account holds that the read left out, and why. */
export interface LeftOut {
  readonly id: string;
  readonly kind: string;
  readonly reason: string;
}

/** Where the commitments come from: the account by default (commitments-action.ts). */
export interface CommitmentsSource {
  commitments(region: string, now?: string): Promise<readonly Commitment[]>;
}

export interface CommitmentsSourceRequest {
  readonly region: string;
  readonly endpoint?: string;
  /** False with `--no-savings-plans`: read no Savings Plans. */
  readonly savingsPlans: boolean;
  readonly onLeftOut: (leftOut: readonly LeftOut[]) => void;
}

/** What the command needs from the process; tests pass their own. */
export interface CommitmentsCommandIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly write?: (text: string) => void;
  readonly warn?: (text: string) => void;
  /** @default the account, through Ec2Market */
  readonly source?: (request: CommitmentsSourceRequest) => CommitmentsSource;
  /** @default new Date().toISOString() */
  readonly now?: () => string;
}

export interface CommitmentsOptions {
  region?: string;
  endpointUrl?: string;
  now?: string;
  out?: string;
  savingsPlans: boolean;
}

/**
 * Registers `qm commitments`: the account's active commitments in one region, as a commitments
 * file to review and pass to `qm plan --commitments` or the `commitments` prop. The AWS clients
 * load when the command runs (commitments-action.ts).
 */
export const registerCommitmentsCommand = (program: Command, io: CommitmentsCommandIo = {}): Command =>
  program
    .command('commitments')
    .description(
      "read the account's active Reserved Instances, capacity reservations, Capacity Blocks and Savings Plans in a region as a commitments file",
    )
    .option('--region <region>', 'AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)')
    .option('--endpoint-url <url>', 'AWS endpoint override (default: AWS_ENDPOINT_URL)')
    .option('--now <instant>', 'leave out what has ended by this ISO instant (default: now); the file’s asOf')
    .option(
      '--no-savings-plans',
      'read no Savings Plans (an account that may not call the Savings Plans API)',
    )
    .option('--out <file>', 'write the file there instead of standard output (only once complete)')
    .action(async (opts: CommitmentsOptions, command: Command) => {
      const { runCommitments } = await import('./commitments-action.js');
      await runCommitments(opts, command, io);
    });
