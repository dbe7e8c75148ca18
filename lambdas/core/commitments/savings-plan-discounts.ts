import { instanceFamilyOf } from './commitment.js';

/**
 * A Savings Plan's discount per instance family, from the plan's own rates (what
 * DescribeSavingsPlanRates says an hour of a type costs under the plan) and the public on-demand
 * price of the same type in the same region:
 *
 *   discount(type) = 1 − plan rate / on-demand price
 *   discount(family) = the smallest discount(type) over the family's types with both prices
 *
 * The commitments file states one discount per family; AWS rates each type, and the sizes of a
 * family differ by a fraction of a percent. Taking the smallest never overstates what the plan
 * saves, so a plan is never drawn below what a job really consumes of it. Rounded down to 0.01 %
 * for the same reason. Families whose rate is not below the on-demand price are left out.
 */

export interface TypeRate {
  readonly instanceType: string;
  readonly usdPerHour: number;
}

/** Discounts are stated to 0.01 %. */
const STEP = 1e4;
/** Keeps a discount that is exactly on a step (0.3) from flooring to the one below (0.2999). */
const FLOAT_SLACK = 1e-9;

export const savingsPlanDiscounts = (
  planRates: readonly TypeRate[],
  onDemand: readonly TypeRate[],
): Record<string, number> => {
  const listPrice = new Map(onDemand.map((p) => [p.instanceType, p.usdPerHour]));
  const byFamily = new Map<string, number>();
  for (const { instanceType, usdPerHour } of planRates) {
    const list = listPrice.get(instanceType);
    if (list === undefined || !(list > 0) || !(usdPerHour >= 0)) continue;
    const discount = Math.floor((1 - usdPerHour / list) * STEP + FLOAT_SLACK) / STEP;
    const family = instanceFamilyOf(instanceType);
    const seen = byFamily.get(family);
    if (seen === undefined || discount < seen) byFamily.set(family, discount);
  }
  return Object.fromEntries(
    [...byFamily]
      .filter(([, discount]) => discount > 0 && discount < 1)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
};
