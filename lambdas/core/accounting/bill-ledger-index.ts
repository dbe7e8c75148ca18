import type { LedgerUsage } from '../ledger/ledger-export.js';
import type { BillLine, BillPricing } from './bill-line.js';
import { costMicrosOf, microsPerHour } from './metering.js';

/**
 * The ledger's usage by instance id and clock hour, with what the bill charged for each of those
 * hours added as its lines stream past. It is the only thing reconciliation holds: one slot per
 * instance-hour the ledger knows (typed arrays, growing where the bill runs past the ledger), so a
 * bill of any length passes through in constant memory beyond it.
 */

export const MS_PER_HOUR = 3_600_000;

/** One usage interval as the index keeps it. */
export interface IndexedInterval {
  readonly jobId: string;
  readonly team: string;
  readonly purchaseOption: 'spot' | 'on-demand';
  readonly unitPriceUsdPerHour: number;
  readonly startMs: number;
  /** `null`: still running, metered to the bill's period end. */
  readonly stopMs: number | null;
}

export const PRICING_BIT: Readonly<Record<BillPricing, number>> = {
  'on-demand': 1,
  spot: 2,
  'savings-plan': 4,
  'reserved-instance': 8,
};

const GROW = 64;

/** What the bill charged an instance, hour by hour from `base`. */
export class BilledHours {
  base: number;
  micros: Float64Array;
  hours: Float64Array;
  lines: Uint32Array;
  firstLine: Uint32Array;
  pricing: Uint8Array;
  minRate: Float64Array;
  maxRate: Float64Array;

  constructor(base: number, length: number) {
    this.base = base;
    this.micros = new Float64Array(length);
    this.hours = new Float64Array(length);
    this.lines = new Uint32Array(length);
    this.firstLine = new Uint32Array(length);
    this.pricing = new Uint8Array(length);
    this.minRate = new Float64Array(length).fill(Number.POSITIVE_INFINITY);
    this.maxRate = new Float64Array(length).fill(Number.NEGATIVE_INFINITY);
  }

  get length(): number {
    return this.micros.length;
  }

  /** Makes room for `hour`, moving the arrays when it lies before `base` or past the end. */
  private ensure(hour: number): number {
    if (hour >= this.base && hour < this.base + this.length) return hour - this.base;
    const base = Math.min(this.base, hour - (hour < this.base ? GROW : 0));
    const end = Math.max(this.base + this.length, hour + 1 + (hour >= this.base ? GROW : 0));
    const moved = new BilledHours(base, end - base);
    const at = this.base - base;
    moved.micros.set(this.micros, at);
    moved.hours.set(this.hours, at);
    moved.lines.set(this.lines, at);
    moved.firstLine.set(this.firstLine, at);
    moved.pricing.set(this.pricing, at);
    moved.minRate.set(this.minRate, at);
    moved.maxRate.set(this.maxRate, at);
    Object.assign(this, moved);
    return hour - this.base;
  }

  add(line: BillLine): void {
    const i = this.ensure(Math.floor(line.startMs / MS_PER_HOUR));
    this.micros[i] = (this.micros[i] ?? 0) + line.costMicros;
    this.hours[i] = (this.hours[i] ?? 0) + line.hours;
    if ((this.lines[i] ?? 0) === 0) this.firstLine[i] = line.line;
    this.lines[i] = (this.lines[i] ?? 0) + 1;
    this.pricing[i] = (this.pricing[i] ?? 0) | PRICING_BIT[line.pricing];
    if (line.rateUsdPerHour !== null && line.hours > 0) {
      this.minRate[i] = Math.min(this.minRate[i] ?? Number.POSITIVE_INFINITY, line.rateUsdPerHour);
      this.maxRate[i] = Math.max(this.maxRate[i] ?? Number.NEGATIVE_INFINITY, line.rateUsdPerHour);
    }
  }
}

/** An instance the ledger knows: its intervals and what the bill charged it. */
export interface IndexedInstance {
  readonly instanceId: string;
  readonly intervals: IndexedInterval[];
  billed: BilledHours | null;
}

