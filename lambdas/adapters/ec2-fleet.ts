import { createHash } from 'node:crypto';
import {
  CreateFleetCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  type CreateFleetError,
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  DescribeSubnetsCommand,
  type EC2Client,
  type FleetLaunchTemplateOverridesRequest,
  type Instance,
  type Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CloudApiError,
  checkLaunchRequest,
  type Fleet,
  type LaunchFailure,
  type LaunchFailureKind,
  type LaunchRequest,
  type LaunchResult,
  type ManagedInstance,
  type OfferChoice,
  offersOf,
  type TerminateResult,
} from '../core/cloud-ports.js';
import {
  ALLOCATION_ID_TAG,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  type ResourceTags,
} from '../core/jobs/managed-tags.js';

/** The part of the EC2 client the fleet uses; tests pass a fake that replays recorded responses. */
export type Ec2Sender = Pick<EC2Client, 'send'>;

export interface Ec2FleetOptions {
  readonly client: Ec2Sender;
  /** The client's region: every offer launched through this fleet must be in it. */
  readonly region: string;
}

/** EC2 error codes (in `CreateFleet` `Errors[]` or thrown) that are about the offer, by meaning. */
export const FLEET_ERROR_KINDS: Readonly<Record<string, LaunchFailureKind>> = {
  InsufficientInstanceCapacity: 'insufficient-capacity',
  InsufficientCapacity: 'insufficient-capacity',
  InsufficientHostCapacity: 'insufficient-capacity',
  InsufficientReservedInstanceCapacity: 'insufficient-capacity',
  UnfulfillableCapacity: 'insufficient-capacity',
  VcpuLimitExceeded: 'quota-exceeded',
  MaxSpotInstanceCountExceeded: 'quota-exceeded',
  InstanceLimitExceeded: 'quota-exceeded',
  SpotMaxPriceTooLow: 'spot-price-too-low',
  Unsupported: 'unsupported',
};

/**
 * When `Errors[]` mixes kinds and nothing launched, the outcome is the first kind here: a
 * configuration or quota problem hides behind no capacity error, because retrying another offer
 * would not fix it.
 */
const OUTCOME_ORDER: readonly LaunchFailureKind[] = [
  'launch-rejected',
  'quota-exceeded',
  'insufficient-capacity',
  'spot-price-too-low',
  'unsupported',
];

/** States in which an instance still holds (or will hold) capacity: not terminated, not going. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** TerminateInstances accepts up to 1000 ids per call. */
export const TERMINATE_CHUNK = 1000;
/** A ClientToken is at most 64 ASCII characters. */
const CLIENT_TOKEN = /^[\x20-\x7e]{1,64}$/;

/**
 * The CreateFleet ClientToken of an allocation: the allocation id itself when EC2 accepts it,
 * otherwise a stable hash of it (so a retry still sends the same token).
 */
export const clientTokenFor = (allocationId: string): string =>
  CLIENT_TOKEN.test(allocationId)
    ? allocationId
    : `qm-${createHash('sha256').update(allocationId).digest('hex').slice(0, 61)}`;

const toAwsTags = (tags: ResourceTags): Tag[] =>
  Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([Key, Value]) => ({ Key, Value }));

const fromAwsTags = (tags: readonly Tag[] | undefined): ResourceTags =>
  Object.fromEntries((tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])));

const errorCode = (err: unknown): string =>
  err instanceof Error ? ((err as { Code?: string }).Code ?? err.name) : 'Unknown';

/** AZ ids (`use1-az2`) and AZ names (`us-east-1a`) go in different CreateFleet override fields. */
const AZ_ID = /^[a-z]{2,4}\d+-az\d+$/;
const zoneOverride = (
  zone: string | null,
): Pick<FleetLaunchTemplateOverridesRequest, 'AvailabilityZone' | 'AvailabilityZoneId'> =>
  zone === null ? {} : AZ_ID.test(zone) ? { AvailabilityZoneId: zone } : { AvailabilityZone: zone };

/**
 * The `Fleet` port on EC2: one `CreateFleet` of type `instant` per launch, with the chosen offer and
 * its equivalent fallbacks as launch-template overrides, so EC2 itself falls back when an AZ has no
 * capacity.
 *
 * Launches are idempotent twice over: instances already tagged with the allocation id are
 * returned without a call to CreateFleet, and the allocation id is the ClientToken, so a retry
 * that races the tag lookup gets EC2's recorded answer instead of a second fleet.
 *
 * @example new Ec2Fleet({ client: createEc2Client({ region: 'us-east-1' }), region: 'us-east-1' })
 */
