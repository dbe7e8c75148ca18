import type { Commitment } from './commitments/commitment.js';
import { QuartermasterError } from './errors.js';
import type { AcceleratorKind } from './jobs/gpu-model.js';
import type { ResourceTags } from './jobs/managed-tags.js';
import type { PurchaseOption, QuotaLimit } from './pricing/offer.js';

/** Defined with the price book, which stores the quotas a refresh read. */
export type { QuotaLimit } from './pricing/offer.js';

/**
 * Ports to the cloud itself: the Fleet launches and retires capacity, the Market says what
 * capacity costs and how much of it the account may hold. The provision, reconcile and
 * price-refresh handlers are written against these; `Ec2Fleet`/`Ec2Market` implement them with the
 * AWS SDK and `InMemoryFleet` is the twin that tests and the embedded mode use.
 */

// ---------------------------------------------------------------------------------------------
// Fleet

/** One offer to launch on: the fields of an `Offer` that EC2 needs, plus its id for reporting. */
export interface OfferChoice {
  readonly offerId: string;
  readonly instanceType: string;
  readonly region: string;
  /** `null`: any AZ in the region (or in the given subnets). */
  readonly availabilityZone: string | null;
  readonly purchaseOption: PurchaseOption;
}

/** An EC2 launch template, by id or by name, at a version (`$Latest`, `$Default` or a number). */
export type LaunchTemplateRef =
  | { readonly id: string; readonly version: string }
  | { readonly name: string; readonly version: string };

export interface LaunchRequest {
  /** The idempotency key: the CreateFleet ClientToken and the allocation tag. */
  readonly allocationId: string;
  readonly jobId: string;
  /** The offer the solver chose. */
  readonly offer: OfferChoice;
  /**
   * Equivalent offers EC2 may use instead when the chosen one has no capacity (same region and
   * purchase option, e.g. the same type in other AZs). In preference order after `offer`.
   */
  readonly fallbacks: readonly OfferChoice[];
  /** Instances to launch; a gang needs all of them at once. */
  readonly nodes: number;
  readonly launchTemplate: LaunchTemplateRef;
  /** Subnets to launch into; the launch template's network settings when absent. */
  readonly subnetIds?: readonly string[];
  /** The full tag set from `managedTags`, put on instances and fleet at creation. */
  readonly tags: ResourceTags;
}

/** Why EC2 refused an offer, in domain terms. */
export type LaunchFailureKind =
  /** No capacity for the offer right now (InsufficientInstanceCapacity, …): try it again later. */
  | 'insufficient-capacity'
  /** An account limit (vCPU quota, spot instance count) is full. */
  | 'quota-exceeded'
  /** The spot price is above the maximum price asked. */
  | 'spot-price-too-low'
  /** The type, AZ or purchase option is not offered there (Unsupported, …). */
  | 'unsupported'
  /** Anything else EC2 reported (a bad launch template, a missing subnet): not an offer problem. */
  | 'launch-rejected';

/** One error EC2 reported for a launch, mapped back to the offer it concerned when it can be. */
export interface LaunchFailure {
  readonly kind: LaunchFailureKind;
  /** `null` when the error could not be tied to one offer. */
  readonly offerId: string | null;
  /** EC2's error code, e.g. `InsufficientInstanceCapacity`. */
  readonly code: string;
  readonly message: string;
}

/** A launched (or already running) managed instance. */
export interface ManagedInstance {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string | null;
  readonly purchaseOption: PurchaseOption;
  /** EC2 state name: pending, running, stopping, stopped, shutting-down or terminated. */
  readonly state: string;
  readonly launchTime: string | null;
  readonly tags: ResourceTags;
}

export type LaunchResult =
  | {
      readonly outcome: 'launched';
      /** `null` when the instances were found by tag rather than launched by this call. */
      readonly fleetId: string | null;
      readonly instanceIds: readonly string[];
      /** True when the allocation's instances existed already and nothing new was launched. */
      readonly reused: boolean;
    }
  | {
      /** Fewer instances than `nodes`: a gang cannot start; the caller terminates or waits. */
      readonly outcome: 'partial';
      readonly fleetId: string | null;
      readonly instanceIds: readonly string[];
      readonly reused: boolean;
      readonly failures: readonly LaunchFailure[];
    }
  | {
      /** Nothing launched. `offerIds` are the offers to mark unavailable (for capacity errors). */
      readonly outcome: LaunchFailureKind;
      readonly offerIds: readonly string[];
      readonly message: string;
      readonly failures: readonly LaunchFailure[];
    };

