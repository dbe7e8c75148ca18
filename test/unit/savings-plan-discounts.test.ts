import { describe, expect, it } from 'vitest';
import { savingsPlanDiscounts } from '../../lambdas/core/commitments/savings-plan-discounts.js';

const rate = (instanceType: string, usdPerHour: number) => ({ instanceType, usdPerHour });
const ON_DEMAND = [
  rate('g5.xlarge', 1.006),
  rate('g5.12xlarge', 5.672),
  rate('g6.xlarge', 0.8048),
  rate('p5.48xlarge', 55.04),
];

describe('savingsPlanDiscounts', () => {
  it('is 1 − plan rate / on-demand price per family, exact on a step', () => {
    expect(savingsPlanDiscounts([rate('g5.xlarge', 0.6539), rate('p5.48xlarge', 35.776)], ON_DEMAND)).toEqual(
      {
        g5: 0.35,
        p5: 0.35,
      },
    );
  });

  it('rounds down to 0.01 % and keeps the smallest discount of a family', () => {
    // g6.xlarge: 1 − 0.5151 / 0.8048 = 0.35997; g5.12xlarge 0.3 sits below g5.xlarge's 0.35.
    expect(
      savingsPlanDiscounts(
        [rate('g6.xlarge', 0.5151), rate('g5.xlarge', 0.6539), rate('g5.12xlarge', 3.9704)],
        ON_DEMAND,
      ),
    ).toEqual({ g5: 0.3, g6: 0.3599 });
  });

  it('leaves out types without an on-demand price and families with no discount', () => {
    expect(
      savingsPlanDiscounts(
        [rate('g6.12xlarge', 2.945), rate('g6.xlarge', 0.8048), rate('p5.48xlarge', 60)],
        ON_DEMAND,
      ),
    ).toEqual({});
  });
});
