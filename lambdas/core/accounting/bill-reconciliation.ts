import { JOB_ID_TAG, MANAGED_BY_TAG, TEAM_TAG } from '../jobs/managed-tags.js';
import type { LedgerRecord } from '../ledger/ledger-export.js';
import {
  BillLedgerIndex,
  type IndexedInstance,
  type LedgerHour,
  MS_PER_HOUR,
  PRICING_BIT,
} from './bill-ledger-index.js';
import {
  type BillFormat,
  type BillLine,
  type BillRowValues,
  billFormatOf,
  billLineOf,
  billTag,
  normalTagKey,
} from './bill-line.js';
import { usdOf } from './metering.js';

/**
 * The ledger held against the AWS bill: every instance-hour line of the bill is matched to the
 * ledger's usage by instance id and clock hour; per job, team and day the ledger's cost, the
 * billed cost and the drift between them; and each difference named: bill lines of managed
 * instances the ledger does not know (leaks), ledger usage the bill does not charge (missing),
 * billed hours outside the recorded usage, billed time that differs, and price differences,
 * explained where the bill says why (Savings Plans, reservations, spot price moves).
 *
 * One pass over each input: the ledger is read into an index of its usage by instance id
 * (bill-ledger-index.ts); the bill streams through it a row at a time. Pure: rows come from a
 * file adapter, nothing here reads a file or the clock.
 */

export const BILL_DIFFERENCE_KINDS = [
  'leak',
  'missing',
  'outside-usage',
  'hours-differ',
  'savings-plan',
  'reserved-instance',
  'spot-price-move',
  'price-differs',
] as const;
export type BillDifferenceKind = (typeof BILL_DIFFERENCE_KINDS)[number];

/** Kinds whose drift the bill itself explains. */
export const EXPLAINED_KINDS: ReadonlySet<BillDifferenceKind> = new Set([
  'savings-plan',
  'reserved-instance',
  'spot-price-move',
]);

/** What counts as the same amount and the same time in one instance-hour. */
export const BILL_TOLERANCE = {
  /** Absolute: a tenth of a cent per instance-hour (bill rates carry more decimals than µ$). */
  micros: 1_000,
  /** Relative to the ledger's cost of the hour. */
  relative: 0.001,
  /** Billed time against recorded time, per instance-hour (a second either side of a boundary). */
  seconds: 2,
} as const;

export interface BillDifference {
  readonly kind: BillDifferenceKind;
  readonly instanceId: string;
  /** The ledger's job (for a leak: its `quartermaster:job-id` tag), `null` when unknown. */
  readonly jobId: string | null;
  readonly team: string | null;
  /** First clock hour and the end of the last, `YYYY-MM-DDTHH:00:00Z`. */
  readonly from: string;
  readonly to: string;
  /** Clock hours the difference spans. */
  readonly hours: number;
  readonly ledgerUsd: number;
  readonly billedUsd: number;
  readonly driftUsd: number;
  readonly detail: string;
  /** The first bill line (row) behind it; `null` for usage the bill lacks. */
  readonly billLine: number | null;
}

export interface BillDriftRow {
  /** Job id, team or `YYYY-MM-DD`. */
  readonly key: string;
  readonly team: string | null;
  readonly ledgerUsd: number;
  readonly billedUsd: number;
  readonly driftUsd: number;
}

export interface BillReconciliation {
  readonly source: string;
  readonly format: BillFormat;
  /** The bill's period (its billing period columns, else its first and last hour); `null` without rows. */
  readonly period: { readonly start: string; readonly end: string } | null;
  readonly currency: 'USD';
  /** Data rows read, instance-hour lines among them, and the rest (not EC2 instance usage). */
  readonly rows: number;
  readonly instanceLines: number;
  readonly skippedRows: number;
  readonly ledgerUsageRecords: number;
  /** Instances on the bill neither in the ledger nor tagged as the service's: not reconciled. */
  readonly unmanaged: { readonly instances: number; readonly lines: number; readonly billedUsd: number };
  readonly tolerance: typeof BILL_TOLERANCE;
  readonly totals: {
    readonly ledgerUsd: number;
    readonly billedUsd: number;
    readonly driftUsd: number;
    /** Drift of the differences the bill explains, and of the rest. */
    readonly explainedDriftUsd: number;
    readonly unexplainedDriftUsd: number;
  };
  readonly counts: Readonly<Record<BillDifferenceKind, number>>;
  readonly teams: readonly BillDriftRow[];
  readonly days: readonly BillDriftRow[];
  readonly jobs: readonly BillDriftRow[];
  readonly differences: readonly BillDifference[];
}

