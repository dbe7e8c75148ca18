import type { AcceleratorKind, GpuModel } from '../jobs/gpu-model.js';

export type PurchaseOption = 'spot' | 'on-demand';

/**
 * The EC2 service-quota family an instance type counts against. AWS meters GPU capacity as
 * running vCPUs per region and family, separately for on-demand and spot
 * (e.g. "Running On-Demand P instances", "All G and VT Spot Instance Requests").
 */
export type QuotaFamily = 'P' | 'G' | 'Inf' | 'Trn' | 'DL' | 'F' | 'Standard';

/** A quota class is a family under one purchase option, e.g. `spot/P` or `on-demand/G`. */
export type QuotaClass = `${PurchaseOption}/${QuotaFamily}`;

export const quotaClassOf = (purchaseOption: PurchaseOption, family: QuotaFamily): QuotaClass =>
  `${purchaseOption}/${family}`;

/** Spot Instance Advisor interruption-frequency bucket: 0 (<5 %) … 4 (>20 %) of instances interrupted per month. */
export type InterruptionBucket = 0 | 1 | 2 | 3 | 4;

/** One way to buy capacity: instance type × region × AZ × purchase option, with its price. */
export interface Offer {
  /** Stable key: `instanceType|region|az-or-*|purchaseOption`. */
  readonly id: string;
  readonly instanceType: string;
  readonly region: string;
  /** `null` when the price holds region-wide (on-demand, or spot implied from the advisor). */
  readonly availabilityZone: string | null;
  readonly purchaseOption: PurchaseOption;
  /** USD per instance-hour; always > 0. An offer without a known price is not in the book. */
  readonly priceUsdPerHour: number;
  /** The on-demand price of the same type in the same region, for savings; `null` when AWS sells none. */
  readonly onDemandPriceUsdPerHour: number | null;
  readonly acceleratorKind: AcceleratorKind;
  readonly gpuModel: GpuModel;
  /** Accelerators per instance (fractional for g6f/gr6f partial L4s). */
  readonly gpuCount: number;
  /** Memory per accelerator in GiB, as AWS reports it; `null` when unknown. */
  readonly gpuMemoryGiB: number | null;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly efa: boolean;
  readonly quotaFamily: QuotaFamily;
  /** Spot only; `null` for on-demand or when the advisor has no figure. */
  readonly interruptionBucket: InterruptionBucket | null;
  /** True when a spot price was derived from the advisor's savings % rather than observed per AZ. */
  readonly spotPriceImplied: boolean;
  /**
   * Spot per-zone offers of a live book only: the zone's spot placement score (1–10) for the set
   * of types of this quota family, as the refresh read it; absent where the account cannot read
   * scores or the family has fewer than three types.
   */
  readonly placementScore?: number;
  /** Where the price came from, and when. */
  readonly source: string;
  readonly asOf: string;
  /**
   * Set on the offers a plan derives from the account's commitments (never in a stored book):
   * the hour is already paid for, so `priceUsdPerHour` is its marginal price (0), and the offer
   * draws on a limited commitment (ADR 0015).
   */
  readonly commitment?: OfferCommitment;
}

/** The commitment an offer draws on, and what one instance-hour takes from it. */
export interface OfferCommitment {
  readonly id: string;
  readonly kind: 'savings-plan' | 'reserved-instance' | 'capacity-reservation' | 'capacity-block';
  /** Instances for reservations and blocks; USD of the hourly commitment for a Savings Plan. */
  readonly unitsPerInstanceHour: number;
  /** What finance is shown per instance-hour: the amortised or discounted rate. */
  readonly effectiveRateUsdPerHour: number;
  /** The list (on-demand) price of the hour, for the savings baseline. */
  readonly listPriceUsdPerHour: number;
  /** ISO instant the commitment ends; a job must finish on it before then. */
  readonly until: string | null;
}

/** One EC2 vCPU quota applied to the account. */
export interface QuotaLimit {
  readonly region: string;
  readonly quotaCode: string;
  readonly quotaClass: QuotaClass;
  /** Running vCPUs allowed. */
  readonly vcpus: number;
  /** True when the account has no applied value and this is AWS's default. */
  readonly isDefault: boolean;
}

/** An immutable, versioned snapshot of offers. Every allocation records the book id and unit price it used. */
export interface PriceBook {
  readonly id: string;
  readonly source: 'static' | 'live';
  /** ISO date (or date-time) of the newest price in the book; a static book also states its oldest. */
  readonly asOf: string;
  readonly offers: readonly Offer[];
  /**
   * The account's accelerated vCPU quotas as Service Quotas reported them at refresh (live books
   * only); the solve plans against them unless configuration overrides a pool.
   */
  readonly quotas?: readonly QuotaLimit[];
}
