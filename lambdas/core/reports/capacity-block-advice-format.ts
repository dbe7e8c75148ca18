import type { CapacityBlockAdvice, CapacityBlockAdviceLine } from '../planning/capacity-block-advice.js';
import { textTable, wrapText } from './text-table.js';

const usd = (v: number | null): string =>
  v === null ? '' : v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The first job, and how many more share its block (the reason names them), so the row stays narrow. */
const jobsText = (l: CapacityBlockAdviceLine): string =>
  `${l.jobs[0]?.jobId ?? ''}${l.jobs.length > 1 ? ` +${l.jobs.length - 1}` : ''}`;

/**
 * The advice section of `qm plan`'s table view: one row per job or group sharing a block, with the
 * advised (or cheapest fitting) offering, fee, planned cost and saving (blank for a waiting job,
 * which has no planned cost), and the reason, which wraps to `width`. The line under the title
 * says it is advice only, because a reader may take "buy" for something the service does.
 */
export const formatCapacityBlockAdvice = (advice: CapacityBlockAdvice, width = 120): string => {
  const out = [
    `Capacity Block advice (${advice.offeringsConsidered} offering${advice.offeringsConsidered === 1 ? '' : 's'})`,
    ...wrapText(
      'advice only: nothing is bought. saving = planned on-demand cost − block fee; a waiting job has no planned cost, the fee is the price of meeting its deadline',
      width - 2,
    ).map((l) => `  ${l}`),
  ];
  out.push(
    advice.lines.length === 0
      ? '  no deadline job waits or runs on on-demand with an offering of a type it can use'
      : textTable(
          ['decision', 'jobs', 'offering', 'fee usd', 'planned usd', 'saving usd', 'reason'],
          advice.lines.map((l) => [
            l.decision,
            jobsText(l),
            l.offering?.id ?? 'none fits',
            usd(l.feeUsd),
            usd(l.plannedCostUsd),
            usd(l.savingUsd),
            l.reason,
          ]),
          { width, wrap: 6, minWrapWidth: 30 },
        ),
  );
  const more = advice.lines.length > 0 ? ' more' : '';
  if (advice.noMatchingType.length > 0)
    out.push(
      ...wrapText(
        `${advice.noMatchingType.length}${more} deadline job${advice.noMatchingType.length === 1 ? '' : 's'} waiting or on on-demand, no offering of a type ${advice.noMatchingType.length === 1 ? 'it' : 'they'} can use: ${namesOf(advice.noMatchingType)}`,
        width - 2,
      ).map((l) => `  ${l}`),
    );
  const buys = advice.lines.filter((l) => l.decision === 'buy').length;
  out.push(
    `  buy ${buys} block${buys === 1 ? '' : 's'}: ${usd(advice.buyFeeUsd)} USD in fees, ${usd(advice.buySavingUsd)} USD saved on placed jobs`,
  );
  return out.join('\n');
};

/** The advice in `qm plan --format json`, under `capacityBlockAdvice`: the figures as computed. */
export const capacityBlockAdviceToJson = (advice: CapacityBlockAdvice) => ({
  offeringsConsidered: advice.offeringsConsidered,
  buyFeeUsd: advice.buyFeeUsd,
  buySavingUsd: advice.buySavingUsd,
  noMatchingType: advice.noMatchingType,
  lines: advice.lines.map((l) => ({
    decision: l.decision,
    planned: l.planned,
    jobs: l.jobs,
    offering: l.offering,
    feeUsd: l.feeUsd,
    plannedCostUsd: l.plannedCostUsd,
    savingUsd: l.savingUsd,
    reason: l.reason,
    misses: l.misses,
  })),
});

/** Jobs named in the table text at most; the JSON view lists every one. */
const NAMED_JOBS = 10;

/** The first job ids and how many more, so a month of jobs does not fill the screen. */
const namesOf = (jobIds: readonly string[]): string =>
  jobIds.length <= NAMED_JOBS
    ? jobIds.join(', ')
    : `${jobIds.slice(0, NAMED_JOBS).join(', ')} and ${jobIds.length - NAMED_JOBS} more (all in --format json)`;
