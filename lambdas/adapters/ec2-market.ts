import {
  DescribeInstanceTypesCommand,
  type DescribeInstanceTypesCommandOutput,
  DescribeSpotPriceHistoryCommand,
  type DescribeSpotPriceHistoryCommandOutput,
  GetSpotPlacementScoresCommand,
  type GetSpotPlacementScoresCommandOutput,
  type InstanceTypeInfo,
} from '@aws-sdk/client-ec2';
import {
  GetProductsCommand,
  type GetProductsCommandOutput,
  type PricingClient,
} from '@aws-sdk/client-pricing';
import {
  CloudApiError,
  type InstanceTypeSpec,
  type Market,
  MIN_PLACEMENT_SCORE_TYPES,
  type OnDemandPriceObservation,
  PlacementScoresUnavailableError,
  type QuotaLimit,
  type SpotPlacementScore,
  type SpotPriceObservation,
} from '../core/cloud-ports.js';
import type { Commitment } from '../core/commitments/commitment.js';
import type { Clock } from '../core/ports.js';
import { errorCodeOf, isNotAllowed } from './aws-not-allowed.js';
import { readCapacityReservations } from './capacity-reservations.js';
import type { CommitmentRead, SkippedCommitment } from './commitment-read.js';
import type { Ec2Sender } from './ec2-fleet.js';
import { PRICE_FILTERS, type PriceListParse, parsePriceList } from './pricing-parser.js';
import { readReservedInstances } from './reserved-instances.js';
import type { SavingsPlansReader } from './savings-plans.js';
import type { ServiceQuotas } from './service-quotas.js';

/** The part of the Pricing client used here. */
export type PricingSender = Pick<PricingClient, 'send'>;

/** The regions that serve the Price List Query API; prices of every region are read from one. */
export const PRICING_API_REGIONS = ['us-east-1', 'ap-south-1', 'eu-central-1'] as const;

export interface Ec2MarketOptions {
  /** An EC2 client per region (specs and spot prices are regional). */
  readonly ec2For: (region: string) => Ec2Sender;
  /** A client in one of {@link PRICING_API_REGIONS}. */
  readonly pricing: PricingSender;
  readonly quotas: ServiceQuotas;
  /** "Now" for DescribeSpotPriceHistory's StartTime. */
  readonly clock: Clock;
  /** Called with what the price list parse left out, so a refresh can log it. */
  readonly onPriceListSkipped?: (region: string, skipped: PriceListParse['skipped']) => void;
  /** Reads Savings Plans (`savingsPlansReader(client)`); without it `commitments` reads none. */
  readonly savingsPlans?: SavingsPlansReader;
  /** Called with the commitments `commitments` found but could not use, and why. */
  readonly onCommitmentsSkipped?: (region: string, skipped: readonly SkippedCommitment[]) => void;
}

/** The order of the commitments file: discounts first, then capacity. */
const KIND_ORDER: readonly Commitment['kind'][] = [
  'savings-plan',
  'reserved-instance',
  'capacity-reservation',
  'capacity-block',
];

/** DescribeSpotPriceHistory takes a list of types; this keeps each request small. */
const SPOT_TYPES_PER_CALL = 100;
const GIB = 1024;

const errorName = errorCodeOf;

/**
 * What an instance type's accelerators are, from DescribeInstanceTypes; `undefined` for types
 * without GPUs or ML accelerators. Neuron comes first: Inferentia2 is listed under both
 * NeuronInfo and InferenceAcceleratorInfo.
 */
export const acceleratorSpecOf = (info: InstanceTypeInfo): InstanceTypeSpec | undefined => {
  const instanceType = info.InstanceType;
  const vcpus = info.VCpuInfo?.DefaultVCpus;
  const memoryMiB = info.MemoryInfo?.SizeInMiB;
  if (instanceType === undefined || vcpus === undefined || memoryMiB === undefined) return undefined;
  const base = {
    instanceType,
    vcpus,
    memoryGiB: memoryMiB / GIB,
    efaInterfaces: info.NetworkInfo?.EfaSupported ? (info.NetworkInfo.EfaInfo?.MaximumEfaInterfaces ?? 1) : 0,
  };
  const neuron = info.NeuronInfo?.NeuronDevices?.[0];
  if (neuron?.Name !== undefined) {
    const count = (info.NeuronInfo?.NeuronDevices ?? []).reduce((n, d) => n + (d.Count ?? 0), 0);
    const mib = neuron.MemoryInfo?.SizeInMiB;
    return {
      ...base,
      acceleratorKind: 'neuron',
      acceleratorName: neuron.Name,
      acceleratorManufacturer: 'AWS',
      acceleratorCount: count,
      acceleratorMemoryGiB: mib === undefined ? null : mib / GIB,
    };
  }
  const gpu = info.GpuInfo?.Gpus?.[0];
  if (gpu?.Name !== undefined) {
    // A fractional GPU (g6f) reports Count 0 and one logical GPU with a partition size below 1.
    const count = (info.GpuInfo?.Gpus ?? []).reduce(
      (n, g) =>
        n +
        ((g.GpuPartitionSize ?? 1) < 1
          ? (g.LogicalGpuCount ?? 1) * (g.GpuPartitionSize ?? 1)
          : (g.Count ?? 0)),
      0,
    );
    const mib = gpu.MemoryInfo?.SizeInMiB;
    return {
      ...base,
      acceleratorKind: 'gpu',
      acceleratorName: gpu.Name,
      acceleratorManufacturer: gpu.Manufacturer ?? '',
      acceleratorCount: count,
      acceleratorMemoryGiB: mib === undefined ? null : mib / GIB,
    };
  }
  const other = info.InferenceAcceleratorInfo?.Accelerators?.[0];
  if (other?.Name !== undefined) {
    const count = (info.InferenceAcceleratorInfo?.Accelerators ?? []).reduce((n, a) => n + (a.Count ?? 0), 0);
    const mib = other.MemoryInfo?.SizeInMiB;
    return {
      ...base,
      acceleratorKind: /inferentia/i.test(other.Name) ? 'neuron' : 'other',
      acceleratorName: other.Name,
      acceleratorManufacturer: other.Manufacturer ?? '',
      acceleratorCount: count,
      acceleratorMemoryGiB: mib === undefined ? null : mib / GIB,
    };
  }
  return undefined;
};

