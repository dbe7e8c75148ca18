import {
  DescribeSavingsPlanRatesCommand,
  DescribeSavingsPlansCommand,
  type SavingsPlan,
  type SavingsPlanRate,
  type SavingsplansClient,
} from '@aws-sdk/client-savingsplans';
import type { OnDemandPriceObservation } from '../core/cloud-ports.js';
import type { SavingsPlanCommitment } from '../core/commitments/commitment.js';
import { savingsPlanDiscounts, type TypeRate } from '../core/commitments/savings-plan-discounts.js';
import {
  type CommitmentRead,
  gather,
  instantOf,
  type Mapped,
  nameFrom,
  type Page,
  readAllPages,
} from './commitment-read.js';

/** The part of the Savings Plans client used here. */
export type SavingsPlansSender = Pick<SavingsplansClient, 'send'>;

/**
 * Reads the Savings Plans that apply in one region. `Ec2Market` takes one of these rather than
 * the client, so the functions that never read plans (the price refresh) bundle no Savings Plans
 * SDK.
 */
export type SavingsPlansReader = (request: SavingsPlansRequest) => Promise<CommitmentRead>;

export interface SavingsPlansRequest {
  /** The region the plans are read for: Compute plans apply in every one, EC2 Instance plans in theirs. */
  readonly region: string;
  readonly now: Date;
  /** The region's public on-demand prices, asked for only when a plan applies there. */
  readonly onDemandPrices: () => Promise<readonly OnDemandPriceObservation[]>;
}

const PLAN_TYPES = { Compute: 'compute', EC2Instance: 'ec2-instance' } as const;

/**
 * The plan's hourly rate per instance type in the region: Linux, shared tenancy, instance hours
 * (usage types `…BoxUsage:<type>`; capacity-reservation and dedicated hours are rated apart).
 */
const linuxBoxRates = (rates: readonly SavingsPlanRate[]): TypeRate[] =>
  rates.flatMap((r): TypeRate[] => {
    const property = (name: string) => r.properties?.find((p) => p.name === name)?.value;
    const instanceType = property('instanceType');
    const usdPerHour = Number(r.rate);
    const linux = (property('productDescription') ?? '').toLowerCase() === 'linux/unix';
    const shared = ['shared', 'default'].includes((property('tenancy') ?? '').toLowerCase());
    const box = r.usageType === undefined || r.usageType.includes('BoxUsage:');
    const hourly = r.unit === undefined || r.unit === 'Hrs';
    const usd = r.currency === undefined || r.currency === 'USD';
    return instanceType !== undefined &&
      Number.isFinite(usdPerHour) &&
      linux &&
      shared &&
      box &&
      hourly &&
      usd
      ? [{ instanceType, usdPerHour }]
      : [];
  });

/** Every active plan of the account (DescribeSavingsPlans, every page). */
const activePlans = (sender: SavingsPlansSender, region: string): Promise<SavingsPlan[]> =>
  readAllPages(
    'DescribeSavingsPlans',
    region,
    'active Savings Plans',
    async (token): Promise<Page<SavingsPlan>> => {
      const output = await sender.send(
        new DescribeSavingsPlansCommand({
          states: ['active'],
          ...(token === undefined ? {} : { nextToken: token }),
        }),
      );
      return { items: output.savingsPlans, next: output.nextToken };
    },
  );

/** One plan's EC2 rates in the region (DescribeSavingsPlanRates, every page). */
const planRates = async (sender: SavingsPlansSender, region: string, planId: string): Promise<TypeRate[]> => {
  const rates = await readAllPages(
    'DescribeSavingsPlanRates',
    region,
    `rates of ${planId}`,
    async (token): Promise<Page<SavingsPlanRate>> => {
      const output = await sender.send(
        new DescribeSavingsPlanRatesCommand({
          savingsPlanId: planId,
          filters: [
            { name: 'region', values: [region] },
            { name: 'productType', values: ['EC2'] },
          ],
          ...(token === undefined ? {} : { nextToken: token }),
        }),
      );
      return { items: output.searchResults, next: output.nextToken };
    },
  );
  return linuxBoxRates(rates);
};

/** Whether a plan covers EC2 usage in `region` at all; plans that do not are out of scope, not skipped. */
const appliesIn = (plan: SavingsPlan, region: string): boolean =>
  plan.savingsPlanType === 'Compute' || (plan.savingsPlanType === 'EC2Instance' && plan.region === region);

/**
 * The account's active Savings Plans that apply in the region, each with its discount per
 * instance family derived from its rates there against the public on-demand prices
 * (`savingsPlanDiscounts`). A Compute plan's discounts are the read region's: AWS rates a Compute
 * plan per region, and the commitments file states one set per plan.
 */
export const readSavingsPlans = async (
  sender: SavingsPlansSender,
  options: SavingsPlansRequest,
): Promise<CommitmentRead> => {
  const { region, now } = options;
  const plans = (await activePlans(sender, region)).filter((p) => appliesIn(p, region));
  let onDemand: TypeRate[] | undefined;
  const mapped: Mapped[] = [];
  for (const plan of plans) {
    const id = plan.savingsPlanId ?? '(no id)';
    const skip = (reason: string): Mapped => ({ ok: false, skipped: { id, kind: 'savings-plan', reason } });
    const start = instantOf(plan.start);
    const end = instantOf(plan.end);
    const hourly = Number(plan.commitment);
    const planType = PLAN_TYPES[plan.savingsPlanType as keyof typeof PLAN_TYPES];
    if (plan.savingsPlanId === undefined) {
      mapped.push(skip('no savingsPlanId'));
      continue;
    }
    if (start === undefined || end === undefined) {
      mapped.push(skip('start or end missing'));
      continue;
    }
    if (Date.parse(end) <= now.getTime()) {
      mapped.push(skip(`ended ${end}`));
      continue;
    }
    if ((plan.currency ?? 'USD') !== 'USD') {
      mapped.push(skip(`committed in ${plan.currency}, not USD`));
      continue;
    }
    if (!(hourly > 0)) {
      mapped.push(skip(`hourly commitment ${JSON.stringify(plan.commitment)} is not a positive amount`));
      continue;
    }
    onDemand ??= (await options.onDemandPrices()).map((p) => ({
      instanceType: p.instanceType,
      usdPerHour: p.priceUsdPerHour,
    }));
    const rates = await planRates(sender, region, plan.savingsPlanId);
    // An EC2 Instance plan covers its one family; its rates should name no other, but the file
    // format requires exactly one, so anything else is dropped rather than trusted.
    const family = plan.ec2InstanceFamily;
    const discounts = Object.fromEntries(
      Object.entries(savingsPlanDiscounts(rates, onDemand)).filter(
        ([f]) => planType === 'compute' || f === family,
      ),
    );
    if (Object.keys(discounts).length === 0) {
      mapped.push(
        skip(`none of its ${rates.length} Linux rates in ${region} is below a known on-demand price`),
      );
      continue;
    }
    const commitment: SavingsPlanCommitment = {
      kind: 'savings-plan',
      id: plan.savingsPlanId,
      ...nameFrom(plan.tags?.Name),
      planType,
      region: planType === 'compute' ? null : region,
      hourlyCommitmentUsd: hourly,
      discounts,
      start,
      end,
    };
    mapped.push({ ok: true, commitment });
  }
  return gather(mapped);
};

/** A {@link SavingsPlansReader} on one client. */
export const savingsPlansReader =
  (sender: SavingsPlansSender): SavingsPlansReader =>
  (request) =>
    readSavingsPlans(sender, request);