export class Ec2Fleet implements Fleet {
  private readonly client: Ec2Sender;
  private readonly region: string;

  constructor(options: Ec2FleetOptions) {
    this.client = options.client;
    this.region = options.region;
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    checkLaunchRequest(request, this.region);
    const existing = await this.findByAllocation(request.allocationId);
    if (existing.length > 0) {
      const instanceIds = existing.map((i) => i.instanceId);
      return existing.length >= request.nodes
        ? { outcome: 'launched', fleetId: null, instanceIds, reused: true }
        : { outcome: 'partial', fleetId: null, instanceIds, reused: true, failures: [] };
    }
    const offers = offersOf(request);
    const subnetZones =
      request.subnetIds === undefined ? undefined : await this.subnetZones(request.subnetIds);
    const overrides = this.overrides(offers, subnetZones);
    if (overrides.length === 0) {
      const message = `no subnet of ${request.subnetIds?.join(', ')} is in the AZ of any offer`;
      return {
        outcome: 'unsupported',
        offerIds: offers.map((o) => o.offerId),
        message,
        failures: offers.map((o) => ({
          kind: 'unsupported',
          offerId: o.offerId,
          code: 'NoMatchingSubnet',
          message,
        })),
      };
    }
    let output: CreateFleetCommandOutput;
    try {
      output = await this.createFleet(this.fleetInput(request, overrides));
    } catch (err) {
      const code = errorCode(err);
      const kind = FLEET_ERROR_KINDS[code];
      if (kind === undefined) {
        throw new CloudApiError('CreateFleet', this.region, code, `allocation ${request.allocationId}`, {
          cause: err,
        });
      }
      const message = err instanceof Error ? err.message : String(err);
      return {
        outcome: kind,
        offerIds: offers.map((o) => o.offerId),
        message,
        failures: offers.map((o) => ({ kind, offerId: o.offerId, code, message })),
      };
    }
    const instanceIds = (output.Instances ?? []).flatMap((i) => i.InstanceIds ?? []);
    const failures = (output.Errors ?? []).flatMap((e) => this.failuresOf(e, offers, subnetZones));
    const fleetId = output.FleetId ?? null;
    if (instanceIds.length >= request.nodes)
      return { outcome: 'launched', fleetId, instanceIds, reused: false };
    if (instanceIds.length > 0) return { outcome: 'partial', fleetId, instanceIds, reused: false, failures };
    return this.failed(offers, failures);
  }

  findByAllocation(allocationId: string): Promise<readonly ManagedInstance[]> {
    return this.describe([{ Name: `tag:${ALLOCATION_ID_TAG}`, Values: [allocationId] }]);
  }

  findManaged(): Promise<readonly ManagedInstance[]> {
    return this.describe([{ Name: `tag:${MANAGED_BY_TAG}`, Values: [MANAGED_BY_VALUE] }]);
  }

  async terminate(instanceIds: readonly string[]): Promise<TerminateResult> {
    const terminating: string[] = [];
    const notFound: string[] = [];
    const unique = [...new Set(instanceIds)];
    for (let start = 0; start < unique.length; start += TERMINATE_CHUNK) {
      const chunk = unique.slice(start, start + TERMINATE_CHUNK);
      const result = await this.terminateChunk(chunk);
      terminating.push(...result.terminating);
      notFound.push(...result.notFound);
    }
    return { terminating, notFound };
  }

