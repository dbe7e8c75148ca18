import type {
  InstanceTypeSpec,
  Market,
  OnDemandPriceObservation,
  QuotaLimit,
  SpotPlacementScore,
  SpotPriceObservation,
} from '../core/cloud-ports.js';
import { QUOTA_CLASSES, type Quotas, quotaKey } from '../core/planning/plan-inputs.js';
import type { Clock } from '../core/ports.js';
import type { PriceBook } from '../core/pricing/offer.js';

/**
 * The `Market` of the twin: it answers with the prices and specs of one price book (the bundled
 * one, normally) and the configured quotas, so a price refresh run on the twin's schedule reads
 * what the solve already plans with. Prices do not move: the twin varies capacity, not price.
 * Placement scores, when a capacity view is given, say what share of a set's types has spot
 * capacity in each zone now, on EC2's 1–10 scale: the signal the real scores carry.
 */
export class SimulatedMarket implements Market {
  readonly #book: PriceBook;
  readonly #quotas: Quotas | undefined;
  readonly #clock: Clock;
  readonly #hasSpotCapacity: ((instanceType: string, zone: string) => boolean) | undefined;

  constructor(
    book: PriceBook,
    quotas: Quotas | undefined,
    clock: Clock,
    hasSpotCapacity?: (instanceType: string, zone: string) => boolean,
  ) {
    this.#book = book;
    this.#quotas = quotas;
    this.#clock = clock;
    this.#hasSpotCapacity = hasSpotCapacity;
  }

  async spotPlacementScores(
    region: string,
    instanceTypes: readonly string[],
  ): Promise<readonly SpotPlacementScore[]> {
    const has = this.#hasSpotCapacity;
    if (has === undefined) return [];
    const types = [...new Set(instanceTypes)].sort();
    const zones = new Map<string, { offered: number; available: number }>();
    for (const o of this.#book.offers) {
      if (o.purchaseOption !== 'spot' || o.region !== region || o.availabilityZone === null) continue;
      if (!types.includes(o.instanceType)) continue;
      const zone = zones.get(o.availabilityZone) ?? { offered: 0, available: 0 };
      zone.offered += 1;
      if (has(o.instanceType, o.availabilityZone)) zone.available += 1;
      zones.set(o.availabilityZone, zone);
    }
    return [...zones]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([availabilityZone, z]) => ({
        region,
        availabilityZone,
        instanceTypes: types,
        score: 1 + Math.round((9 * z.available) / z.offered),
      }));
  }

  async describeGpuInstanceTypes(region: string): Promise<readonly InstanceTypeSpec[]> {
    const byType = new Map<string, InstanceTypeSpec>();
    for (const o of this.#book.offers) {
      if (o.region !== region || byType.has(o.instanceType)) continue;
      byType.set(o.instanceType, {
        instanceType: o.instanceType,
        acceleratorKind: o.acceleratorKind,
        acceleratorName: o.gpuModel,
        acceleratorManufacturer: o.acceleratorKind === 'neuron' ? 'AWS' : 'NVIDIA',
        acceleratorCount: o.gpuCount,
        acceleratorMemoryGiB: o.gpuMemoryGiB,
        vcpus: o.vcpus,
        memoryGiB: o.memoryGiB,
        efaInterfaces: o.efa ? 1 : 0,
      });
    }
    return [...byType.values()];
  }

  async spotPrices(
    region: string,
    instanceTypes: readonly string[],
  ): Promise<readonly SpotPriceObservation[]> {
    const wanted = new Set(instanceTypes);
    const timestamp = this.#clock.now().toISOString();
    // EC2 reports observed prices per zone only; a price the book implied region-wide has none.
    return this.#book.offers.flatMap((o) =>
      o.purchaseOption === 'spot' &&
      o.region === region &&
      o.availabilityZone !== null &&
      wanted.has(o.instanceType)
        ? [
            {
              instanceType: o.instanceType,
              region,
              availabilityZone: o.availabilityZone,
              priceUsdPerHour: o.priceUsdPerHour,
              timestamp,
            },
          ]
        : [],
    );
  }

  async onDemandPrices(region: string): Promise<readonly OnDemandPriceObservation[]> {
    return this.#book.offers
      .filter((o) => o.purchaseOption === 'on-demand' && o.region === region)
      .map((o) => ({
        instanceType: o.instanceType,
        region,
        priceUsdPerHour: o.priceUsdPerHour,
        effectiveDate: this.#book.asOf,
        sku: `sim-${o.instanceType}-${region}`,
      }));
  }

  async quotas(region: string): Promise<readonly QuotaLimit[]> {
    const quotas = this.#quotas;
    if (quotas === undefined) return [];
    return QUOTA_CLASSES.flatMap((quotaClass) => {
      const vcpus = quotas.limits.get(quotaKey(region, quotaClass)) ?? quotas.defaultVcpus;
      if (vcpus === null || vcpus === undefined) return [];
      return [{ region, quotaCode: `sim-${quotaClass}`, quotaClass, vcpus, isDefault: false }];
    });
  }
}
