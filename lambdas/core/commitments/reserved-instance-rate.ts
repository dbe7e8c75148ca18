/**
 * What one reserved instance-hour costs the account, from the terms DescribeReservedInstances
 * states. The upfront part is paid once for the whole term, so it is spread evenly over the
 * term's hours; the recurring and usage parts are already per hour:
 *
 *   effective USD/h = fixedPrice / (duration s / 3600) + usagePrice + Σ hourly recurring charges
 *
 * An All Upfront RI has only the first term, a No Upfront one only the last, Partial Upfront both.
 */

export interface ReservedInstanceTerms {
  /** Upfront price of one instance for the whole term, USD (`FixedPrice`). */
  readonly fixedPriceUsd: number;
  /** Length of the term in seconds (`Duration`: 31536000 or 94608000). */
  readonly durationSeconds: number;
  /** Hourly usage price, USD (`UsagePrice`; 0 on current offerings, which bill recurring charges). */
  readonly usagePriceUsdPerHour: number;
  /** The `Hourly` recurring charges, USD each. */
  readonly recurringHourlyUsd: readonly number[];
}

/** Micro-dollars: the resolution accounting draws commitments at (ADR 0015). */
const MICRO = 1e6;

/**
 * The amortised hourly cost of one reserved instance, rounded to the micro-dollar.
 * @throws RangeError for a term that is not positive or a negative price
 */
export const amortisedHourlyUsd = (terms: ReservedInstanceTerms): number => {
  const { fixedPriceUsd, durationSeconds, usagePriceUsdPerHour, recurringHourlyUsd } = terms;
  if (!(durationSeconds > 0)) throw new RangeError(`duration must be positive, got ${durationSeconds}`);
  const parts = [fixedPriceUsd, usagePriceUsdPerHour, ...recurringHourlyUsd];
  const negative = parts.find((p) => !(p >= 0));
  if (negative !== undefined) throw new RangeError(`prices must be 0 or more, got ${negative}`);
  const hours = durationSeconds / 3600;
  const recurring = recurringHourlyUsd.reduce((sum, amount) => sum + amount, 0);
  return Math.round((fixedPriceUsd / hours + usagePriceUsdPerHour + recurring) * MICRO) / MICRO;
};