export interface TerminateResult {
  /** Instances EC2 accepted for termination (including ones already terminated). */
  readonly terminating: readonly string[];
  /** Ids EC2 does not know: never launched, or terminated long enough ago to be forgotten. */
  readonly notFound: readonly string[];
}

/** Launching and retiring managed capacity in one region. */
export interface Fleet {
  /**
   * Launches `nodes` instances of the offer (or its fallbacks), tagged with `tags`. Idempotent by
   * `allocationId`: when instances carrying that allocation exist, they are returned and nothing
   * new is launched; a retried call with the same allocation never launches twice.
   *
   * @throws TypeError for a request that cannot be sent (offers in other regions, no nodes, …)
   * @throws CloudApiError for failures that are not about the offer (throttling, permissions)
   */
  launch(request: LaunchRequest): Promise<LaunchResult>;
  /** The allocation's instances that are not terminated (pending, running, stopping, stopped). */
  findByAllocation(allocationId: string): Promise<readonly ManagedInstance[]>;
  /** Every managed instance that is not terminated, for the reconciler. */
  findManaged(): Promise<readonly ManagedInstance[]>;
  /** Terminates instances; ids EC2 does not know are reported, not thrown. */
  terminate(instanceIds: readonly string[]): Promise<TerminateResult>;
}

/**
 * Checks a launch request against what one regional fleet can do in one CreateFleet call: every
 * offer in `region`, one purchase option, whole nodes.
 *
 * @throws TypeError naming the field at fault
 */
export const checkLaunchRequest = (request: LaunchRequest, region: string): void => {
  const at = `launch(${request.allocationId})`;
  if (request.allocationId.trim() === '') throw new TypeError('launch: allocationId must not be empty');
  if (request.jobId.trim() === '') throw new TypeError(`${at}: jobId must not be empty`);
  if (!Number.isInteger(request.nodes) || request.nodes < 1) {
    throw new TypeError(`${at}: nodes must be a whole number ≥ 1, got ${request.nodes}`);
  }
  const offers = [request.offer, ...request.fallbacks];
  offers.forEach((offer, i) => {
    const field = i === 0 ? 'offer' : `fallbacks[${i - 1}]`;
    if (offer.region !== region) {
      throw new TypeError(
        `${at}: ${field} (${offer.offerId}) is in ${offer.region}; this fleet launches in ${region}`,
      );
    }
    if (offer.purchaseOption !== request.offer.purchaseOption) {
      throw new TypeError(
        `${at}: ${field} (${offer.offerId}) is ${offer.purchaseOption}; one launch buys only ${request.offer.purchaseOption}`,
      );
    }
  });
  if (request.subnetIds !== undefined && request.subnetIds.length === 0) {
    throw new TypeError(`${at}: subnetIds must not be empty when given`);
  }
};

/** The offers of a request, chosen first, each once. */
export const offersOf = (request: LaunchRequest): readonly OfferChoice[] => {
  const seen = new Set<string>();
  return [request.offer, ...request.fallbacks].filter((o) => !seen.has(o.offerId) && seen.add(o.offerId));
};

// ---------------------------------------------------------------------------------------------
// Market

/** An accelerated instance type as EC2 describes it. */
export interface InstanceTypeSpec {
  readonly instanceType: string;
  readonly acceleratorKind: AcceleratorKind;
  /** As AWS names it, e.g. `H100`, `A10G`, `Inferentia2`; normalised later. */
  readonly acceleratorName: string;
  readonly acceleratorManufacturer: string;
  /** Accelerators per instance (devices, for Neuron). */
  readonly acceleratorCount: number;
  /** Memory per accelerator in GiB; `null` when EC2 does not say. */
  readonly acceleratorMemoryGiB: number | null;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** EFA interfaces the type supports (0 without EFA). */
  readonly efaInterfaces: number;
}

