import {
  checkLaunchRequest,
  type Fleet,
  type LaunchFailureKind,
  type LaunchRequest,
  type LaunchResult,
  type ManagedInstance,
  offersOf,
  type TerminateResult,
} from '../core/cloud-ports.js';
import { ALLOCATION_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../core/jobs/managed-tags.js';
import type { Clock } from '../core/ports.js';

export interface InMemoryFleetOptions {
  readonly region: string;
  /** Stamps `launchTime`; instances have none without it. */
  readonly clock?: Clock;
}

const LIVE_STATES = new Set(['pending', 'running', 'stopping', 'stopped']);

/** Kinds a test can make an offer fail with; `launch-rejected` is about the request, not an offer. */
export type OfferFailureKind = Exclude<LaunchFailureKind, 'launch-rejected'>;

/**
 * The `Fleet` port in memory, for tests and the embedded mode. It behaves like `Ec2Fleet` where the
 * contract suite can tell (tags, idempotency by allocation, termination), launches on the first
 * offer in preference order that is not failing, and lets a test switch offers' capacity off.
 *
 * @example
 * const fleet = new InMemoryFleet({ region: 'us-east-1' });
 * fleet.failOffers(['p5.48xlarge|us-east-1|us-east-1a|spot']);
 */
export class InMemoryFleet implements Fleet {
  private readonly region: string;
  private readonly clock: Clock | undefined;
  private readonly instances = new Map<string, ManagedInstance>();
  private readonly failing = new Map<string, OfferFailureKind>();
  private sequence = 0;
  /** CreateFleet calls made, for tests that check nothing was launched twice. */
  launchCalls = 0;

  constructor(options: InMemoryFleetOptions) {
    this.region = options.region;
    this.clock = options.clock;
  }

  /** From now on, launches on these offers fail with `kind` (no capacity by default). */
  failOffers(offerIds: readonly string[], kind: OfferFailureKind = 'insufficient-capacity'): void {
    for (const id of offerIds) this.failing.set(id, kind);
  }

  /** Gives these offers their capacity back. */
  restoreOffers(offerIds: readonly string[]): void {
    for (const id of offerIds) this.failing.delete(id);
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
    this.launchCalls += 1;
    const offers = offersOf(request);
    const usable = offers.find((o) => !this.failing.has(o.offerId));
    if (usable === undefined) {
      const failures = offers.map((o) => {
        const kind = this.failing.get(o.offerId) ?? 'insufficient-capacity';
        return { kind, offerId: o.offerId, code: kind, message: `${o.offerId}: ${kind} (simulated)` };
      });
      const first = failures[0]?.kind ?? 'insufficient-capacity';
      const ofKind = failures.filter((f) => f.kind === first);
      return {
        outcome: first,
        offerIds: ofKind.map((f) => f.offerId),
        message: ofKind.map((f) => f.message).join('; '),
        failures,
      };
    }
    this.sequence += 1;
    const fleetId = `fleet-${String(this.sequence).padStart(8, '0')}`;
    const instanceIds: string[] = [];
    for (let node = 0; node < request.nodes; node += 1) {
      const instanceId = `i-${this.sequence.toString(16).padStart(8, '0')}${node.toString(16).padStart(9, '0')}`;
      instanceIds.push(instanceId);
      this.instances.set(instanceId, {
        instanceId,
        instanceType: usable.instanceType,
        region: this.region,
        availabilityZone: usable.availabilityZone ?? `${this.region}a`,
        purchaseOption: usable.purchaseOption,
        state: 'running',
        launchTime: this.clock?.now().toISOString() ?? null,
        tags: { ...request.tags },
      });
    }
    return { outcome: 'launched', fleetId, instanceIds, reused: false };
  }

  async findByAllocation(allocationId: string): Promise<readonly ManagedInstance[]> {
    return this.live((i) => i.tags[ALLOCATION_ID_TAG] === allocationId);
  }

  async findManaged(): Promise<readonly ManagedInstance[]> {
    return this.live((i) => i.tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE);
  }

  async terminate(instanceIds: readonly string[]): Promise<TerminateResult> {
    const terminating: string[] = [];
    const notFound: string[] = [];
    for (const id of new Set(instanceIds)) {
      const instance = this.instances.get(id);
      if (instance === undefined) {
        notFound.push(id);
        continue;
      }
      this.instances.set(id, { ...instance, state: 'terminated' });
      terminating.push(id);
    }
    return { terminating, notFound };
  }

  private live(keep: (instance: ManagedInstance) => boolean): readonly ManagedInstance[] {
    return [...this.instances.values()]
      .filter((i) => LIVE_STATES.has(i.state) && keep(i))
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  }
}
