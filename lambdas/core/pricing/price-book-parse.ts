import { QuartermasterError } from '../errors.js';
import type { AcceleratorKind, GpuModel } from '../jobs/gpu-model.js';
import { normaliseGpuModel } from './gpu-normalise.js';
import type { InterruptionBucket, QuotaFamily } from './offer.js';
import { type AdvisorEntry, impliedSpotPrice, push } from './price-book-rules.js';
import { quotaFamilyOf } from './quota-family.js';

/** Columns of `aws_gpu_catalog.csv`: one type × region (× AZ when a spot price is known). */
export const CATALOG_COLUMNS = [
  'instance_type',
  'region',
  'zone',
  'on_demand_usd_per_hour',
  'spot_usd_per_hour',
  'source',
  'as_of',
] as const;

/** Columns of `aws_gpu_instance_specs.csv`: one row per instance type. */
export const SPEC_COLUMNS = [
  'instance_type',
  'accelerator_kind',
  'accelerator_name',
  'accelerator_count',
  'accel_memory_per_device_gib',
  'vcpus',
  'memory_gib',
  'efa_interfaces',
] as const;

/** Columns of `aws_spot_advisor_gpu.csv`: interruption bucket and savings per region × type. */
export const ADVISOR_COLUMNS = [
  'region',
  'instance_type',
  'interruption_r',
  'savings_pct_s',
  'on_demand_usd_per_hour',
  'implied_spot_usd_per_hour',
  'source',
  'as_of',
] as const;

/** Columns of a dated on-demand table such as `aws_gpu_ondemand_us_east_1_karpenter_<date>.csv`. */
export const ON_DEMAND_COLUMNS = [
  'instance_type',
  'region',
  'on_demand_usd_per_hour',
  'source',
  'as_of',
] as const;

/** `at` says where a row came from (`file:line`), so a bad value is reported where it lives. */
type Row<Columns extends readonly string[]> = Readonly<Record<Columns[number], string>> & {
  readonly at?: string;
};

export type CatalogRow = Row<typeof CATALOG_COLUMNS>;
export type SpecRow = Row<typeof SPEC_COLUMNS>;
export type AdvisorRow = Row<typeof ADVISOR_COLUMNS>;
export type OnDemandRow = Row<typeof ON_DEMAND_COLUMNS>;

/** Parsed source rows, as strings exactly as the files hold them. */
export interface PriceBookInput {
  readonly catalog: readonly CatalogRow[];
  readonly specs: readonly SpecRow[];
  readonly advisor: readonly AdvisorRow[];
  readonly onDemand: readonly OnDemandRow[];
}

/** Standard region codes; Local Zones (`us-east-1-atl-1`) and Wavelength Zones are not regions. */
export const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Bad input rows: the message names the file position and the column. */
export class PriceBookInputError extends QuartermasterError {
  override readonly name = 'PriceBookInputError';
}

/** Where a row came from, for error messages. */
export const where = (row: { readonly at?: string }): string => row.at ?? 'input row';

/**
 * The date a price holds for. A range (`2026-03-24/2026-07-20`: collected between two dates) gives
 * its first date; `<=2025-06-28` (no later than) gives that date.
 */
export const parseAsOf = (raw: string, at = 'input'): string => {
  const first = raw.trim().replace(/^<=/, '').split('/')[0]?.trim() ?? '';
  if (!ISO_DATE.test(first) || Number.isNaN(Date.parse(first))) {
    throw new PriceBookInputError(`${at}: as_of "${raw}" is not an ISO date (YYYY-MM-DD)`);
  }
  return first;
};

export type PriceCell =
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'price'; readonly value: number };

/** A price cell: empty, a price > 0, or invalid (≤ 0 or not a finite number). */
export const priceCell = (raw: string): PriceCell => {
  const text = raw.trim();
  if (text === '') return { kind: 'empty' };
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? { kind: 'price', value } : { kind: 'invalid' };
};

const requiredNumber = (raw: string, column: string, row: { readonly at?: string }): number => {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new PriceBookInputError(`${where(row)}: ${column} "${raw}" is not a non-negative number`);
  }
  return value;
};

const optionalNumber = (raw: string, column: string, row: { readonly at?: string }): number | null =>
  raw.trim() === '' ? null : requiredNumber(raw, column, row);