/** A bill as a file adapter hands it over: its columns, then its rows one at a time. */
export interface BillRows {
  readonly source: string;
  readonly columns: readonly string[];
  readonly rows:
    | AsyncIterable<{ readonly line: number; readonly values: BillRowValues }>
    | Iterable<{
        readonly line: number;
        readonly values: BillRowValues;
      }>;
}

const UNKNOWN_TEAM = '(unknown)';

class Sums {
  ledger = 0;
  billed = 0;
  constructor(readonly team: string | null) {}
}

const sum = (map: Map<string, Sums>, key: string, team: string | null): Sums => {
  let s = map.get(key);
  if (s === undefined) {
    s = new Sums(team);
    map.set(key, s);
  }
  return s;
};

const hourIso = (hour: number): string => new Date(hour * MS_PER_HOUR).toISOString().replace('.000Z', 'Z');
const dayOf = (hour: number): string => new Date(hour * MS_PER_HOUR).toISOString().slice(0, 10);
const usd4 = (usd: number): string => usd.toFixed(4);

interface Leak {
  readonly team: string | null;
  readonly jobId: string | null;
  readonly instanceType: string | null;
  first: number;
  last: number;
  readonly hours: Set<number>;
  micros: number;
  readonly firstLine: number;
}

/** One instance-hour of a ledger instance, classified. */
interface ClassifiedHour {
  readonly hour: number;
  readonly kind: BillDifferenceKind | null;
  readonly ledgerMicros: number;
  readonly billedMicros: number;
  readonly ledgerSeconds: number;
  readonly billedHours: number;
  readonly minRate: number;
  readonly maxRate: number;
  readonly pricing: number;
  readonly firstLine: number | null;
  readonly ledger: LedgerHour | undefined;
}

const pricingNames = (bits: number): string =>
  (Object.entries(PRICING_BIT) as [string, number][])
    .filter(([, bit]) => (bits & bit) !== 0)
    .map(([name]) => name)
    .join('+');

const classify = (
  ledger: LedgerHour | undefined,
  billedMicros: number,
  billedHours: number,
  lines: number,
  pricing: number,
): BillDifferenceKind | null => {
  if (ledger === undefined) return lines > 0 ? 'outside-usage' : null;
  if (lines === 0) return ledger.micros > 0 || ledger.seconds > 0 ? 'missing' : null;
  const drift = Math.abs(billedMicros - ledger.micros);
  if (drift <= Math.max(BILL_TOLERANCE.micros, BILL_TOLERANCE.relative * ledger.micros)) return null;
  if (Math.abs(billedHours * 3600 - ledger.seconds) > BILL_TOLERANCE.seconds) return 'hours-differ';
  if ((pricing & PRICING_BIT['savings-plan']) !== 0) return 'savings-plan';
  if ((pricing & PRICING_BIT['reserved-instance']) !== 0) return 'reserved-instance';
  if (pricing === PRICING_BIT.spot && ledger.interval.purchaseOption === 'spot') return 'spot-price-move';
  return 'price-differs';
};

const rateText = (min: number, max: number): string =>
  !Number.isFinite(min) ? 'no rate' : min === max ? `${usd4(min)} USD/h` : `${usd4(min)}–${usd4(max)} USD/h`;

