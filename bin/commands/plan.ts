import type { Command } from 'commander';
import { DEFAULT_USAGE_HALF_LIFE_HOURS } from '../../lambdas/core/planning/fair-weight.js';
import type { PriceBook } from '../../lambdas/core/pricing/offer.js';

/** What the command needs from the process; tests pass their own. */
export interface PlanCommandIo {
  readonly readText?: (path: string) => Promise<string>;
  readonly write?: (text: string) => void;
  /** Warnings (standard error). @default process.stderr.write */
  readonly warn?: (text: string) => void;
  /** The planning instant when `--now` is not given. @default Date.now */
  readonly now?: () => number;
  readonly priceBook?: () => PriceBook;
  /**
   * Columns the table view fits. @default the terminal's width when standard output is one, else
   * 120 (a pipe or a file has no width, and 120 keeps every line of the examples whole)
   */
  readonly columns?: number;
}

export const PLAN_FORMATS = ['table', 'json', 'csv'] as const;
/** Exit code for bad input (files or flags), distinct from 1 for unexpected failures. */
export const INPUT_ERROR_EXIT_CODE = 2;

export interface PlanOptions {
  jobs: string;
  quotas?: string;
  budgets?: string;
  commitments?: string;
  capacityBlockOfferings?: string;
  regions?: string;
  format: string;
  now?: string;
  history?: string;
  halfLifeHours?: string;
}

/**
 * Registers `qm plan`: one batch decision over a jobs file with the bundled price book. Only the
 * flags are defined here; the planner, solver and price book load when the command runs, so
 * `qm --help` does not pay for them.
 */
export const registerPlanCommand = (program: Command, io: PlanCommandIo = {}): Command =>
  program
    .command('plan')
    .description(
      'plan where each job runs: cheapest expected cost under quotas, budgets, deadlines and fair share',
    )
    .requiredOption('--jobs <file>', 'job requests, one JSON object per line (JSONL); - for standard input')
    .option('--quotas <file>', 'vCPU quotas per region and quota class (JSON); unlimited when absent')
    .option('--budgets <file>', 'team weights and monthly budgets (JSON); weight 1 and no budget when absent')
    .option(
      '--commitments <file>',
      'Savings Plans, Reserved Instances, capacity reservations and Capacity Blocks the account holds (JSON); their hours are priced as already paid',
    )
    .option(
      '--capacity-block-offerings <file>',
      'Capacity Block offerings as DescribeCapacityBlockOfferings lists them (JSON); adds advice on which to buy for deadline jobs (nothing is bought)',
    )
    .option('--regions <list>', 'comma-separated regions to consider, e.g. us-east-1,us-west-2')
    .option('--format <format>', `output format: ${PLAN_FORMATS.join(' | ')}`, 'table')
    .option(
      '--now <iso>',
      'planning instant (ISO 8601 with Z or offset); deadlines count from it; default: now',
    )
    .option(
      '--history <file>',
      'ledger export (JSONL) whose usage records lower the fair-share weight of teams that used a lot recently',
    )
    .option(
      '--half-life-hours <n>',
      `half-life of past usage with --history (default ${DEFAULT_USAGE_HALF_LIFE_HOURS}, one week)`,
    )
    .action(async (opts: PlanOptions, command: Command) => {
      const { runPlan } = await import('./plan-action.js');
      await runPlan(opts, command, io);
    });