/** The latest spot price of one type in one AZ. */
export interface SpotPriceObservation {
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly priceUsdPerHour: number;
  /** When that price took effect (ISO instant). */
  readonly timestamp: string;
}

/** The public on-demand price of one type in one region (Linux, shared tenancy). */
export interface OnDemandPriceObservation {
  readonly instanceType: string;
  readonly region: string;
  readonly priceUsdPerHour: number;
  /** The price list's effective date for that term (ISO instant). */
  readonly effectiveDate: string;
  readonly sku: string;
}

/**
 * How likely a spot request for a set of instance types is to succeed in one zone right now, as
 * GetSpotPlacementScores rates it: 1 (unlikely) to 10 (highly likely). EC2 scores a set of at
 * least three types together, so the score belongs to the set, not to one type.
 */
export interface SpotPlacementScore {
  readonly region: string;
  /** Zone id (`use1-az4`), the identifier used everywhere else. */
  readonly availabilityZone: string;
  /** The set that was scored. */
  readonly instanceTypes: readonly string[];
  readonly score: number;
}

/** Least instance types per GetSpotPlacementScores request: fewer always score low. */
export const MIN_PLACEMENT_SCORE_TYPES = 3;

/** Live prices, specs and limits; every read is a network call, the refresh caches them. */
export interface Market {
  /** Instance types with GPUs or other accelerators (Neuron, …) offered in the region. */
  describeGpuInstanceTypes(region: string): Promise<readonly InstanceTypeSpec[]>;
  /** The current spot price per type × AZ (Linux/UNIX), latest observation only. */
  spotPrices(region: string, instanceTypes: readonly string[]): Promise<readonly SpotPriceObservation[]>;
  /** Public on-demand prices (Linux, shared tenancy, no pre-installed software) for the region. */
  onDemandPrices(region: string): Promise<readonly OnDemandPriceObservation[]>;
  /** The accelerated-family vCPU quotas of the region. */
  quotas(region: string): Promise<readonly QuotaLimit[]>;
  /**
   * Per-zone spot placement scores of one set of types (at least `MIN_PLACEMENT_SCORE_TYPES`) for
   * one instance. Optional: a market that cannot rate placements leaves it out.
   * @throws PlacementScoresUnavailableError when the account may not call it (permissions, opt-in)
   */
  spotPlacementScores?(
    region: string,
    instanceTypes: readonly string[],
  ): Promise<readonly SpotPlacementScore[]>;
  /**
   * The commitments the account holds that cover usage in the region: active Reserved Instances
   * and capacity reservations of the region, and active Savings Plans that apply there (every
   * Compute plan, EC2 Instance plans of the region). Those already ended at `now` (an ISO
   * instant; the market's clock when absent) are left out. Optional: a market that cannot read
   * them leaves it out, and a commitments file stays the way to state them.
   * @throws CommitmentsUnavailableError when the account may not call one of the APIs
   */
  commitments?(region: string, now?: string): Promise<readonly Commitment[]>;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The account may not read spot placement scores (no permission, or the API refused the request). */
export class PlacementScoresUnavailableError extends QuartermasterError {
  override readonly name = 'PlacementScoresUnavailableError';
  constructor(
    readonly region: string,
    readonly code: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`spot placement scores unavailable in ${region} (${code}): ${detail}`, options);
  }
}

/**
 * The account may not read its commitments in a region (no IAM permission, an SCP, a member
 * account that Savings Plans do not answer): reading them is optional, so a caller can fall back
 * to a commitments file instead of failing.
 */
export class CommitmentsUnavailableError extends QuartermasterError {
  override readonly name = 'CommitmentsUnavailableError';
  constructor(
    readonly region: string,
    readonly code: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`commitments unavailable in ${region} (${code}): ${detail}`, options);
  }
}

/** A cloud API call failed for a reason the domain has no meaning for; the SDK error is the cause. */
export class CloudApiError extends QuartermasterError {
  override readonly name = 'CloudApiError';
  constructor(
    readonly operation: string,
    readonly region: string,
    readonly code: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${operation} in ${region} failed (${code}): ${detail}`, options);
  }
}