/** The ledger's cost of one instance in one clock hour, and whose it is. */
export interface LedgerHour {
  readonly micros: number;
  /** Seconds of recorded usage in the hour. */
  readonly seconds: number;
  /** The interval with the most of the hour (its job, team, price and purchase option). */
  readonly interval: IndexedInterval;
}

/**
 * Per-hour ledger cost of an interval, cut at clock hours the way metering cuts at days: each
 * piece is the rounded cumulative cost at its end minus that at its start, so the pieces add up
 * exactly to the interval's cost and to what `qm report` shows for it.
 */
export function* intervalHours(
  interval: IndexedInterval,
  endMs: number,
  fromMs: number,
  toMs: number,
): Generator<{ hour: number; micros: number; ms: number }> {
  const stop = interval.stopMs ?? Math.max(interval.startMs, endMs);
  const price = microsPerHour(interval.unitPriceUsdPerHour);
  const from = Math.max(interval.startMs, fromMs);
  const to = Math.min(stop, toMs);
  for (let start = from; start < to; ) {
    const hour = Math.floor(start / MS_PER_HOUR);
    const end = Math.min(to, (hour + 1) * MS_PER_HOUR);
    yield {
      hour,
      micros: costMicrosOf(end - interval.startMs, price) - costMicrosOf(start - interval.startMs, price),
      ms: end - start,
    };
    start = end;
  }
}

export class BillLedgerIndex {
  readonly instances = new Map<string, IndexedInstance>();
  /** Interned names, so 100,000 intervals hold four team strings. */
  private readonly names = new Map<string, string>();
  usageRecords = 0;

  private intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }

  addUsage(usage: LedgerUsage): void {
    this.usageRecords += 1;
    const interval: IndexedInterval = {
      jobId: usage.jobId,
      team: this.intern(usage.team),
      purchaseOption: usage.purchaseOption,
      // Hours drawn on a commitment are billed (or carry an effective cost) at its effective rate,
      // not at the marginal 0 the allocation stored: compare the bill with what finance sees.
      unitPriceUsdPerHour: usage.commitment?.effectiveUnitPriceUsdPerHour ?? usage.unitPriceUsdPerHour,
      startMs: Date.parse(usage.startedAt),
      stopMs: usage.stoppedAt === null ? null : Date.parse(usage.stoppedAt),
    };
    const known = this.instances.get(usage.instanceId);
    if (known === undefined)
      this.instances.set(usage.instanceId, {
        instanceId: usage.instanceId,
        intervals: [interval],
        billed: null,
      });
    else known.intervals.push(interval);
  }

  /** Adds a bill line to its instance; false when the ledger does not know the instance. */
  addBillLine(line: BillLine): boolean {
    const instance = this.instances.get(line.instanceId);
    if (instance === undefined) return false;
    if (instance.billed === null) {
      const first = Math.min(...instance.intervals.map((i) => i.startMs));
      const last = Math.max(...instance.intervals.map((i) => i.stopMs ?? i.startMs));
      const base = Math.floor(first / MS_PER_HOUR);
      instance.billed = new BilledHours(base, Math.max(1, Math.ceil(last / MS_PER_HOUR) - base + 1));
    }
    instance.billed.add(line);
    return true;
  }

  /**
   * The ledger's hours of an instance inside `[fromMs, toMs)`, open intervals running to `toMs`.
   * A clock hour two intervals share is one entry, attributed to the interval with more of it.
   */
  ledgerHours(instance: IndexedInstance, fromMs: number, toMs: number): Map<number, LedgerHour> {
    const hours = new Map<number, { micros: number; ms: number; best: IndexedInterval; bestMs: number }>();
    for (const interval of instance.intervals)
      for (const piece of intervalHours(interval, toMs, fromMs, toMs)) {
        const known = hours.get(piece.hour);
        if (known === undefined)
          hours.set(piece.hour, { micros: piece.micros, ms: piece.ms, best: interval, bestMs: piece.ms });
        else {
          known.micros += piece.micros;
          known.ms += piece.ms;
          if (piece.ms > known.bestMs) {
            known.best = interval;
            known.bestMs = piece.ms;
          }
        }
      }
    const out = new Map<number, LedgerHour>();
    for (const [hour, h] of hours)
      out.set(hour, { micros: h.micros, seconds: h.ms / 1000, interval: h.best });
    return out;
  }
}
