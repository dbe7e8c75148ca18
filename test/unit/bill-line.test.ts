import { describe, expect, it } from 'vitest';
import {
  BillInputError,
  billFormatOf,
  billLineOf,
  billTag,
  normalTagKey,
} from '../../lambdas/core/accounting/bill-line.js';

const cur = (over: Record<string, unknown> = {}) => ({
  line_item_line_item_type: 'Usage',
  line_item_product_code: 'AmazonEC2',
  line_item_usage_type: 'USE1-BoxUsage:p5.48xlarge',
  line_item_resource_id: 'i-0123456789abcdef0',
  line_item_usage_start_date: '2026-11-03T14:00:00.000Z',
  line_item_usage_end_date: '2026-11-03T15:00:00.000Z',
  line_item_usage_amount: '0.5',
  line_item_unblended_cost: '27.52',
  pricing_term: 'OnDemand',
  resource_tags: '{"user_quartermaster:team":"nlp"}',
  ...over,
});

const focus = (over: Record<string, unknown> = {}) => ({
  ChargeCategory: 'Usage',
  x_ServiceCode: 'AmazonEC2',
  x_UsageType: 'USW2-SpotUsage:g6.xlarge',
  ResourceId: 'arn:aws:ec2:us-west-2:123456789012:instance/i-0abcdef0123456789',
  ChargePeriodStart: '2026-11-03T14:00:00Z',
  ChargePeriodEnd: '2026-11-03T15:00:00Z',
  ConsumedQuantity: 1,
  EffectiveCost: 0.35,
  PricingCategory: 'Dynamic',
  ListUnitPrice: 0.8048,
  ...over,
});

describe('billFormatOf', () => {
  it('tells CUR 2.0 from FOCUS 1.2 by their columns', () => {
    expect(billFormatOf(Object.keys(cur()), 'b.csv')).toBe('cur2');
    expect(billFormatOf([...Object.keys(focus()), 'ChargeClass'], 'b.csv')).toBe('focus12');
  });

  it('names the header and the missing columns', () => {
    expect(() => billFormatOf(['a', 'b'], 'b.csv')).toThrow(
      /b\.csv:1: \(header\): not a CUR 2\.0 or FOCUS 1\.2 export/,
    );
    const columns = Object.keys(cur()).filter((c) => c !== 'line_item_unblended_cost');
    expect(() => billFormatOf(columns, 'b.csv')).toThrow(
      'b.csv:1: line_item_unblended_cost: missing column line_item_unblended_cost of the CUR 2.0 export',
    );
  });
});

describe('billLineOf (CUR 2.0)', () => {
  it('reads an on-demand instance-hour', () => {
    const line = billLineOf('cur2', cur(), 7, 'b.csv');
    expect(line).toMatchObject({
      line: 7,
      instanceId: 'i-0123456789abcdef0',
      startMs: Date.parse('2026-11-03T14:00:00Z'),
      endMs: Date.parse('2026-11-03T15:00:00Z'),
      hours: 0.5,
      costMicros: 27_520_000,
      rateUsdPerHour: 55.04,
      pricing: 'on-demand',
      instanceType: 'p5.48xlarge',
      tags: { 'user_quartermaster:team': 'nlp' },
    });
  });

  it('prices spot by pricing_term or usage type, Savings Plans and reservations by their effective cost', () => {
    expect(
      billLineOf(
        'cur2',
        cur({ pricing_term: 'Spot', line_item_usage_type: 'USE1-SpotUsage:p5.48xlarge' }),
        2,
        'b',
      )?.pricing,
    ).toBe('spot');
    const sp = billLineOf(
      'cur2',
      cur({
        line_item_line_item_type: 'SavingsPlanCoveredUsage',
        savings_plan_savings_plan_effective_cost: '19.81',
        savings_plan_savings_plan_a_r_n: 'arn:aws:savingsplans::111122223333:savingsplan/x',
      }),
      2,
      'b',
    );
    expect(sp).toMatchObject({
      pricing: 'savings-plan',
      costMicros: 19_810_000,
      commitmentId: 'arn:aws:savingsplans::111122223333:savingsplan/x',
    });
    const ri = billLineOf(
      'cur2',
      cur({
        line_item_line_item_type: 'DiscountedUsage',
        reservation_effective_cost: 16.5,
        reservation_reservation_a_r_n: 'arn:aws:ec2:us-east-1:1:reserved-instances/y',
      }),
      2,
      'b',
    );
    expect(ri).toMatchObject({ pricing: 'reserved-instance', costMicros: 16_500_000 });
  });

  it('skips rows that are not EC2 instance usage', () => {
    for (const over of [
      { line_item_line_item_type: 'SavingsPlanNegation' },
      { line_item_line_item_type: 'Tax' },
      { line_item_product_code: 'AmazonS3' },
      { line_item_usage_type: 'USE1-EBS:VolumeUsage.gp3', line_item_resource_id: 'vol-0a1b2c3d4e5f60718' },
      { line_item_resource_id: 'vol-0a1b2c3d4e5f60718' },
    ])
      expect(billLineOf('cur2', cur(over), 3, 'b')).toBeUndefined();
  });

  it('reads Parquet values: dates, numbers and a tag map', () => {
    const line = billLineOf(
      'cur2',
      cur({
        line_item_usage_start_date: new Date('2026-11-03T14:00:00Z'),
        line_item_usage_end_date: new Date('2026-11-03T15:00:00Z'),
        line_item_usage_amount: 1,
        line_item_unblended_cost: 55.04,
        resource_tags: { user_team: 'nlp' },
      }),
      4,
      'b.parquet',
    );
    expect(line).toMatchObject({ hours: 1, costMicros: 55_040_000, tags: { user_team: 'nlp' } });
  });

  it('names the line and column of a value it cannot read', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { line_item_unblended_cost: 'twelve' },
        /^b\.csv:9: line_item_unblended_cost: must be a number; got "twelve"$/,
      ],
      [
        { line_item_usage_start_date: '03/11/2026 14:00' },
        /^b\.csv:9: line_item_usage_start_date: must be an ISO 8601 date-time/,
      ],
      [{ line_item_usage_amount: '' }, /^b\.csv:9: line_item_usage_amount: is empty; expected a number$/],
      [
        { line_item_usage_end_date: '2026-11-04T14:00:00Z' },
        /line_item_usage_end_date: the line covers 24\.0 h: reconciliation needs an hourly export/,
      ],
      [
        { line_item_usage_end_date: '2026-11-03T13:00:00Z' },
        /line_item_usage_end_date: ends at or before the usage start/,
      ],
    ];
    for (const [over, message] of cases) {
      const read = () => billLineOf('cur2', cur(over), 9, 'b.csv');
      expect(read).toThrow(BillInputError);
      expect(read).toThrow(message);
    }
  });
});

