import { describe, expect, it } from 'vitest';
import { parsePriceList } from '../../lambdas/adapters/pricing-parser.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import type { InstanceTypeSpec, SpotPriceObservation } from '../../lambdas/core/cloud-ports.js';
import { refreshPriceBook } from '../../lambdas/core/pricing/price-refresh.js';
import { readAwsFixture } from '../fixtures/aws/recorded-client.js';

/**
 * The refresh on recorded AWS answers against the real bundled book: a read of six types is far
 * from the bundled coverage of us-east-1, so it must not replace it; where both price an offer,
 * they agree.
 */

const page = (name: string) => readAwsFixture<{ PriceList: string[] }>(`pricing/${name}`).PriceList;
const onDemand = parsePriceList(
  [...page('get-products-us-east-1-page-1.json'), ...page('get-products-us-east-1-page-2.json')],
  'us-east-1',
).prices;

const spotPage = (name: string) =>
  readAwsFixture<{
    SpotPriceHistory: {
      InstanceType: string;
      AvailabilityZone: string;
      SpotPrice: string;
      Timestamp: Date;
    }[];
  }>(`ec2/${name}`).SpotPriceHistory;
const spot: SpotPriceObservation[] = [
  ...spotPage('describe-spot-price-history-page-1.json'),
  ...spotPage('describe-spot-price-history-page-2.json'),
].map((e) => ({
  instanceType: e.InstanceType,
  region: 'us-east-1',
  availabilityZone: e.AvailabilityZone,
  priceUsdPerHour: Number(e.SpotPrice),
  timestamp: e.Timestamp.toISOString(),
}));

/** DescribeInstanceTypes answers for the six types, as moto (AWS's own data) reports them. */
const gpu = (
  instanceType: string,
  name: string,
  count: number,
  gib: number,
  vcpus: number,
  memoryGiB: number,
  efa: number,
) =>
  ({
    instanceType,
    acceleratorKind: 'gpu',
    acceleratorName: name,
    acceleratorManufacturer: 'NVIDIA',
    acceleratorCount: count,
    acceleratorMemoryGiB: gib,
    vcpus,
    memoryGiB,
    efaInterfaces: efa,
  }) satisfies InstanceTypeSpec;
const specs: InstanceTypeSpec[] = [
  gpu('p5.48xlarge', 'H100', 8, 80, 192, 2048, 32),
  gpu('p4d.24xlarge', 'A100', 8, 40, 96, 1152, 4),
  gpu('g5.xlarge', 'A10G', 1, 22888 / 1024, 4, 16, 0),
  gpu('g6.xlarge', 'L4', 1, 22888 / 1024, 4, 16, 0),
  {
    ...gpu('inf2.xlarge', 'Inferentia2', 1, 32, 4, 16, 0),
    acceleratorKind: 'neuron',
    acceleratorManufacturer: 'AWS',
  },
  {
    ...gpu('trn1.32xlarge', 'Trainium', 16, 32, 128, 512, 8),
    acceleratorKind: 'neuron',
    acceleratorManufacturer: 'AWS',
  },
];

const fallback = loadStaticPriceBook();
const fetched = { onDemand, spot, specs };

describe('refreshPriceBook on recorded AWS answers and the bundled book', () => {
  it('keeps the bundled book: six types cover a small share of its us-east-1 offers', () => {
    const result = refreshPriceBook({
      previous: undefined,
      fallback,
      fetched,
      regions: ['us-east-1'],
      asOf: '2026-11-26T21:00:00Z',
    });
    expect(result).toMatchObject({ outcome: 'kept', rule: 'coverage', book: fallback });
    expect(result.outcome === 'kept' && result.reason).toMatch(
      /covers \d+ of \d+ offer keys of book static-/,
    );
  });

  it('agrees with the bundled book on every on-demand price both hold', () => {
    const result = refreshPriceBook({
      previous: undefined,
      fallback,
      fetched,
      regions: ['us-east-1'],
      asOf: '2026-11-26T21:00:00Z',
      minCoverage: 0.01,
    });
    if (result.outcome !== 'updated') throw new Error(`expected an update, got ${result.rule}`);
    const live = result.book.offers.filter((o) => o.purchaseOption === 'on-demand');
    expect(live.map((o) => o.instanceType).sort()).toEqual([
      'g5.xlarge',
      'g6.xlarge',
      'inf2.xlarge',
      'p4d.24xlarge',
      'p5.48xlarge',
      'trn1.32xlarge',
    ]);
    for (const offer of live) {
      const bundled = fallback.offers.find((o) => o.id === offer.id);
      expect(bundled?.priceUsdPerHour, offer.id).toBe(offer.priceUsdPerHour);
      expect(bundled?.gpuModel, offer.id).toBe(offer.gpuModel);
    }
    expect(result.book.offers.filter((o) => o.purchaseOption === 'spot')).toHaveLength(5);
  });
});