const detailOf = (
  run: readonly ClassifiedHour[],
  instance: IndexedInstance,
  commitment: string | undefined,
): string => {
  const first = run[0] as ClassifiedHour;
  const kind = first.kind as BillDifferenceKind;
  const min = Math.min(...run.map((h) => h.minRate));
  const max = Math.max(...run.map((h) => h.maxRate));
  const interval = first.ledger?.interval ?? instance.intervals[0];
  const price =
    interval === undefined
      ? 'no price'
      : `${usd4(interval.unitPriceUsdPerHour)} USD/h ${interval.purchaseOption}`;
  const billedH = run.reduce((s, h) => s + h.billedHours, 0);
  const ledgerH = run.reduce((s, h) => s + h.ledgerSeconds, 0) / 3600;
  switch (kind) {
    case 'missing':
      return `the ledger records ${ledgerH.toFixed(3)} instance-hours at ${price} that the bill does not charge`;
    case 'outside-usage':
      return `billed ${billedH.toFixed(3)} instance-hours at ${rateText(min, max)} in hours with no recorded usage of the instance (before its start or after its stop)`;
    case 'hours-differ':
      return `billed ${billedH.toFixed(3)} instance-hours, the ledger records ${ledgerH.toFixed(3)}`;
    case 'savings-plan':
      return `covered by Savings Plan ${commitment ?? '(no ARN on the line)'}: ${rateText(min, max)} against ${price}`;
    case 'reserved-instance':
      return `covered by reservation ${commitment ?? '(no ARN on the line)'}: ${rateText(min, max)} against ${price}`;
    case 'spot-price-move': {
      const within = run.some((h) => h.minRate !== h.maxRate) ? '; the price moved within the hour' : '';
      return `spot price ${rateText(min, max)} on the bill against ${price} at allocation${within}`;
    }
    case 'price-differs':
      return `billed ${rateText(min, max)} (${pricingNames(run.reduce((b, h) => b | h.pricing, 0))}) against ${price} in the ledger`;
    default:
      return '';
  }
};

/**
 * Reconciles a ledger export with a bill.
 * @throws BillInputError for a bill that is not a CUR 2.0 or FOCUS 1.2 export or a row it cannot read
 * @throws LedgerParseError from the ledger's reader
 */