describe('billLineOf tags', () => {
  it('reads tags when asked for, naming the line and column of a tag column that is not a map', () => {
    const line = billLineOf('cur2', cur({ resource_tags: '{"a":' }), 9, 'b.csv');
    expect(line?.instanceId).toBe('i-0123456789abcdef0');
    expect(() => line?.tags).toThrow(
      /^b\.csv:9: resource_tags: must be a JSON object of tag keys and values/,
    );
    expect(() => billLineOf('cur2', cur({ resource_tags: '["x"]' }), 9, 'b.csv')?.tags).toThrow(
      'b.csv:9: resource_tags: must be a map of tag keys to values',
    );
  });
});

describe('billLineOf (FOCUS 1.2)', () => {
  it('reads a spot hour of an instance ARN', () => {
    expect(billLineOf('focus12', focus(), 5, 'f.csv')).toMatchObject({
      instanceId: 'i-0abcdef0123456789',
      pricing: 'spot',
      costMicros: 350_000,
      onDemandRateUsdPerHour: 0.8048,
      instanceType: 'g6.xlarge',
    });
  });

  it('tells Savings Plans from reservations by the commitment', () => {
    const committed = { PricingCategory: 'Committed', x_UsageType: 'USW2-BoxUsage:g6.xlarge' };
    expect(
      billLineOf(
        'focus12',
        focus({ ...committed, CommitmentDiscountId: 'arn:aws:savingsplans::1:savingsplan/a' }),
        5,
        'f',
      )?.pricing,
    ).toBe('savings-plan');
    expect(
      billLineOf(
        'focus12',
        focus({ ...committed, CommitmentDiscountId: 'arn:aws:ec2:us-west-2:1:reserved-instances/b' }),
        5,
        'f',
      )?.pricing,
    ).toBe('reserved-instance');
  });

  it('skips purchases, taxes, corrections and other services', () => {
    for (const over of [
      { ChargeCategory: 'Purchase' },
      { ChargeCategory: 'Tax' },
      { ChargeClass: 'Correction' },
      { x_ServiceCode: 'AmazonS3' },
      { x_UsageType: 'USW2-EBS:VolumeUsage.gp3' },
    ])
      expect(billLineOf('focus12', focus(over), 5, 'f')).toBeUndefined();
  });
});

describe('tag keys', () => {
  it('match across the user_ prefix and AWS-safe spellings', () => {
    expect(normalTagKey('user_quartermaster_managed_by')).toBe(normalTagKey('quartermaster:managed-by'));
    expect(billTag({ 'user_quartermaster:team': 'nlp' }, 'quartermaster:team')).toBe('nlp');
    expect(billTag({ 'quartermaster:team': 'cv' }, 'quartermaster:team')).toBe('cv');
    expect(billTag({ team: 'cv' }, 'quartermaster:team')).toBeUndefined();
  });
});
