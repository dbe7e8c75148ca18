import { describe, expect, it } from 'vitest';
import { amortisedHourlyUsd } from '../../lambdas/core/commitments/reserved-instance-rate.js';

const YEAR = 31_536_000;
const THREE_YEARS = 94_608_000;

describe('amortisedHourlyUsd', () => {
  it('spreads an All Upfront price over the hours of the term', () => {
    // 115,408.76 USD over 8,760 h.
    expect(
      amortisedHourlyUsd({
        fixedPriceUsd: 115_408.76,
        durationSeconds: YEAR,
        usagePriceUsdPerHour: 0,
        recurringHourlyUsd: [0],
      }),
    ).toBe(13.174516);
  });

  it('adds the hourly recurring charge to the upfront share of a Partial Upfront RI', () => {
    // 37,265.04 USD over 26,280 h is 1.418 USD/h, plus 1.418 USD/h recurring.
    expect(
      amortisedHourlyUsd({
        fixedPriceUsd: 37_265.04,
        durationSeconds: THREE_YEARS,
        usagePriceUsdPerHour: 0,
        recurringHourlyUsd: [1.418],
      }),
    ).toBe(2.836);
  });

  it('is the recurring charge alone for No Upfront, and counts an old-style usage price', () => {
    const noUpfront = { fixedPriceUsd: 0, durationSeconds: YEAR, usagePriceUsdPerHour: 0 };
    expect(amortisedHourlyUsd({ ...noUpfront, recurringHourlyUsd: [0.5069] })).toBe(0.5069);
    expect(
      amortisedHourlyUsd({ ...noUpfront, usagePriceUsdPerHour: 0.12, recurringHourlyUsd: [0.3, 0.05] }),
    ).toBe(0.47);
  });

  it('refuses a term that is not positive and negative prices', () => {
    const base = {
      fixedPriceUsd: 100,
      durationSeconds: YEAR,
      usagePriceUsdPerHour: 0,
      recurringHourlyUsd: [],
    };
    expect(() => amortisedHourlyUsd({ ...base, durationSeconds: 0 })).toThrow(
      /duration must be positive, got 0/,
    );
    expect(() => amortisedHourlyUsd({ ...base, fixedPriceUsd: -1 })).toThrow(
      /prices must be 0 or more, got -1/,
    );
  });
});