  /**
   * One TerminateInstances call. An unknown id fails the whole call and EC2 names the unknown ids
   * in the message, so they are set aside and the rest is sent once more.
   */
  private async terminateChunk(chunk: readonly string[]): Promise<TerminateResult> {
    try {
      const output = await this.client.send(new TerminateInstancesCommand({ InstanceIds: [...chunk] }));
      return {
        terminating: (output.TerminatingInstances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])),
        notFound: [],
      };
    } catch (err) {
      const code = errorCode(err);
      const named: readonly string[] = err instanceof Error ? (err.message.match(/i-[0-9a-f]+/g) ?? []) : [];
      const unknown = chunk.filter((id) => named.includes(id));
      if (code !== 'InvalidInstanceID.NotFound' || unknown.length === 0) {
        throw new CloudApiError('TerminateInstances', this.region, code, `${chunk.length} instance(s)`, {
          cause: err,
        });
      }
      const rest = chunk.filter((id) => !unknown.includes(id));
      if (rest.length === 0) return { terminating: [], notFound: unknown };
      const retried = await this.terminateChunk(rest);
      return { terminating: retried.terminating, notFound: [...unknown, ...retried.notFound] };
    }
  }

  private async describe(
    filters: readonly { Name: string; Values: string[] }[],
  ): Promise<readonly ManagedInstance[]> {
    const found: ManagedInstance[] = [];
    let token: string | undefined;
    do {
      let output: DescribeInstancesCommandOutput;
      try {
        output = await this.describeInstances(filters, token);
      } catch (err) {
        throw new CloudApiError('DescribeInstances', this.region, errorCode(err), 'managed instances', {
          cause: err,
        });
      }
      for (const reservation of output.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          const managed = this.toManaged(instance);
          if (managed !== undefined) found.push(managed);
        }
      }
      token = output.NextToken;
    } while (token !== undefined && token !== '');
    return found.sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  }

  private describeInstances(
    filters: readonly { Name: string; Values: string[] }[],
    token: string | undefined,
  ) {
    return this.client.send(
      new DescribeInstancesCommand({
        Filters: [...filters, { Name: 'instance-state-name', Values: LIVE_STATES }],
        MaxResults: 1000,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
  }

  private toManaged(instance: Instance): ManagedInstance | undefined {
    const state = instance.State?.Name ?? 'unknown';
    // The state filter already does this; a fake or an eventually-consistent answer may not.
    if (instance.InstanceId === undefined || !LIVE_STATES.includes(state)) return undefined;
    return {
      instanceId: instance.InstanceId,
      instanceType: instance.InstanceType ?? 'unknown',
      region: this.region,
      // The zone id when EC2 gives it (an account's zone names map to different ids), else the name.
      availabilityZone:
        instance.Placement?.AvailabilityZoneId ?? instance.Placement?.AvailabilityZone ?? null,
      purchaseOption: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
      state,
      launchTime: instance.LaunchTime?.toISOString() ?? null,
      tags: fromAwsTags(instance.Tags),
    };
  }

  private async subnetZones(subnetIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    try {
      const output = await this.client.send(new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }));
      return new Map(
        // Offers name zones by AZ id (`use1-az2`, the same in every account); subnets report both.
        (output.Subnets ?? []).flatMap(
          (s): Array<[string, string[]]> =>
            s.SubnetId !== undefined
              ? [
                  [
                    s.SubnetId,
                    [s.AvailabilityZoneId, s.AvailabilityZone].filter((z): z is string => z !== undefined),
                  ],
                ]
              : [],
        ),
      );
    } catch (err) {
      throw new CloudApiError('DescribeSubnets', this.region, errorCode(err), subnetIds.join(', '), {
        cause: err,
      });
    }
  }

  /**
   * One override per offer, or per offer × subnet in its AZ when subnets are given. An override may
   * not name both an AZ and a subnet in another AZ, so subnets are matched to offers here.
   */
  private overrides(
    offers: readonly OfferChoice[],
    subnetZones: ReadonlyMap<string, readonly string[]> | undefined,
  ): FleetLaunchTemplateOverridesRequest[] {
    return offers.flatMap((offer, priority): FleetLaunchTemplateOverridesRequest[] => {
      if (subnetZones === undefined) {
        return [
          {
            InstanceType: offer.instanceType as FleetLaunchTemplateOverridesRequest['InstanceType'],
            ...zoneOverride(offer.availabilityZone),
            Priority: priority,
          },
        ];
      }
      return [...subnetZones]
        .filter(([, zones]) => offer.availabilityZone === null || zones.includes(offer.availabilityZone))
        .map(([SubnetId]) => ({
          InstanceType: offer.instanceType as FleetLaunchTemplateOverridesRequest['InstanceType'],
          SubnetId,
          Priority: priority,
        }));
    });
  }

  private fleetInput(
    request: LaunchRequest,
    overrides: FleetLaunchTemplateOverridesRequest[],
  ): CreateFleetCommandInput {
    const tags = toAwsTags(request.tags);
    const template =
      'id' in request.launchTemplate
        ? { LaunchTemplateId: request.launchTemplate.id, Version: request.launchTemplate.version }
        : { LaunchTemplateName: request.launchTemplate.name, Version: request.launchTemplate.version };
    // A gang is all-or-nothing: with MinTargetCapacity EC2 launches all nodes or none, on one type
    // in one AZ (what EFA and placement need), instead of a partial gang the caller must clean up.
    const gang =
      request.nodes > 1
        ? { MinTargetCapacity: request.nodes, SingleInstanceType: true, SingleAvailabilityZone: true }
        : {};
    return {
      ClientToken: clientTokenFor(request.allocationId),
      Type: 'instant',
      TargetCapacitySpecification: {
        TotalTargetCapacity: request.nodes,
        DefaultTargetCapacityType: request.offer.purchaseOption,
        ...(request.offer.purchaseOption === 'spot'
          ? { SpotTargetCapacity: request.nodes }
          : { OnDemandTargetCapacity: request.nodes }),
      },
      SpotOptions: {
        AllocationStrategy: 'price-capacity-optimized',
        ...(request.offer.purchaseOption === 'spot' ? gang : {}),
      },
      OnDemandOptions: {
        AllocationStrategy: 'lowest-price',
        ...(request.offer.purchaseOption === 'on-demand' ? gang : {}),
      },
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: template, Overrides: overrides }],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'fleet', Tags: tags },
      ],
    };
  }

  private createFleet(input: CreateFleetCommandInput) {
    return this.client.send(new CreateFleetCommand(input));
  }

  /** Ties one `Errors[]` entry to the offers it concerns, by type, purchase option and AZ. */
  private failuresOf(
    error: CreateFleetError,
    offers: readonly OfferChoice[],
    subnetZones: ReadonlyMap<string, readonly string[]> | undefined,
  ): LaunchFailure[] {
    const code = error.ErrorCode ?? 'Unknown';
    const kind = FLEET_ERROR_KINDS[code] ?? 'launch-rejected';
    const message = error.ErrorMessage ?? code;
    const override = error.LaunchTemplateAndOverrides?.Overrides;
    const zones =
      override?.AvailabilityZoneId !== undefined || override?.AvailabilityZone !== undefined
        ? [override.AvailabilityZoneId, override.AvailabilityZone].filter((z): z is string => z !== undefined)
        : override?.SubnetId === undefined
          ? undefined
          : subnetZones?.get(override.SubnetId);
    const matching = offers.filter(
      (o) =>
        override?.InstanceType !== undefined &&
        o.instanceType === override.InstanceType &&
        (error.Lifecycle === undefined || o.purchaseOption === error.Lifecycle) &&
        (zones === undefined || o.availabilityZone === null || zones.includes(o.availabilityZone)),
    );
    if (matching.length === 0) return [{ kind, offerId: null, code, message }];
    return matching.map((o) => ({ kind, offerId: o.offerId, code, message }));
  }

  private failed(offers: readonly OfferChoice[], failures: readonly LaunchFailure[]): LaunchResult {
    if (failures.length === 0) {
      // EC2 launched nothing and said nothing: treat it as no capacity, the only cause it hides.
      const message = 'CreateFleet launched no instances and reported no error';
      return {
        outcome: 'insufficient-capacity',
        offerIds: offers.map((o) => o.offerId),
        message,
        failures: [{ kind: 'insufficient-capacity', offerId: null, code: 'NoInstances', message }],
      };
    }
    const kind = OUTCOME_ORDER.find((k) => failures.some((f) => f.kind === k)) ?? 'launch-rejected';
    const ofKind = failures.filter((f) => f.kind === kind);
    const named = [...new Set(ofKind.flatMap((f) => (f.offerId === null ? [] : [f.offerId])))];
    return {
      outcome: kind,
      // An error EC2 did not tie to an override concerns the whole request.
      offerIds: ofKind.some((f) => f.offerId === null) ? offers.map((o) => o.offerId) : named,
      message: [...new Set(ofKind.map((f) => `${f.code}: ${f.message}`))].join('; '),
      failures,
    };
  }
}
