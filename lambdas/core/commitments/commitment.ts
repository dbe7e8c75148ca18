/**
 * What an account has already bought or reserved: capacity and discounts it pays for whether
 * jobs use them or not. The planner prices an hour drawn on one at its marginal rate (see
 * ADR 0015); accounting splits each commitment-hour into what jobs drew and what went unused.
 */

export type CommitmentKind = 'savings-plan' | 'reserved-instance' | 'capacity-reservation' | 'capacity-block';

interface CommitmentBase {
  /** The AWS id (`sp-…`, a reserved-instances id, `cr-…`), or the name the team gives it. */
  readonly id: string;
  /** Display name for reports; the id when absent. */
  readonly name?: string;
  /**
   * The team it was bought for: cost reports charge its unused part to that team. Absent: the
   * unused part is shared by the teams that drew on it, in proportion (`accounting/commitment-charges.ts`).
   */
  readonly team?: string;
  /** ISO instant the commitment starts covering usage. */
  readonly start: string;
  /** ISO instant it stops; `null` for an open-ended capacity reservation. */
  readonly end: string | null;
}

/**
 * A Savings Plan: `hourlyCommitmentUsd` of usage per hour, at a discount off the on-demand price.
 * A Compute plan covers the listed families in every region; an EC2 Instance plan one family in
 * one region. Families not listed are not covered.
 */
export interface SavingsPlanCommitment extends CommitmentBase {
  readonly kind: 'savings-plan';
  readonly planType: 'compute' | 'ec2-instance';
  /** `null` for a Compute plan. */
  readonly region: string | null;
  readonly hourlyCommitmentUsd: number;
  /** Discount off the on-demand rate per instance family, e.g. `{ p5: 0.3 }` for 30 %. */
  readonly discounts: Readonly<Record<string, number>>;
}

/** Standard or Convertible Reserved Instances: `count` instances of one type billed every hour. */
export interface ReservedInstanceCommitment extends CommitmentBase {
  readonly kind: 'reserved-instance';
  readonly offeringClass: 'standard' | 'convertible';
  readonly instanceType: string;
  readonly region: string;
  /** Zonal RIs reserve capacity in one AZ (name); regional ones (`null`) only discount. */
  readonly availabilityZone: string | null;
  readonly count: number;
  /** Amortised cost of one reserved instance-hour (upfront share + recurring), USD. */
  readonly effectiveHourlyUsd: number;
}

/** An On-Demand Capacity Reservation: `count` instances in one AZ, paid at the on-demand rate whether used or not. */
export interface CapacityReservationCommitment extends CommitmentBase {
  readonly kind: 'capacity-reservation';
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly count: number;
  /**
   * The rate each reserved instance-hour is billed at: the type's on-demand price in the region.
   * `null` when the source does not say (DescribeCapacityReservations has no price); planning
   * fills it from the price book (`resolveCommitmentRates`).
   */
  readonly unitPriceUsdPerHour: number | null;
}

/** An EC2 Capacity Block for ML: `count` instances in one AZ between start and end, paid up front. */
export interface CapacityBlockCommitment extends CommitmentBase {
  readonly kind: 'capacity-block';
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly count: number;
  readonly end: string;
  /** The whole block's price, USD; `null` when the source does not say (a block read back from DescribeCapacityReservations). */
  readonly priceUsd: number | null;
}

export type Commitment =
  | SavingsPlanCommitment
  | ReservedInstanceCommitment
  | CapacityReservationCommitment
  | CapacityBlockCommitment;

/** The instance family of a type: `p5` for `p5.48xlarge`, `g6e` for `g6e.12xlarge`. */
export const instanceFamilyOf = (instanceType: string): string => instanceType.split('.')[0] ?? instanceType;

/** The name reports show for a commitment. */
export const commitmentName = (c: Commitment): string => c.name ?? c.id;
