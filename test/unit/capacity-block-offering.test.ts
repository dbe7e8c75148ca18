import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCapacityBlockOfferingsText } from '../../lambdas/core/commitments/capacity-block-offering.js';

/** One item as `aws ec2 describe-capacity-block-offerings` prints it. */
const item = {
  CapacityBlockOfferingId: 'cb-0123456789abcdefg',
  InstanceType: 'p5.48xlarge',
  AvailabilityZone: 'us-east-2a',
  InstanceCount: 2,
  StartDate: '2026-11-27T11:30:00+00:00',
  EndDate: '2026-11-29T11:30:00+00:00',
  CapacityBlockDurationHours: 48,
  UpfrontFee: '3011.79',
  CurrencyCode: 'USD',
  Tenancy: 'default',
};
const response = (items: unknown[]) => JSON.stringify({ CapacityBlockOfferings: items });
const issues = (text: string) => {
  const r = parseCapacityBlockOfferingsText(text);
  if (r.ok) throw new Error('expected issues');
  return r.issues.map((i) => `${i.field}: ${i.message}`);
};
const one = (patch: Record<string, unknown>) => issues(response([{ ...item, ...patch }]));

describe('the Capacity Block offerings file', () => {
  it('reads an API response item into the planner units', () => {
    const r = parseCapacityBlockOfferingsText(response([item]));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value).toEqual({
      asOf: null,
      offerings: [
        {
          id: 'cb-0123456789abcdefg',
          instanceType: 'p5.48xlarge',
          availabilityZone: 'us-east-2a',
          region: 'us-east-2',
          instanceCount: 2,
          start: '2026-11-27T11:30:00.000Z',
          end: '2026-11-29T11:30:00.000Z',
          durationHours: 48,
          upfrontFeeUsd: 3011.79,
          tenancy: 'default',
        },
      ],
    });
  });

  it('counts the minutes of a block that does not last whole hours, and the region of a Local Zone', () => {
    const r = parseCapacityBlockOfferingsText(
      response([
        {
          ...item,
          AvailabilityZone: 'us-east-1-bos-1a',
          StartDate: '2026-11-27T04:55:00Z',
          EndDate: '2026-11-27T11:30:00Z',
          CapacityBlockDurationHours: 6,
          CapacityBlockDurationMinutes: 35,
        },
      ]),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.offerings[0]?.durationHours).toBeCloseTo(6 + 35 / 60, 12);
    expect(r.value.offerings[0]?.region).toBe('us-east-1');
  });

  it('reads the example, dated, with its four offerings and fees', () => {
    const r = parseCapacityBlockOfferingsText(readFileSync('examples/capacity-block-offerings.json', 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.asOf).toBe('2026-11-26T12:00:00Z');
    expect(r.value.offerings.map((o) => [o.id, o.instanceType, o.upfrontFeeUsd])).toEqual([
      ['cb-0a1b2c3d4e5f6a7b8', 'p5.48xlarge', 752.95],
      ['cb-0b2c3d4e5f6a7b8c9', 'p5en.48xlarge', 865.89],
      ['cb-0c3d4e5f6a7b8c9d0', 'p5.48xlarge', 3011.79],
      ['cb-0d4e5f6a7b8c9d0e1', 'p4d.24xlarge', 300.38],
    ]);
  });

  it('names each bad field by its path', () => {
    expect(one({ CapacityBlockOfferingId: 'cr-1' })).toEqual([
      'CapacityBlockOfferings[0].CapacityBlockOfferingId: must be an offering id like cb-0123456789abcdefg',
    ]);
    expect(one({ InstanceType: 'p5' })).toEqual([
      'CapacityBlockOfferings[0].InstanceType: must be an EC2 instance type like p5.48xlarge',
    ]);
    expect(one({ AvailabilityZone: 'use2-az1' })).toEqual([
      'CapacityBlockOfferings[0].AvailabilityZone: must be an Availability Zone name like us-east-2a',
    ]);
    expect(one({ InstanceCount: 1.5 })).toEqual([
      'CapacityBlockOfferings[0].InstanceCount: must be a whole number of instances',
    ]);
    expect(one({ InstanceCount: 0 })[0]).toMatch(/^CapacityBlockOfferings\[0\]\.InstanceCount: Too small/);
    expect(one({ StartDate: '2026-11-27 11:30' })).toEqual([
      'CapacityBlockOfferings[0].StartDate: must be an ISO 8601 date-time with Z or an offset',
    ]);
    expect(one({ EndDate: '2026-11-27T11:30:00Z' })).toEqual([
      'CapacityBlockOfferings[0].EndDate: must be after StartDate',
    ]);
    expect(one({ CapacityBlockDurationHours: 24 })).toEqual([
      'CapacityBlockOfferings[0].CapacityBlockDurationHours: must match StartDate to EndDate (48.00 h); got 24.00 h',
    ]);
    expect(one({ CapacityBlockDurationHours: '48' })[0]).toMatch(
      /^CapacityBlockOfferings\[0\]\.CapacityBlockDurationHours: /,
    );
    expect(one({ UpfrontFee: 3011.79 })[0]).toMatch(/^CapacityBlockOfferings\[0\]\.UpfrontFee: /);
    expect(one({ UpfrontFee: '3,011.79' })).toEqual([
      'CapacityBlockOfferings[0].UpfrontFee: must be a decimal amount as a string, like "2000.00"',
    ]);
    expect(one({ UpfrontFee: '0.00' })).toEqual([
      'CapacityBlockOfferings[0].UpfrontFee: must be greater than 0',
    ]);
    expect(one({ CurrencyCode: 'EUR' })).toEqual([
      'CapacityBlockOfferings[0].CurrencyCode: must be USD (plans are priced in USD)',
    ]);
    expect(one({ Tenancy: 'host' })).toEqual([
      'CapacityBlockOfferings[0].Tenancy: must be default or dedicated',
    ]);
    expect(one({ Colour: 'red' })).toEqual(['CapacityBlockOfferings[0].Colour: unknown field: Colour']);
  });

  it('names a missing field, a duplicate id and a file that is not JSON', () => {
    const { UpfrontFee: _fee, ...noFee } = item;
    expect(issues(response([noFee]))[0]).toMatch(/^CapacityBlockOfferings\[0\]\.UpfrontFee: /);
    expect(issues(response([item, item]))).toEqual([
      'CapacityBlockOfferings[1].CapacityBlockOfferingId: duplicate offering id cb-0123456789abcdefg (first at CapacityBlockOfferings[0])',
    ]);
    expect(issues(JSON.stringify({ offerings: [] }))).toEqual(
      expect.arrayContaining(['offerings: unknown field: offerings']),
    );
    expect(issues('{"CapacityBlockOfferings": [')[0]).toMatch(/^\(body\): /);
    // A key given twice would let one reader see another fee than the next: refused where it is.
    expect(issues('{"CapacityBlockOfferings":[{"UpfrontFee":"1","UpfrontFee":"2"}]}')).toEqual([
      'CapacityBlockOfferings.0.UpfrontFee: duplicate key "UpfrontFee" at character 46',
    ]);
  });
});
