import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type {
  CommitmentsConfig,
  QuartermasterProps,
  QuotasConfig,
  SchedulesConfig,
} from './quartermaster-props.js';
import { QuartermasterConfigError } from './resolve-props.js';

/**
 * The `quartermaster` context value (cdk.json or `-c quartermaster='{…}'`): the construct's props
 * in plain JSON. Durations are whole minutes; quotas may be inline or a path to a quotas file
 * (same format as `examples/quotas.json`).
 */
export interface QuartermasterContext {
  readonly namePrefix?: string;
  /** Account and region to deploy to; both absent makes an environment-agnostic template. */
  readonly account?: string;
  readonly region?: string;
  readonly provisioningRegions?: string[];
  readonly teams: { name: string; weight?: number; monthlyBudgetUsd?: number }[];
  readonly defaultMonthlyBudgetUsd?: number;
  readonly quotas?: QuotasConfig | string;
  /** Inline, or a path to a commitments file (same format as `examples/commitments.json`). */
  readonly commitments?: CommitmentsConfig | string;
  readonly worker?: QuartermasterProps['worker'];
  readonly jobTagKeys?: string[];
  /** `{ "policy": "stop-admitting", "thresholds": [0.5, 0.9] }`; see `BudgetGuardConfig`. */
  readonly budgetGuard?: QuartermasterProps['budgetGuard'];
  /** Hours; see `QuartermasterProps.usageHalfLifeHours`. */
  readonly usageHalfLifeHours?: number;
  /** `off`, `within-team` or `across-teams`; see `QuartermasterProps.preemption`. */
  readonly preemption?: QuartermasterProps['preemption'];
  readonly scheduleMinutes?: {
    solve?: number;
    spotPriceRefresh?: number;
    onDemandPriceRefresh?: number;
    reconcile?: number;
    digest?: number;
  };
  readonly monthlyExportDay?: number;
  /** `{ "bucketName": "…", "prefix": "…", "day": 5 }`; see `BillExportConfig`. */
  readonly billExport?: QuartermasterProps['billExport'];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Turns the context value into construct props and the stack environment.
 * @param root directory relative quota file paths are resolved against (the app's working directory)
 * @throws QuartermasterConfigError when the value is missing, not an object, or a quota file is unreadable
 */
export const propsFromContext = (
  value: unknown,
  root: string,
): { props: QuartermasterProps; env: { account?: string; region?: string } } => {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!isObject(parsed)) {
    throw new QuartermasterConfigError(
      `context "quartermaster": expected an object with at least "teams", got ${JSON.stringify(parsed)}`,
    );
  }
  const ctx = parsed as unknown as QuartermasterContext;
  let quotas: QuotasConfig | undefined;
  if (typeof ctx.quotas === 'string') {
    const path = isAbsolute(ctx.quotas) ? ctx.quotas : resolve(root, ctx.quotas);
    try {
      quotas = JSON.parse(readFileSync(path, 'utf8')) as QuotasConfig;
    } catch (err) {
      throw new QuartermasterConfigError(
        `context "quartermaster".quotas: cannot read ${path}: ${(err as Error).message}`,
      );
    }
    // Keep the description out: it would only take Lambda environment space.
    quotas = { asOf: quotas.asOf, defaultVcpus: quotas.defaultVcpus, quotas: quotas.quotas };
  } else {
    quotas = ctx.quotas;
  }
  let commitments: CommitmentsConfig | undefined;
  if (typeof ctx.commitments === 'string') {
    const path = isAbsolute(ctx.commitments) ? ctx.commitments : resolve(root, ctx.commitments);
    try {
      const file = JSON.parse(readFileSync(path, 'utf8')) as CommitmentsConfig;
      // As for quotas: the description would only take Lambda environment space.
      commitments = { asOf: file.asOf, commitments: file.commitments };
    } catch (err) {
      throw new QuartermasterConfigError(
        `context "quartermaster".commitments: cannot read ${path}: ${(err as Error).message}`,
      );
    }
  } else {
    commitments = ctx.commitments;
  }
  const s = ctx.scheduleMinutes ?? {};
  const schedules: SchedulesConfig = {
    ...(s.solve === undefined ? {} : { solve: Duration.minutes(s.solve) }),
    ...(s.spotPriceRefresh === undefined ? {} : { spotPriceRefresh: Duration.minutes(s.spotPriceRefresh) }),
    ...(s.onDemandPriceRefresh === undefined
      ? {}
      : { onDemandPriceRefresh: Duration.minutes(s.onDemandPriceRefresh) }),
    ...(s.reconcile === undefined ? {} : { reconcile: Duration.minutes(s.reconcile) }),
    ...(s.digest === undefined ? {} : { digest: Duration.minutes(s.digest) }),
    ...(ctx.monthlyExportDay === undefined ? {} : { monthlyExportDay: ctx.monthlyExportDay }),
  };
  const props: QuartermasterProps = {
    teams: ctx.teams,
    schedules,
    ...(ctx.namePrefix === undefined ? {} : { namePrefix: ctx.namePrefix }),
    ...(ctx.region === undefined ? {} : { homeRegion: ctx.region }),
    ...(ctx.provisioningRegions === undefined ? {} : { provisioningRegions: ctx.provisioningRegions }),
    ...(ctx.defaultMonthlyBudgetUsd === undefined
      ? {}
      : { defaultMonthlyBudgetUsd: ctx.defaultMonthlyBudgetUsd }),
    ...(quotas === undefined ? {} : { quotas }),
    ...(commitments === undefined ? {} : { commitments }),
    ...(ctx.worker === undefined ? {} : { worker: ctx.worker }),
    ...(ctx.jobTagKeys === undefined ? {} : { jobTagKeys: ctx.jobTagKeys }),
    ...(ctx.budgetGuard === undefined ? {} : { budgetGuard: ctx.budgetGuard }),
    ...(ctx.usageHalfLifeHours === undefined ? {} : { usageHalfLifeHours: ctx.usageHalfLifeHours }),
    ...(ctx.preemption === undefined ? {} : { preemption: ctx.preemption }),
    ...(ctx.billExport === undefined ? {} : { billExport: ctx.billExport }),
  };
  return {
    props,
    env: {
      ...(ctx.account === undefined ? {} : { account: ctx.account }),
      ...(ctx.region === undefined ? {} : { region: ctx.region }),
    },
  };
};