/**
 * The `Market` port on AWS: EC2 for specs and spot prices, the Price List Query API for on-demand
 * prices, Service Quotas for vCPU limits. Every method pages to the end; none caches (the
 * price refresh decides what to keep).
 */
export class Ec2Market implements Market {
  private readonly options: Ec2MarketOptions;

  constructor(options: Ec2MarketOptions) {
    this.options = options;
  }

  async describeGpuInstanceTypes(region: string): Promise<readonly InstanceTypeSpec[]> {
    const client = this.options.ec2For(region);
    const specs: InstanceTypeSpec[] = [];
    let token: string | undefined;
    do {
      let output: DescribeInstanceTypesCommandOutput;
      try {
        output = await client.send(
          new DescribeInstanceTypesCommand({
            MaxResults: 100,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
      } catch (err) {
        throw new CloudApiError('DescribeInstanceTypes', region, errorName(err), 'accelerated types', {
          cause: err,
        });
      }
      for (const info of output.InstanceTypes ?? []) {
        const spec = acceleratorSpecOf(info);
        if (spec !== undefined) specs.push(spec);
      }
      token = output.NextToken;
    } while (token !== undefined && token !== '');
    return specs.sort((a, b) => (a.instanceType < b.instanceType ? -1 : 1));
  }

  async spotPrices(
    region: string,
    instanceTypes: readonly string[],
  ): Promise<readonly SpotPriceObservation[]> {
    const client = this.options.ec2For(region);
    const startTime = this.options.clock.now();
    const latest = new Map<string, SpotPriceObservation>();
    const types = [...new Set(instanceTypes)].sort();
    for (let start = 0; start < types.length; start += SPOT_TYPES_PER_CALL) {
      const chunk = types.slice(start, start + SPOT_TYPES_PER_CALL);
      let token: string | undefined;
      do {
        let output: DescribeSpotPriceHistoryCommandOutput;
        try {
          output = await client.send(
            new DescribeSpotPriceHistoryCommand({
              InstanceTypes: chunk as DescribeSpotPriceHistoryCommand['input']['InstanceTypes'],
              ProductDescriptions: ['Linux/UNIX'],
              // With StartTime = now, EC2 returns the price in effect now in each AZ.
              StartTime: startTime,
              MaxResults: 1000,
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          );
        } catch (err) {
          throw new CloudApiError(
            'DescribeSpotPriceHistory',
            region,
            errorName(err),
            `${chunk.length} types`,
            {
              cause: err,
            },
          );
        }
        for (const entry of output.SpotPriceHistory ?? []) {
          const price = Number(entry.SpotPrice);
          // Zone ids are the identifier everywhere (plans, ledger); names differ per account.
          const { InstanceType: type, Timestamp: at } = entry;
          const zone = entry.AvailabilityZoneId ?? entry.AvailabilityZone;
          if (type === undefined || zone === undefined || at === undefined || !(price > 0)) continue;
          const key = `${type}|${zone}`;
          const timestamp = at.toISOString();
          const seen = latest.get(key);
          if (seen === undefined || seen.timestamp < timestamp) {
            latest.set(key, {
              instanceType: type,
              region,
              availabilityZone: zone,
              priceUsdPerHour: price,
              timestamp,
            });
          }
        }
        token = output.NextToken;
      } while (token !== undefined && token !== '');
    }
    return [...latest.values()].sort((a, b) =>
      a.instanceType === b.instanceType
        ? a.availabilityZone < b.availabilityZone
          ? -1
          : 1
        : a.instanceType < b.instanceType
          ? -1
          : 1,
    );
  }

  async onDemandPrices(region: string): Promise<readonly OnDemandPriceObservation[]> {
    const items: unknown[] = [];
    let token: string | undefined;
    do {
      let output: GetProductsCommandOutput;
      try {
        output = await this.options.pricing.send(
          new GetProductsCommand({
            ServiceCode: 'AmazonEC2',
            FormatVersion: 'aws_v1',
            Filters: [
              { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
              ...Object.entries(PRICE_FILTERS).map(([Field, Value]) => ({
                Type: 'TERM_MATCH' as const,
                Field,
                Value,
              })),
            ],
            MaxResults: 100,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
      } catch (err) {
        throw new CloudApiError('GetProducts', region, errorName(err), 'AmazonEC2 on-demand prices', {
          cause: err,
        });
      }
      const page = output.PriceList;
      if (Array.isArray(page)) items.push(...page);
      token = output.NextToken;
    } while (token !== undefined && token !== '');
    const parsed = parsePriceList(items, region);
    this.options.onPriceListSkipped?.(region, parsed.skipped);
    return parsed.prices;
  }

  quotas(region: string): Promise<readonly QuotaLimit[]> {
    return this.options.quotas.acceleratorQuotas(region);
  }

  /**
   * GetSpotPlacementScores for one instance of any of the types, per zone of the region
   * (`SingleAvailabilityZone`): how likely a single-zone spot request is to succeed there now.
   * Zones come back as ids, the identifier used everywhere else. Pages to the end.
   */
  async spotPlacementScores(
    region: string,
    instanceTypes: readonly string[],
  ): Promise<readonly SpotPlacementScore[]> {
    const types = [...new Set(instanceTypes)].sort();
    if (types.length < MIN_PLACEMENT_SCORE_TYPES)
      throw new TypeError(
        `spotPlacementScores: ${types.length} instance types given; EC2 needs at least ${MIN_PLACEMENT_SCORE_TYPES}`,
      );
    const client = this.options.ec2For(region);
    const scores: SpotPlacementScore[] = [];
    let token: string | undefined;
    do {
      let output: GetSpotPlacementScoresCommandOutput;
      try {
        output = await client.send(
          new GetSpotPlacementScoresCommand({
            InstanceTypes: types,
            TargetCapacity: 1,
            TargetCapacityUnitType: 'units',
            SingleAvailabilityZone: true,
            RegionNames: [region],
            MaxResults: 10,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
      } catch (err) {
        const code = errorName(err);
        if (isNotAllowed(err))
          throw new PlacementScoresUnavailableError(region, code, `${types.length} types`, { cause: err });
        throw new CloudApiError('GetSpotPlacementScores', region, code, `${types.length} types`, {
          cause: err,
        });
      }
      for (const entry of output.SpotPlacementScores ?? []) {
        const { AvailabilityZoneId: zone, Score: score } = entry;
        // Only this region's zones were asked for; a region-level answer has no zone to rank.
        if (zone === undefined || score === undefined || (entry.Region ?? region) !== region) continue;
        scores.push({ region, availabilityZone: zone, instanceTypes: types, score });
      }
      token = output.NextToken;
    } while (token !== undefined && token !== '');
    return scores.sort((a, b) => (a.availabilityZone < b.availabilityZone ? -1 : 1));
  }

  /**
   * The region's active Reserved Instances (DescribeReservedInstances) and capacity reservations
   * and Capacity Blocks (DescribeCapacityReservations), and, with a Savings Plans reader, the
   * account's active Savings Plans that apply in the region (DescribeSavingsPlans, with discounts
   * from DescribeSavingsPlanRates against `onDemandPrices`). What cannot be used is reported to
   * `onCommitmentsSkipped`, not returned.
   * @throws CommitmentsUnavailableError when the account may not call one of the APIs
   * @throws CloudApiError for any other failed call
   */
  async commitments(region: string, now?: string): Promise<readonly Commitment[]> {
    const at = now === undefined ? this.options.clock.now() : new Date(now);
    if (Number.isNaN(at.getTime()))
      throw new TypeError(`commitments: now ${JSON.stringify(now)} is not an instant`);
    const client = this.options.ec2For(region);
    const reads: CommitmentRead[] = [
      await readReservedInstances(client, region, at),
      await readCapacityReservations(client, region, at),
    ];
    const readPlans = this.options.savingsPlans;
    if (readPlans !== undefined)
      reads.push(await readPlans({ region, now: at, onDemandPrices: () => this.onDemandPrices(region) }));
    const skipped = reads.flatMap((r) => r.skipped);
    if (skipped.length > 0) this.options.onCommitmentsSkipped?.(region, skipped);
    return reads
      .flatMap((r) => r.commitments)
      .sort((a, b) =>
        a.kind === b.kind
          ? a.id < b.id
            ? -1
            : a.id > b.id
              ? 1
              : 0
          : KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind),
      );
  }
}
