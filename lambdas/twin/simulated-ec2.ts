import {
  checkLaunchRequest,
  type Fleet,
  type LaunchFailure,
  type LaunchRequest,
  type LaunchResult,
  type ManagedInstance,
  type OfferChoice,
  offersOf,
  type TerminateResult,
} from '../core/cloud-ports.js';
import { ALLOCATION_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../core/jobs/managed-tags.js';
import { sha256Hex } from '../core/ledger/event-chain.js';
import { type Quotas, quotaLimit } from '../core/planning/plan-inputs.js';
import type { JobQueues } from '../core/ports.js';
import { type Offer, type PriceBook, quotaClassOf } from '../core/pricing/offer.js';
import { spotPoolId } from '../core/simulation/spot-pool-trace.js';
import { REBALANCE, SPOT_INTERRUPTION, STATE_CHANGE } from '../core/use-cases/ec2-event.js';
import { EventHeap } from './event-heap.js';
import type { SimulatedClock } from './simulated-clock.js';
import { SimulatedMarket } from './simulated-market.js';
import type { SpotCapacity } from './spot-capacity.js';

/** A simulated instance as the twin tracks it: the EC2 view plus what the workload needs. */
export interface SimulatedInstance {
  readonly instanceId: string;
  readonly jobId: string;
  readonly allocationId: string;
  readonly offer: Offer;
  /** The spot pool it draws on; `null` on-demand. */
  readonly poolId: string | null;
  readonly availabilityZone: string;
  readonly launchTime: string;
  readonly tags: Readonly<Record<string, string>>;
  state: string;
  /** When it reached `terminated` (ms since the epoch); absent while it has not. */
  terminatedAtMs?: number;
}

/** Called on every state change, synchronously, so the workload stops the instant capacity does. */
export type InstanceListener = (instance: SimulatedInstance, previous: string, atMs: number) => void;

export interface SimulatedEc2Options {
  readonly clock: SimulatedClock;
  readonly queues: Pick<JobQueues, 'send'>;
  readonly priceBook: PriceBook;
  readonly capacity: SpotCapacity;
  /** Account quotas EC2 enforces; none when absent. */
  readonly quotas?: Quotas;
  /** pending → running. @default 90 */
  readonly launchDelaySeconds?: number;
  /** shutting-down → terminated. @default 60 */
  readonly shutdownSeconds?: number;
  /** Share of reclaims announced by a rebalance recommendation first. @default 0.5 */
  readonly rebalanceShare?: number;
}

/** EC2's notice before a spot reclaim. */
const WARNING_MS = 2 * 60_000;
const LIVE = new Set(['pending', 'running', 'stopping', 'stopped']);

type Action =
  | { readonly kind: 'running' | 'terminated'; readonly instanceId: string }
  | { readonly kind: 'warning' | 'reclaim' | 'rebalance'; readonly instanceId: string };

/**
 * EC2 for the twin: a `Fleet` per region and a `Market`, over spot capacity from traces. A spot
 * launch takes the first of the request's offers whose pool has capacity now, or fails with
 * InsufficientInstanceCapacity; every instance goes pending → running after a launch delay; a spot
 * instance is reclaimed when its pool runs dry (warning, then terminated two minutes later), some
 * reclaims preceded by a rebalance recommendation. Every change is put on the ec2-events queue as
 * the EventBridge envelope a deployment receives.
 */
export class SimulatedEc2 {
  readonly market: SimulatedMarket;
  readonly #o: SimulatedEc2Options;
  readonly #offers: ReadonlyMap<string, Offer>;
  /** Regional on-demand offers by `type|region`: what a launch into a capacity reservation is. */
  readonly #onDemand: ReadonlyMap<string, Offer>;
  readonly #instances = new Map<string, SimulatedInstance>();
  /**
   * The instances not yet terminated, in launch order: what the fleet lookups and quota sums scan,
   * since a month's run leaves many more terminated instances than live ones.
   */
  readonly #unterminated = new Map<string, SimulatedInstance>();
  readonly #actions = new EventHeap<Action>();
  readonly #fleets = new Map<string, Fleet>();
  readonly #listeners: InstanceListener[] = [];
  #sequence = 0;
  #eventSequence = 0;
  /** Reclaims that happened (warnings sent), for the run's totals. */
  reclaims = 0;
  launchCalls = 0;

  constructor(options: SimulatedEc2Options) {
    this.#o = options;
    this.#offers = new Map(options.priceBook.offers.map((o) => [o.id, o]));
    this.#onDemand = new Map(
      options.priceBook.offers
        .filter((o) => o.purchaseOption === 'on-demand' && o.availabilityZone === null)
        .map((o) => [`${o.instanceType}|${o.region}`, o]),
    );
    this.market = new SimulatedMarket(
      options.priceBook,
      options.quotas,
      options.clock,
      (instanceType, zone) =>
        options.capacity.hasCapacity(
          spotPoolId({ instanceType, availabilityZone: zone, region: '' }),
          this.#now(),
        ),
    );
  }

  onStateChange(listener: InstanceListener): void {
    this.#listeners.push(listener);
  }

  /** The fleet of one region, as `ProvisionDeps.fleetFor` wants it. */
  fleetFor(region: string): Fleet {
    let fleet = this.#fleets.get(region);
    if (fleet === undefined) {
      fleet = {
        launch: (request) => this.#launch(region, request),
        findByAllocation: async (id) => this.#live(region, (i) => i.tags[ALLOCATION_ID_TAG] === id),
        findManaged: async () => this.#live(region, (i) => i.tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE),
        terminate: (ids) => this.#terminate(ids),
      };
      this.#fleets.set(region, fleet);
    }
    return fleet;
  }

  /** Whether an offer could be launched now (on-demand always; spot when its pool has capacity). */
  hasCapacity(offer: Pick<OfferChoice, 'instanceType' | 'region' | 'availabilityZone' | 'purchaseOption'>) {
    return offer.purchaseOption !== 'spot' || this.#o.capacity.hasCapacity(spotPoolId(offer), this.#now());
  }

  instance(instanceId: string): SimulatedInstance | undefined {
    return this.#instances.get(instanceId);
  }

  /** When the next scheduled EC2 change is due; `Infinity` when none is. */
  nextEventMs(): number {
    return this.#actions.peekAt();
  }

  /** Carries out every change due by now, in time order, and sends its events. */
  async advance(): Promise<void> {
    const now = this.#now();
    for (let action = this.#actions.popDue(now); action !== undefined; action = this.#actions.popDue(now)) {
      const instance = this.#instances.get(action.instanceId);
      if (instance === undefined || !LIVE.has(instance.state)) {
        if (action.kind === 'terminated' && instance !== undefined)
          await this.#setState(instance, 'terminated');
        continue;
      }
      switch (action.kind) {
        case 'running':
          if (instance.state === 'pending') await this.#setState(instance, 'running');
          break;
        case 'rebalance':
          await this.#send(REBALANCE, instance, {});
          break;
        case 'warning':
          this.reclaims += 1;
          await this.#send(SPOT_INTERRUPTION, instance, { 'instance-action': 'terminate' });
          this.#actions.push(now + WARNING_MS, { kind: 'reclaim', instanceId: instance.instanceId });
          break;
        case 'reclaim':
          // EC2 takes a reclaimed instance straight down: shutting-down is not reported for it.
          await this.#setState(instance, 'terminated');
          break;
        case 'terminated':
          break;
      }
    }
  }

  /** Instances not yet terminated, any region (for end-of-run checks). */
  /** Every instance ever launched, terminated or not, in launch order. */
  allInstances(): readonly SimulatedInstance[] {
    return [...this.#instances.values()];
  }

  liveInstances(): readonly SimulatedInstance[] {
    return [...this.#unterminated.values()];
  }

  #now(): number {
    return this.#o.clock.nowMs();
  }

  #live(region: string, keep: (i: SimulatedInstance) => boolean): readonly ManagedInstance[] {
    const found: ManagedInstance[] = [];
    for (const i of this.#unterminated.values())
      if (i.offer.region === region && LIVE.has(i.state) && keep(i)) found.push(this.#view(i));
    return found.sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  }

  #view(i: SimulatedInstance): ManagedInstance {
    return {
      instanceId: i.instanceId,
      instanceType: i.offer.instanceType,
      region: i.offer.region,
      availabilityZone: i.availabilityZone,
      purchaseOption: i.offer.purchaseOption,
      state: i.state,
      launchTime: i.launchTime,
      tags: i.tags,
    };
  }

  #vcpusHeld(region: string, cls: string): number {
    let sum = 0;
    for (const i of this.#unterminated.values())
      if (
        LIVE.has(i.state) &&
        i.offer.region === region &&
        quotaClassOf(i.offer.purchaseOption, i.offer.quotaFamily) === cls
      )
        sum += i.offer.vcpus;
    return sum;
  }

  /**
   * The offer a choice launches. One drawn on a commitment (ADR 0015) is not in the book: EC2 sees
   * an on-demand launch of its type in its zone, which an open ODCR there (or an RI or Savings
   * Plan, at billing) absorbs, so it launches as the type's on-demand offer placed in that zone.
   */
  #offerOf(choice: OfferChoice): Offer | undefined {
    const listed = this.#offers.get(choice.offerId);
    if (listed !== undefined || choice.purchaseOption !== 'on-demand') return listed;
    const regional = this.#onDemand.get(`${choice.instanceType}|${choice.region}`);
    if (regional === undefined) return undefined;
    return choice.availabilityZone === null
      ? regional
      : { ...regional, availabilityZone: choice.availabilityZone };
  }

  /** Why an offer cannot be launched now, or `undefined` when it can. */
  #refusal(choice: OfferChoice, nodes: number): LaunchFailure | undefined {
    const offer = this.#offerOf(choice);
    if (offer === undefined)
      return { kind: 'unsupported', offerId: choice.offerId, code: 'Unsupported', message: 'not offered' };
    const quotas = this.#o.quotas;
    if (quotas !== undefined) {
      const cls = quotaClassOf(offer.purchaseOption, offer.quotaFamily);
      const limit = quotaLimit(quotas, offer.region, cls);
      if (this.#vcpusHeld(offer.region, cls) + offer.vcpus * nodes > limit) {
        const code = offer.purchaseOption === 'spot' ? 'MaxSpotInstanceCountExceeded' : 'VcpuLimitExceeded';
        return { kind: 'quota-exceeded', offerId: offer.id, code, message: `${cls} quota of ${limit} vCPUs` };
      }
    }
    if (offer.purchaseOption === 'spot' && !this.#o.capacity.hasCapacity(spotPoolId(offer), this.#now())) {
      return {
        kind: 'insufficient-capacity',
        offerId: offer.id,
        code: 'InsufficientInstanceCapacity',
        message: `no spot capacity for ${offer.instanceType} in ${offer.availabilityZone ?? offer.region}`,
      };
    }
    return undefined;
  }

  async #launch(region: string, request: LaunchRequest): Promise<LaunchResult> {
    checkLaunchRequest(request, region);
    const existing = this.#live(region, (i) => i.allocationId === request.allocationId);
    if (existing.length > 0) {
      const instanceIds = existing.map((i) => i.instanceId);
      return existing.length >= request.nodes
        ? { outcome: 'launched', fleetId: null, instanceIds, reused: true }
        : { outcome: 'partial', fleetId: null, instanceIds, reused: true, failures: [] };
    }
    this.launchCalls += 1;
    const failures: LaunchFailure[] = [];
    for (const choice of offersOf(request)) {
      const refusal = this.#refusal(choice, request.nodes);
      if (refusal !== undefined) {
        failures.push(refusal);
        continue;
      }
      const offer = this.#offerOf(choice) as Offer;
      return this.#start(request, offer);
    }
    const first = failures[0]?.kind ?? 'insufficient-capacity';
    const ofKind = failures.filter((f) => f.kind === first);
    return {
      outcome: first,
      offerIds: ofKind.flatMap((f) => (f.offerId === null ? [] : [f.offerId])),
      message: ofKind.map((f) => `${f.code}: ${f.message}`).join('; '),
      failures,
    };
  }

  async #start(request: LaunchRequest, offer: Offer): Promise<LaunchResult> {
    const now = this.#now();
    this.#sequence += 1;
    const fleetId = `fleet-${this.#sequence.toString(16).padStart(12, '0')}`;
    const poolId = offer.purchaseOption === 'spot' ? spotPoolId(offer) : null;
    const instanceIds: string[] = [];
    for (let node = 0; node < request.nodes; node += 1) {
      const instanceId = `i-${this.#sequence.toString(16).padStart(12, '0')}${node.toString(16).padStart(5, '0')}`;
      const instance: SimulatedInstance = {
        instanceId,
        jobId: request.jobId,
        allocationId: request.allocationId,
        offer,
        poolId,
        availabilityZone: offer.availabilityZone ?? `${offer.region}a`,
        launchTime: new Date(now).toISOString(),
        tags: { ...request.tags },
        state: 'pending',
      };
      this.#instances.set(instanceId, instance);
      this.#unterminated.set(instanceId, instance);
      instanceIds.push(instanceId);
      await this.#send(STATE_CHANGE, instance, { state: 'pending' });
      const delay = (this.#o.launchDelaySeconds ?? 90) * 1000;
      this.#actions.push(now + delay, { kind: 'running', instanceId });
      if (poolId !== null) this.#scheduleReclaim(instance, poolId, now, delay);
    }
    return { outcome: 'launched', fleetId, instanceIds, reused: false };
  }

  /** The reclaim is known at launch: the pool's next outage in the trace. */
  #scheduleReclaim(instance: SimulatedInstance, poolId: string, now: number, delay: number): void {
    const outage = this.#o.capacity.nextOutage(poolId, now);
    if (!Number.isFinite(outage)) return;
    this.#actions.push(outage, { kind: 'warning', instanceId: instance.instanceId });
    const hash = Number.parseInt(sha256Hex(`${instance.instanceId}#rebalance`).slice(0, 8), 16);
    if ((hash % 1000) / 1000 < (this.#o.rebalanceShare ?? 0.5)) {
      // 5 to 20 minutes ahead, never before the instance runs.
      const leadMs = (5 + (hash % 16)) * 60_000;
      const at = Math.max(now + delay, outage - leadMs);
      if (at < outage) this.#actions.push(at, { kind: 'rebalance', instanceId: instance.instanceId });
    }
  }

  async #terminate(instanceIds: readonly string[]): Promise<TerminateResult> {
    const terminating: string[] = [];
    const notFound: string[] = [];
    const now = this.#now();
    for (const id of new Set(instanceIds)) {
      const instance = this.#instances.get(id);
      if (instance === undefined) {
        notFound.push(id);
        continue;
      }
      terminating.push(id);
      if (!LIVE.has(instance.state)) continue;
      await this.#setState(instance, 'shutting-down');
      this.#actions.push(now + (this.#o.shutdownSeconds ?? 60) * 1000, {
        kind: 'terminated',
        instanceId: id,
      });
    }
    return { terminating, notFound };
  }

  async #setState(instance: SimulatedInstance, state: string): Promise<void> {
    const previous = instance.state;
    if (previous === state) return;
    instance.state = state;
    if (state === 'terminated') {
      this.#unterminated.delete(instance.instanceId);
      instance.terminatedAtMs = this.#now();
    }
    for (const listener of this.#listeners) listener(instance, previous, this.#now());
    await this.#send(STATE_CHANGE, instance, { state });
  }

  /** One EventBridge `aws.ec2` envelope onto the ec2-events queue (a standard queue). */
  async #send(
    detailType: string,
    instance: SimulatedInstance,
    detail: Record<string, string>,
  ): Promise<void> {
    this.#eventSequence += 1;
    const body = JSON.stringify({
      version: '0',
      id: `sim-${this.#eventSequence.toString(16).padStart(12, '0')}`,
      'detail-type': detailType,
      source: 'aws.ec2',
      account: '000000000000',
      time: new Date(this.#now()).toISOString(),
      region: instance.offer.region,
      resources: [`arn:aws:ec2:${instance.availabilityZone}:000000000000:instance/${instance.instanceId}`],
      detail: { 'instance-id': instance.instanceId, ...detail },
    });
    const [result] = await this.#o.queues.send('ec2-events', [{ id: 'm0', body }]);
    if (result?.ok !== true) throw new Error(`ec2-events: ${JSON.stringify(result)}`);
  }
}