export const reconcileBill = async (
  ledger: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  bill: BillRows,
): Promise<BillReconciliation> => {
  const index = new BillLedgerIndex();
  for await (const record of ledger) if (record.kind === 'usage') index.addUsage(record);

  const format = billFormatOf(bill.columns, bill.source);
  const leaks = new Map<string, Leak>();
  const unmanaged = new Set<string>();
  let unmanagedLines = 0;
  let unmanagedMicros = 0;
  const commitments = new Map<string, string>();
  const leakDays = new Map<string, Sums>();
  let rows = 0;
  let instanceLines = 0;
  let periodStart = Number.POSITIVE_INFINITY;
  let periodEnd = Number.NEGATIVE_INFINITY;
  let hoursStart = Number.POSITIVE_INFINITY;
  let hoursEnd = Number.NEGATIVE_INFINITY;
  const managedKey = normalTagKey(MANAGED_BY_TAG);

  const addLeak = (line: BillLine) => {
    let leak = leaks.get(line.instanceId);
    const hour = Math.floor(line.startMs / MS_PER_HOUR);
    if (leak === undefined) {
      leak = {
        team: billTag(line.tags, TEAM_TAG) ?? null,
        jobId: billTag(line.tags, JOB_ID_TAG) ?? billTag(line.tags, 'quartermaster:job') ?? null,
        instanceType: line.instanceType,
        first: hour,
        last: hour,
        hours: new Set(),
        micros: 0,
        firstLine: line.line,
      };
      leaks.set(line.instanceId, leak);
    }
    leak.first = Math.min(leak.first, hour);
    leak.last = Math.max(leak.last, hour);
    leak.hours.add(hour);
    leak.micros += line.costMicros;
    sum(leakDays, dayOf(hour), null).billed += line.costMicros;
  };

  for await (const { line: lineNo, values } of bill.rows) {
    rows += 1;
    const line = billLineOf(format, values, lineNo, bill.source);
    if (line === undefined) continue;
    instanceLines += 1;
    if (line.periodStartMs !== null) periodStart = Math.min(periodStart, line.periodStartMs);
    if (line.periodEndMs !== null) periodEnd = Math.max(periodEnd, line.periodEndMs);
    hoursStart = Math.min(hoursStart, line.startMs);
    hoursEnd = Math.max(hoursEnd, line.endMs);
    if (line.commitmentId !== null) commitments.set(line.instanceId, line.commitmentId);
    if (index.addBillLine(line)) continue;
    const managed = Object.keys(line.tags).some((k) => {
      const key = normalTagKey(k);
      return key === managedKey || key.startsWith('quartermaster_');
    });
    if (managed) addLeak(line);
    else {
      unmanaged.add(line.instanceId);
      unmanagedLines += 1;
      unmanagedMicros += line.costMicros;
    }
  }

  const fromMs = Number.isFinite(periodStart) ? periodStart : hoursStart;
  const toMs = Number.isFinite(periodEnd) ? periodEnd : hoursEnd;
  const hasPeriod = Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs;

  const jobs = new Map<string, Sums>();
  const teams = new Map<string, Sums>();
  const days = new Map<string, Sums>();
  const differences: BillDifference[] = [];
  const counts = Object.fromEntries(BILL_DIFFERENCE_KINDS.map((k) => [k, 0])) as Record<
    BillDifferenceKind,
    number
  >;
  let explained = 0;
  let unexplained = 0;

  const record = (run: ClassifiedHour[], instance: IndexedInstance) => {
    const first = run[0];
    const last = run[run.length - 1];
    if (first === undefined || last === undefined || first.kind === null) return;
    const ledgerMicros = run.reduce((s, h) => s + h.ledgerMicros, 0);
    const billedMicros = run.reduce((s, h) => s + h.billedMicros, 0);
    const interval = first.ledger?.interval ?? instance.intervals[0];
    const drift = billedMicros - ledgerMicros;
    if (EXPLAINED_KINDS.has(first.kind)) explained += drift;
    else unexplained += drift;
    counts[first.kind] += 1;
    differences.push({
      kind: first.kind,
      instanceId: instance.instanceId,
      jobId: interval?.jobId ?? null,
      team: interval?.team ?? null,
      from: hourIso(first.hour),
      to: hourIso(last.hour + 1),
      hours: run.length,
      ledgerUsd: usdOf(ledgerMicros),
      billedUsd: usdOf(billedMicros),
      driftUsd: usdOf(drift),
      detail: detailOf(run, instance, commitments.get(instance.instanceId)),
      billLine: run.find((h) => h.firstLine !== null)?.firstLine ?? null,
    });
  };

  for (const instance of index.instances.values()) {
    const ledgerHours = hasPeriod ? index.ledgerHours(instance, fromMs, toMs) : new Map<number, LedgerHour>();
    const billed = instance.billed;
    const hours = new Set(ledgerHours.keys());
    if (billed !== null)
      for (let i = 0; i < billed.length; i++) if ((billed.lines[i] ?? 0) > 0) hours.add(billed.base + i);
    const sorted = [...hours].sort((a, b) => a - b);
    let run: ClassifiedHour[] = [];
    for (const hour of sorted) {
      const ledger = ledgerHours.get(hour);
      const i = billed === null ? -1 : hour - billed.base;
      const inBill = billed !== null && i >= 0 && i < billed.length;
      const lines = inBill ? (billed.lines[i] ?? 0) : 0;
      const billedMicros = inBill ? (billed.micros[i] ?? 0) : 0;
      const billedHours = inBill ? (billed.hours[i] ?? 0) : 0;
      const pricing = inBill ? (billed.pricing[i] ?? 0) : 0;
      const classified: ClassifiedHour = {
        hour,
        kind: classify(ledger, billedMicros, billedHours, lines, pricing),
        ledgerMicros: ledger?.micros ?? 0,
        billedMicros,
        ledgerSeconds: ledger?.seconds ?? 0,
        billedHours,
        minRate: inBill ? (billed.minRate[i] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY,
        maxRate: inBill ? (billed.maxRate[i] ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY,
        pricing,
        firstLine: lines > 0 ? (billed?.firstLine[i] ?? null) : null,
        ledger,
      };
      const interval = ledger?.interval ?? instance.intervals[0];
      if (interval !== undefined) {
        for (const s of [
          sum(jobs, interval.jobId, interval.team),
          sum(teams, interval.team, interval.team),
          sum(days, dayOf(hour), null),
        ]) {
          s.ledger += classified.ledgerMicros;
          s.billed += billedMicros;
        }
      }
      const previous = run[run.length - 1];
      if (previous !== undefined && (previous.kind !== classified.kind || previous.hour + 1 !== hour)) {
        record(run, instance);
        run = [];
      }
      run.push(classified);
    }
    record(run, instance);
  }

  for (const [instanceId, leak] of leaks) {
    const team = leak.team ?? UNKNOWN_TEAM;
    sum(teams, team, team).billed += leak.micros;
    if (leak.jobId !== null) sum(jobs, leak.jobId, team).billed += leak.micros;
    counts.leak += 1;
    unexplained += leak.micros;
    differences.push({
      kind: 'leak',
      instanceId,
      jobId: leak.jobId,
      team: leak.team,
      from: hourIso(leak.first),
      to: hourIso(leak.last + 1),
      hours: leak.hours.size,
      ledgerUsd: 0,
      billedUsd: usdOf(leak.micros),
      driftUsd: usdOf(leak.micros),
      detail: `a managed instance${leak.instanceType === null ? '' : ` (${leak.instanceType})`} the ledger has no usage of: billed in ${leak.hours.size} clock hours${leak.team === null ? '' : `, tagged team ${leak.team}`}${leak.jobId === null ? '' : `, job ${leak.jobId}`}`,
      billLine: leak.firstLine,
    });
  }
  for (const [day, s] of leakDays) sum(days, day, null).billed += s.billed;

  const rowsOf = (map: Map<string, Sums>): BillDriftRow[] =>
    [...map.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, s]) => ({
        key,
        team: s.team,
        ledgerUsd: usdOf(s.ledger),
        billedUsd: usdOf(s.billed),
        driftUsd: usdOf(s.billed - s.ledger),
      }));
  const teamRows = rowsOf(teams);
  const ledgerTotal = [...teams.values()].reduce((s, t) => s + t.ledger, 0);
  const billedTotal = [...teams.values()].reduce((s, t) => s + t.billed, 0);
  differences.sort((a, b) =>
    a.kind !== b.kind
      ? BILL_DIFFERENCE_KINDS.indexOf(a.kind) - BILL_DIFFERENCE_KINDS.indexOf(b.kind)
      : a.instanceId < b.instanceId
        ? -1
        : a.instanceId > b.instanceId
          ? 1
          : a.from < b.from
            ? -1
            : 1,
  );
  return {
    source: bill.source,
    format,
    period: hasPeriod ? { start: hourIso(fromMs / MS_PER_HOUR), end: hourIso(toMs / MS_PER_HOUR) } : null,
    currency: 'USD',
    rows,
    instanceLines,
    skippedRows: rows - instanceLines,
    ledgerUsageRecords: index.usageRecords,
    unmanaged: { instances: unmanaged.size, lines: unmanagedLines, billedUsd: usdOf(unmanagedMicros) },
    tolerance: BILL_TOLERANCE,
    totals: {
      ledgerUsd: usdOf(ledgerTotal),
      billedUsd: usdOf(billedTotal),
      driftUsd: usdOf(billedTotal - ledgerTotal),
      explainedDriftUsd: usdOf(explained),
      unexplainedDriftUsd: usdOf(unexplained),
    },
    counts,
    teams: teamRows,
    days: rowsOf(days).filter((d) => d.ledgerUsd !== 0 || d.billedUsd !== 0),
    jobs: rowsOf(jobs),
    differences,
  };
};
