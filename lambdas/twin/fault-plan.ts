/**
 * What a fault campaign injects into the twin, and how often: each kind at its own rate, drawn
 * from one seeded generator so that the same spec and seed give the same faults at the same
 * steps (the twin is deterministic otherwise too).
 */
export const FAULT_KINDS = [
  /** A delivered message is not deleted in time and comes back after its visibility timeout. */
  'duplicate',
  /** A batch is delivered out of order (across message groups; a FIFO group keeps its order). */
  'reorder',
  /** An EC2 state-change or interruption event never reaches the queue. */
  'lose-ec2-event',
  /** An EC2 event reaches the queue 1 to 30 minutes late. */
  'delay-ec2-event',
  /** A use-case dies right after a write to a port succeeded, before it could go on. */
  'crash',
  /** A port call fails with throttling or a 5xx before it does anything. */
  'throttle',
  /** The same solve, or the same provision message, runs twice at once. */
  'concurrent',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultRates = Readonly<Record<FaultKind, number>>;

/** Highest rate a kind may have: above it most steps fail and the run tests little else. */
export const MAX_FAULT_RATE = 0.5;

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/**
 * Reads `kind=rate[,kind=rate…]`, where `all=rate` sets every kind and later entries override
 * earlier ones, e.g. `all=0.01,crash=0.02`. Rates are shares of the steps a kind can hit, 0–0.5.
 *
 * @throws FaultSpecError naming the entry at fault
 */
export const parseFaultSpec = (spec: string): FaultRates => {
  const rates: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;
  const entries = spec.split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) throw new FaultSpecError('the fault spec is empty');
  for (const [index, entry] of entries.entries()) {
    const at = `entry ${index + 1} ("${entry}")`;
    const match = /^([a-z0-9-]+)=([0-9]*\.?[0-9]+)$/.exec(entry);
    if (match === null) throw new FaultSpecError(`${at}: expected kind=rate, e.g. crash=0.01`);
    const [, kind = '', text = ''] = match;
    const rate = Number(text);
    if (!(rate >= 0 && rate <= MAX_FAULT_RATE))
      throw new FaultSpecError(`${at}: rate must be between 0 and ${MAX_FAULT_RATE}`);
    if (kind === 'all') for (const k of FAULT_KINDS) rates[k] = rate;
    else if ((FAULT_KINDS as readonly string[]).includes(kind)) rates[kind as FaultKind] = rate;
    else
      throw new FaultSpecError(`${at}: unknown fault kind "${kind}"; one of all, ${FAULT_KINDS.join(', ')}`);
  }
  return rates;
};

/** A seeded 32-bit generator (mulberry32): small, fast, and the same on every platform. */
const generator = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/** Decides, step by step, whether a fault hits; counts what it injected and what it could have. */
export class FaultPlan {
  readonly rates: FaultRates;
  readonly #next: () => number;
  readonly #injected = new Map<FaultKind, number>();
  readonly #chances = new Map<FaultKind, number>();

  constructor(rates: FaultRates, seed = 1) {
    this.rates = rates;
    this.#next = generator(seed);
  }

  /** True when a fault of `kind` hits this step. Kinds at rate 0 draw nothing. */
  hit(kind: FaultKind): boolean {
    const rate = this.rates[kind];
    if (rate <= 0) return false;
    this.#chances.set(kind, (this.#chances.get(kind) ?? 0) + 1);
    const hit = this.#next() < rate;
    if (hit) this.#injected.set(kind, (this.#injected.get(kind) ?? 0) + 1);
    return hit;
  }

  /** A uniform draw in [0, 1), for how a fault plays out (e.g. how late an event is). */
  draw(): number {
    return this.#next();
  }

  /** Per kind: the steps it could hit and the faults injected. */
  counts(): Record<FaultKind, { readonly steps: number; readonly injected: number }> {
    return Object.fromEntries(
      FAULT_KINDS.map((k) => [k, { steps: this.#chances.get(k) ?? 0, injected: this.#injected.get(k) ?? 0 }]),
    ) as Record<FaultKind, { steps: number; injected: number }>;
  }
}

/** What an injected port failure looks like to the caller: the error a cloud SDK throws. */
export class InjectedFaultError extends Error {
  constructor(
    override readonly name: 'ThrottlingException' | 'SimulatedCrash',
    readonly port: string,
    readonly method: string,
  ) {
    super(
      name === 'ThrottlingException'
        ? `${port}.${method}: rate exceeded (injected)`
        : `${port}.${method} succeeded, then the process died (injected)`,
    );
  }
}