const ACCELERATOR_KINDS: Readonly<Record<string, AcceleratorKind>> = {
  gpu: 'gpu',
  neuron: 'neuron',
  'other-accelerator': 'other',
  other: 'other',
};

/** The per-type fields of an offer, from its spec row. */
export interface TypeSpec {
  readonly acceleratorKind: AcceleratorKind;
  readonly gpuModel: GpuModel;
  readonly gpuCount: number;
  readonly gpuMemoryGiB: number | null;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly efa: boolean;
  readonly quotaFamily: QuotaFamily;
}

/**
 * Spec rows by instance type. Types whose accelerator does not map to a known model are added to
 * `unknown` and left out.
 *
 * @throws PriceBookInputError on a repeated type or a bad number
 */
export const parseSpecs = (
  rows: readonly SpecRow[],
  unknown: { instanceType: string; name: string }[],
): Map<string, TypeSpec> => {
  const specs = new Map<string, TypeSpec>();
  const seen = new Set<string>();
  for (const row of rows) {
    const instanceType = row.instance_type.trim();
    if (seen.has(instanceType)) {
      throw new PriceBookInputError(
        `${where(row)}: instance type "${instanceType}" has more than one spec row`,
      );
    }
    seen.add(instanceType);
    const gpuMemoryGiB = optionalNumber(row.accel_memory_per_device_gib, 'accel_memory_per_device_gib', row);
    const gpuModel = normaliseGpuModel(row.accelerator_name, gpuMemoryGiB);
    const acceleratorKind = ACCELERATOR_KINDS[row.accelerator_kind.trim()];
    if (gpuModel === undefined || acceleratorKind === undefined) {
      unknown.push({ instanceType, name: `${row.accelerator_kind}/${row.accelerator_name}` });
      continue;
    }
    const gpuCount = requiredNumber(row.accelerator_count, 'accelerator_count', row);
    if (gpuCount <= 0) {
      throw new PriceBookInputError(`${where(row)}: accelerator_count must be > 0 for "${instanceType}"`);
    }
    specs.set(instanceType, {
      acceleratorKind,
      gpuModel,
      gpuCount,
      gpuMemoryGiB,
      vcpus: requiredNumber(row.vcpus, 'vcpus', row),
      memoryGiB: requiredNumber(row.memory_gib, 'memory_gib', row),
      efa: (optionalNumber(row.efa_interfaces, 'efa_interfaces', row) ?? 0) > 0,
      quotaFamily: quotaFamilyOf(instanceType),
    });
  }
  return specs;
};

const parseBucket = (row: AdvisorRow): InterruptionBucket | null => {
  const text = row.interruption_r.trim();
  if (text === '') return null;
  const value = Number(text);
  if (value === 0 || value === 1 || value === 2 || value === 3 || value === 4) return value;
  throw new PriceBookInputError(`${where(row)}: interruption_r "${row.interruption_r}" is not 0..4`);
};

const priceOf = (cell: PriceCell): number | null => (cell.kind === 'price' ? cell.value : null);

/**
 * Advisor entries by `type|region`, every row kept (the latest is chosen later).
 *
 * @throws PriceBookInputError on a non-region, a bad percentage, bucket or date
 */
export const parseAdvisor = (rows: readonly AdvisorRow[]): Map<string, AdvisorEntry[]> => {
  const candidates = new Map<string, AdvisorEntry[]>();
  for (const row of rows) {
    const region = row.region.trim();
    if (!REGION.test(region)) {
      throw new PriceBookInputError(`${where(row)}: region "${row.region}" is not a region code`);
    }
    const savingsText = row.savings_pct_s.trim();
    const savingsPct = Number(savingsText);
    if (savingsText === '' || !Number.isFinite(savingsPct) || savingsPct > 100) {
      throw new PriceBookInputError(
        `${where(row)}: savings_pct_s "${row.savings_pct_s}" is not a percentage`,
      );
    }
    const impliedSpot = impliedSpotPrice(
      priceOf(priceCell(row.implied_spot_usd_per_hour)),
      priceOf(priceCell(row.on_demand_usd_per_hour)),
      savingsPct,
    );
    push(candidates, `${row.instance_type.trim()}|${region}`, {
      bucket: parseBucket(row),
      savingsPct,
      impliedSpot,
      source: row.source.trim(),
      asOf: parseAsOf(row.as_of, where(row)),
      at: where(row),
    });
  }
  return candidates;
};
