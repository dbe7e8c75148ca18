import { Readable } from 'node:stream';
import { SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { describe, expect, it } from 'vitest';
import { readSavingsPlans } from '../../lambdas/adapters/savings-plans.js';
import { readAwsFixture } from '../fixtures/aws/recorded-client.js';

/**
 * The recorded Savings Plans responses through the real SDK client: its serializer and its
 * REST-JSON deserializer, with only the HTTP transport replaced. The fixtures' members are the
 * wire members (the protocol keeps their names), so this checks the adapter reads the fields
 * the service really sends, not just the ones the recordings happen to carry.
 */

const REGION = 'us-east-1';
const COMPUTE_PLAN = '3f1c9a2e-6b4d-4e8f-a1c7-5d2e9b0f4a63';

interface SentRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** A body as the service sends it: the fixture without the SDK's `$metadata`. */
const wireBody = (path: string): string => {
  const { $metadata: _, ...body } = readAwsFixture<Record<string, unknown>>(path);
  return JSON.stringify(body);
};

const clientReplaying = (answer: (request: SentRequest) => string, sent: SentRequest[]) =>
  new SavingsplansClient({
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { path: string; body?: unknown }) => {
        // The client hands the JSON body over as bytes.
        const text = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : '{}';
        const parsed = { path: request.path, body: JSON.parse(text) as Record<string, unknown> };
        sent.push(parsed);
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: Readable.from([Buffer.from(answer(parsed))]),
          },
        };
      },
    },
  });

describe('readSavingsPlans through the Savings Plans client', () => {
  it('sends the documented operations and reads the plans and rates off the wire', async () => {
    const sent: SentRequest[] = [];
    const plansPages = [
      wireBody('savingsplans/describe-savings-plans-page-1.json'),
      wireBody('savingsplans/describe-savings-plans-page-2.json'),
    ];
    const ratePages: Record<string, string[]> = {
      [COMPUTE_PLAN]: [
        wireBody('savingsplans/describe-savings-plan-rates-compute-page-1.json'),
        wireBody('savingsplans/describe-savings-plan-rates-compute-page-2.json'),
      ],
      '8b2e5d70-1c9f-4a36-8e4b-7a0d3f6c2e91': [
        wireBody('savingsplans/describe-savings-plan-rates-ec2-instance-p5.json'),
      ],
    };
    const client = clientReplaying((request) => {
      const page =
        request.path === '/DescribeSavingsPlans'
          ? plansPages.shift()
          : ratePages[String(request.body.savingsPlanId)]?.shift();
      if (page === undefined) throw new Error(`no recorded answer for ${request.path}`);
      return page;
    }, sent);
    const read = await readSavingsPlans(client, {
      region: REGION,
      now: new Date('2026-11-26T21:15:00Z'),
      onDemandPrices: async () => [
        { instanceType: 'g5.xlarge', region: REGION, priceUsdPerHour: 1.006, effectiveDate: '', sku: '' },
        { instanceType: 'p5.48xlarge', region: REGION, priceUsdPerHour: 55.04, effectiveDate: '', sku: '' },
      ],
    });
    expect(sent.map((r) => r.path)).toEqual([
      '/DescribeSavingsPlans',
      '/DescribeSavingsPlans',
      '/DescribeSavingsPlanRates',
      '/DescribeSavingsPlanRates',
      '/DescribeSavingsPlanRates',
    ]);
    expect(sent[1]?.body).toEqual({ states: ['active'], nextToken: 'eyJ2IjoiMSIsInNwIjoiOGIyZTVkNzAifQ==' });
    expect(sent[2]?.body).toEqual({
      savingsPlanId: COMPUTE_PLAN,
      filters: [
        { name: 'region', values: ['us-east-1'] },
        { name: 'productType', values: ['EC2'] },
      ],
    });
    expect(read.commitments.map((c) => [c.id, c.kind === 'savings-plan' ? c.discounts : null])).toEqual([
      [COMPUTE_PLAN, { g5: 0.35, p5: 0.35 }],
      ['8b2e5d70-1c9f-4a36-8e4b-7a0d3f6c2e91', { p5: 0.48 }],
    ]);
    expect(read.commitments[0]).toMatchObject({ hourlyCommitmentUsd: 2.5, end: '2028-12-31T23:59:59.000Z' });
    expect(read.skipped).toEqual([]);
  });
});
