import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import type { Commitment } from '../../lambdas/core/commitments/commitment.js';
import type { LedgerRecord, LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';
import {
  FOCUS_CAPABILITIES,
  FOCUS_COLUMNS,
  FOCUS_CUSTOM_COLUMNS,
  FOCUS_HEADER,
  focusCsvLines,
} from '../../lambdas/core/reports/focus-export.js';
import { generateLedgerMonth } from '../support/ledger-export-fixtures.js';

/**
 * Checks a generated month of 10,000 jobs, exported as FOCUS 1.2 CSV, against every rule of the
 * FOCUS 1.2 rule model that applies to GPU instances on EC2 and can be checked from the data.
 * The rule model is read from data/source/FOCUS-1.2-columns.md (the validator's rules).
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULES_FILE = path.resolve(repoRoot, 'data/source/FOCUS-1.2-columns.md');

interface ColumnSpec {
  readonly column: string;
  readonly level: 'M' | 'C' | 'O';
  readonly appliesWhen: readonly string[];
}

/** Column requirement levels and capabilities from the rule model: the `-C-000-` line of each column. */
const readColumnSpecs = (text: string): { specs: ColumnSpec[]; ruleIds: Set<string> } => {
  const specs: ColumnSpec[] = [];
  const ruleIds = new Set<string>();
  for (const line of text.split('\n')) {
    const id = /^- ([A-Za-z]+-[AC]-\d{3}-[MCO]):/.exec(line)?.[1];
    if (id !== undefined) ruleIds.add(id);
    const m = /^- ([A-Za-z]+)-C-000-([MCO]):.*?(?:\(applies when: ([^)]*)\))?$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    specs.push({
      column: m[1],
      level: m[2] as 'M' | 'C' | 'O',
      appliesWhen: m[3] === undefined ? [] : m[3].split(',').map((s) => s.trim()),
    });
  }
  return { specs, ruleIds };
};

/** RFC 4180 reader for the export (quoted cells, doubled quotes). */
const parseCsvLine = (line: string): string[] => {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
};

type Row = Readonly<Record<string, string>>;
const isNull = (v: string | undefined) => v === undefined || v === '';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Integer, decimal or E notation; no +, no commas, no symbols (NumericFormat-A-003…011-M). */
const NUMERIC = /^-?\d+(\.\d+)?(E-?\d+)?$/;
const PASCAL = /^[A-Z][a-zA-Z0-9]*$/;
const SERVICE_CATEGORIES = [
  'AI and Machine Learning',
  'Analytics',
  'Business Applications',
  'Compute',
  'Databases',
  'Developer Tools',
  'Multicloud',
  'Identity',
  'Integration',
  'Internet of Things',
  'Management and Governance',
  'Media',
  'Migration',
  'Mobile',
  'Networking',
  'Security',
  'Storage',
  'Web',
  'Other',
];
const COMPUTE_SUBCATEGORIES = [
  'Containers',
  'End User Computing',
  'Quantum Compute',
  'Serverless Compute',
  'Virtual Machines',
  'Other (Compute)',
];
const DATE_COLUMNS = ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd'];
const DECIMAL_COLUMNS = [
  'BilledCost',
  'ConsumedQuantity',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
  'PricingQuantity',
];
const MICRO = 1e-6;
const num = (v: string | undefined) => Number(v);
const close = (a: number, b: number, tol = MICRO + 1e-9) => Math.abs(a - b) <= tol;

const keyValue = (v: string): string | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  for (const [k, value] of Object.entries(parsed))
    if (typeof value === 'object' && value !== null) return `value of ${k} is an object or array`;
  return null;
};

interface RuleCheck {
  readonly id: string;
  /** A message when the row breaks the rule, else null. */
  readonly check: (row: Row) => string | null;
}

const must = (cond: boolean, message: string) => (cond ? null : message);
const usage = (row: Row) => row.ChargeCategory === 'Usage' && row.ChargeClass !== 'Correction';
/** The unused part of a commitment or a capacity reservation for a charge period. */
const unusedPart = (row: Row) =>
  row.CommitmentDiscountStatus === 'Unused' || row.CapacityReservationStatus === 'Unused';
const discounted = (row: Row) => !isNull(row.CommitmentDiscountId);

/**
 * Commitment and capacity-reservation rules (ADR 0015). CommitmentDiscountStatus-C-005-M in the
 * rule model lists "Active, Expired, Pending", which contradicts DiscountHandling-A-014-C and
 * -A-018-C ("Used" and "Unused") and the FOCUS 1.2 column itself; the export follows the latter,
 * so C-005-M is not claimed.
 */
const COMMITMENT_RULES: RuleCheck[] = [
  ...[
    'CommitmentDiscountName-C-004-C',
    'CommitmentDiscountCategory-C-003-C',
    'CommitmentDiscountType-C-004-C',
    'CommitmentDiscountStatus-C-003-C',
  ].map((id): RuleCheck => {
    const column = id.split('-')[0] ?? '';
    return {
      id,
      check: (r) => must(discounted(r) || isNull(r[column]), `${column} without a CommitmentDiscountId`),
    };
  }),
  ...['CommitmentDiscountCategory-C-004-C', 'CommitmentDiscountType-C-005-C'].map((id): RuleCheck => {
    const column = id.split('-')[0] ?? '';
    return {
      id,
      check: (r) => must(!discounted(r) || !isNull(r[column]), `${column} null with a CommitmentDiscountId`),
    };
  }),
  {
    id: 'CommitmentDiscountCategory-C-005-M',
    check: (r) =>
      must(
        isNull(r.CommitmentDiscountCategory) ||
          ['Spend', 'Usage'].includes(r.CommitmentDiscountCategory ?? ''),
        `CommitmentDiscountCategory ${r.CommitmentDiscountCategory}`,
      ),
  },
  {
    id: 'CommitmentDiscountStatus-C-004-C',
    check: (r) =>
      must(!(discounted(r) && usage(r)) || !isNull(r.CommitmentDiscountStatus), 'usage row without a status'),
  },
  {
    id: 'CommitmentDiscountQuantity-C-005-C',
    check: (r) =>
      must(
        !(discounted(r) && ['Usage', 'Purchase'].includes(r.ChargeCategory ?? '')) ||
          NUMERIC.test(r.CommitmentDiscountQuantity ?? ''),
        'CommitmentDiscountQuantity null on a commitment usage or purchase row',
      ),
  },
  {
    id: 'CommitmentDiscountQuantity-C-007-C',
    check: (r) =>
      must(
        discounted(r) || isNull(r.CommitmentDiscountQuantity),
        'CommitmentDiscountQuantity without a commitment',
      ),
  },
  {
    id: 'CommitmentDiscountUnit-C-005-C',
    check: (r) =>
      must(
        !isNull(r.CommitmentDiscountQuantity) || isNull(r.CommitmentDiscountUnit),
        'unit without a quantity',
      ),
  },
  {
    id: 'CommitmentDiscountUnit-C-006-C',
    check: (r) =>
      must(
        isNull(r.CommitmentDiscountQuantity) || !isNull(r.CommitmentDiscountUnit),
        'quantity without a unit',
      ),
  },
  {
    id: 'CapacityReservationStatus-C-003-C',
    check: (r) =>
      must(
        !isNull(r.CapacityReservationId) || isNull(r.CapacityReservationStatus),
        'status without a reservation',
      ),
  },
  {
    id: 'CapacityReservationStatus-C-004-C',
    check: (r) =>
      must(
        isNull(r.CapacityReservationId) || !usage(r) || !isNull(r.CapacityReservationStatus),
        'reservation usage without a status',
      ),
  },
  {
    id: 'CapacityReservationStatus-C-006-M',
    check: (r) =>
      must(
        isNull(r.CapacityReservationStatus) || ['Used', 'Unused'].includes(r.CapacityReservationStatus ?? ''),
        `CapacityReservationStatus ${r.CapacityReservationStatus}`,
      ),
  },
  {
    id: 'CapacityReservationId-C-005-C',
    check: (r) =>
      must(
        r.CapacityReservationStatus !== 'Unused' || !isNull(r.CapacityReservationId),
        'unused reservation without its id',
      ),
  },
  {
    id: 'DiscountHandling-A-006-C',
    check: (r) =>
      must(
        r.PricingCategory !== 'Committed' || discounted(r),
        'Committed row without a CommitmentDiscountId',
      ),
  },
  {
    id: 'DiscountHandling-A-009-C',
    check: (r) =>
      must(
        !(usage(r) && discounted(r)) || num(r.BilledCost) === 0,
        'usage covered by a commitment discount is billed',
      ),
  },
  ...['DiscountHandling-A-012-C', 'DiscountHandling-A-019-C'].map(
    (id): RuleCheck => ({
      id,
      check: (r) =>
        must(
          !(discounted(r) && (r.ChargeCategory === 'Purchase' || unusedPart(r))) ||
            (r.ResourceId === r.CommitmentDiscountId && !isNull(r.ResourceId)),
          'ResourceId is not the commitment id',
        ),
    }),
  ),
  {
    id: 'DiscountHandling-A-014-C',
    check: (r) =>
      must(
        !(usage(r) && discounted(r) && !unusedPart(r)) || r.CommitmentDiscountStatus === 'Used',
        'covered usage is not Used',
      ),
  },
  {
    id: 'DiscountHandling-A-018-C',
    check: (r) => must(!unusedPart(r) || r.ChargeCategory === 'Usage', 'an unused part is not a Usage row'),
  },
  {
    id: 'EffectiveCost-C-005-C',
    check: (r) =>
      must(r.ChargeCategory !== 'Purchase' || num(r.EffectiveCost) === 0, 'a purchase has an EffectiveCost'),
  },
];

const ROW_RULES: RuleCheck[] = [
  // Attributes
  ...[
    'DateTimeFormat-A-001-M',
    'DateTimeFormat-A-002-M',
    'DateTimeFormat-A-003-M',
    'DateTimeFormat-A-004-M',
    'DateTimeFormat-A-005-M',
    'DateTimeFormat-A-006-M',
  ].map(
    (id): RuleCheck => ({
      id,
      check: (row) => {
        const bad = DATE_COLUMNS.find((c) => !isNull(row[c]) && !DATE_TIME.test(row[c] ?? ''));
        return bad === undefined ? null : `${bad} ${row[bad]} is not YYYY-MM-DDTHH:mm:ssZ`;
      },
    }),
  ),
  ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(
    (n): RuleCheck => ({
      id: `NumericFormat-A-${String(n).padStart(3, '0')}-M`,
      check: (row) => {
        const bad = DECIMAL_COLUMNS.find((c) => !isNull(row[c]) && !NUMERIC.test(row[c] ?? ''));
        return bad === undefined ? null : `${bad} ${row[bad]} is not a plain number`;
      },
    }),
  ),
  {
    id: 'CurrencyFormat-A-001-C',
    check: (r) => must(/^[A-Z]{3}$/.test(r.BillingCurrency ?? ''), 'BillingCurrency not ISO 4217'),
  },
  {
    id: 'StringHandling-A-007-M',
    check: (r) => {
      const bad = Object.entries(r).find(([, v]) => v !== '' && v.trim() === '');
      return bad === undefined ? null : `${bad[0]} is blank`;
    },
  },
  {
    id: 'NullHandling-A-002-M',
    check: (r) => {
      const bad = Object.entries(r).find(([, v]) => /^(n\/a|not applicable|null|none)$/i.test(v));
      return bad === undefined ? null : `${bad[0]} holds the placeholder ${bad[1]}`;
    },
  },
  ...[
    'KeyValueFormat-A-001-M',
    'KeyValueFormat-A-003-M',
    'KeyValueFormat-A-004-M',
    'Tags-C-001-M',
    'SkuPriceDetails-C-001-M',
  ].map(
    (id): RuleCheck => ({
      id,
      check: (row) => {
        for (const c of ['Tags', 'SkuPriceDetails']) {
          const v = row[c];
          if (!isNull(v)) {
            const problem = keyValue(v ?? '');
            if (problem !== null) return `${c}: ${problem}`;
          }
        }
        return null;
      },
    }),
  ),
  // Not null
  ...[
    ['BilledCost-C-003-M', 'BilledCost'],
    ['BillingAccountId-C-001-M', 'BillingAccountId'],
    ['BillingAccountName-C-003-C', 'BillingAccountName'],
    ['BillingCurrency-C-004-M', 'BillingCurrency'],
    ['BillingPeriodEnd-C-003-M', 'BillingPeriodEnd'],
    ['BillingPeriodStart-C-003-M', 'BillingPeriodStart'],
    ['ChargeCategory-C-002-M', 'ChargeCategory'],
    ['ChargeFrequency-C-002-M', 'ChargeFrequency'],
    ['ChargePeriodEnd-C-003-M', 'ChargePeriodEnd'],
    ['ChargePeriodStart-C-003-M', 'ChargePeriodStart'],
    ['ContractedCost-C-003-M', 'ContractedCost'],
    ['EffectiveCost-C-003-M', 'EffectiveCost'],
    ['InvoiceIssuerName-C-003-M', 'InvoiceIssuerName'],
    ['ListCost-C-003-M', 'ListCost'],
    ['ProviderName-C-003-M', 'ProviderName'],
    ['PublisherName-C-003-M', 'PublisherName'],
    ['ServiceCategory-C-002-M', 'ServiceCategory'],
    ['ServiceName-C-003-M', 'ServiceName'],
    ['ServiceSubcategory-C-002-M', 'ServiceSubcategory'],
    ['ChargeDescription-C-003-O', 'ChargeDescription'],
  ].map(
    ([id = '', column = '']): RuleCheck => ({
      id,
      check: (r) => must(!isNull(r[column]), `${column} is null`),
    }),
  ),
  // Allowed values
  {
    id: 'ChargeCategory-C-003-M',
    check: (r) =>
      must(
        ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'].includes(r.ChargeCategory ?? ''),
        `ChargeCategory ${r.ChargeCategory}`,
      ),
  },
  {
    id: 'ChargeClass-C-003-C',
    check: (r) => must(isNull(r.ChargeClass), 'ChargeClass set on a row that is not a correction'),
  },
  {
    id: 'ChargeClass-C-005-C',
    check: (r) =>
      must(isNull(r.ChargeClass) || r.ChargeClass === 'Correction', `ChargeClass ${r.ChargeClass}`),
  },
  {
    id: 'ChargeFrequency-C-003-M',
    check: (r) =>
      must(
        ['One-Time', 'Recurring', 'Usage-Based'].includes(r.ChargeFrequency ?? ''),
        `ChargeFrequency ${r.ChargeFrequency}`,
      ),
  },
  {
    id: 'ChargeFrequency-C-004-C',
    check: (r) =>
      must(!(r.ChargeCategory === 'Purchase' && r.ChargeFrequency === 'Usage-Based'), 'Usage-Based purchase'),
  },
  {
    id: 'PricingCategory-C-007-M',
    check: (r) =>
      must(
        isNull(r.PricingCategory) ||
          ['Standard', 'Committed', 'Dynamic', 'Other'].includes(r.PricingCategory ?? ''),
        `PricingCategory ${r.PricingCategory}`,
      ),
  },
  {
    id: 'PricingCategory-C-010-C',
    check: (r) =>
      must(!r.SkuPriceId?.endsWith(':spot') || r.PricingCategory === 'Dynamic', 'spot is not Dynamic'),
  },
  {
    id: 'PricingCategory-C-008-C',
    check: (r) =>
      must(
        !r.SkuPriceId?.endsWith(':on-demand') ||
          !isNull(r.CommitmentDiscountId) ||
          r.PricingCategory === 'Standard',
        'on-demand is not Standard',
      ),
  },
  {
    id: 'PricingCategory-C-009-C',
    check: (r) =>
      must(
        !(usage(r) && !isNull(r.CommitmentDiscountId)) || r.PricingCategory === 'Committed',
        'usage under a commitment discount is not Committed',
      ),
  },
  ...COMMITMENT_RULES,
  {
    id: 'ServiceCategory-C-003-M',
    check: (r) =>
      must(SERVICE_CATEGORIES.includes(r.ServiceCategory ?? ''), `ServiceCategory ${r.ServiceCategory}`),
  },
  {
    id: 'ServiceSubcategory-C-003-M',
    check: (r) =>
      must(
        COMPUTE_SUBCATEGORIES.includes(r.ServiceSubcategory ?? ''),
        `ServiceSubcategory ${r.ServiceSubcategory}`,
      ),
  },
  {
    id: 'ServiceSubcategory-C-004-M',
    check: (r) => must(r.ServiceCategory === 'Compute', 'ServiceSubcategory parent is not Compute'),
  },
  {
    id: 'BillingCurrency-C-006-M',
    check: (r) => must(r.BillingCurrency === 'USD', 'not a national currency'),
  },
  // Conditional nullability for usage rows
  {
    id: 'ConsumedQuantity-C-006-C',
    check: (r) =>
      must(
        !usage(r) || unusedPart(r) || !isNull(r.ConsumedQuantity),
        'ConsumedQuantity is null on a usage row',
      ),
  },
  {
    id: 'ConsumedQuantity-C-004-C',
    check: (r) =>
      must(
        (usage(r) && !unusedPart(r)) || isNull(r.ConsumedQuantity),
        'ConsumedQuantity set on a purchase or an unused part',
      ),
  },
  ...[
    ['PricingQuantity-C-005-C', 'PricingQuantity'],
    ['ListUnitPrice-C-005-C', 'ListUnitPrice'],
    ['ContractedUnitPrice-C-006-C', 'ContractedUnitPrice'],
    ['PricingCategory-C-004-C', 'PricingCategory'],
    ['SkuId-C-005-C', 'SkuId'],
    ['SkuPriceId-C-005-C', 'SkuPriceId'],
    ['SkuMeter-C-005-C', 'SkuMeter'],
    ['ResourceId-C-005-C', 'ResourceId'],
    ['SubAccountId-C-005-C', 'SubAccountId'],
  ].map(
    ([id = '', column = '']): RuleCheck => ({
      id,
      check: (r) => must(!usage(r) || !isNull(r[column]), `${column} is null on a usage row`),
    }),
  ),
  {
    id: 'RegionId-C-004-C',
    // A Compute Savings Plan is not operated in any one region (RegionId-C-005-C lets it be null).
    check: (r) =>
      must(
        !usage(r) || !isNull(r.RegionId) || r.ResourceType === 'Compute Savings Plan',
        'RegionId is null on a usage row',
      ),
  },
  {
    id: 'ConsumedUnit-C-006-C',
    check: (r) =>
      must(isNull(r.ConsumedQuantity) || !isNull(r.ConsumedUnit), 'ConsumedUnit null with a quantity'),
  },
  {
    id: 'ConsumedUnit-C-005-C',
    check: (r) =>
      must(!isNull(r.ConsumedQuantity) || isNull(r.ConsumedUnit), 'ConsumedUnit without a quantity'),
  },
  {
    id: 'PricingUnit-C-006-C',
    check: (r) =>
      must(isNull(r.PricingQuantity) || !isNull(r.PricingUnit), 'PricingUnit null with a quantity'),
  },
  {
    id: 'RegionName-C-005-C',
    check: (r) => must(isNull(r.RegionId) || !isNull(r.RegionName), 'RegionName null with a RegionId'),
  },
  {
    id: 'RegionName-C-004-C',
    check: (r) => must(!isNull(r.RegionId) || isNull(r.RegionName), 'RegionName without RegionId'),
  },
  {
    id: 'ResourceType-C-005-C',
    check: (r) =>
      must(isNull(r.ResourceId) || !isNull(r.ResourceType), 'ResourceType null with a ResourceId'),
  },
  {
    id: 'ResourceName-C-006-C',
    check: (r) => must(r.ResourceName !== r.ResourceId, 'ResourceName duplicates ResourceId'),
  },
  {
    id: 'SubAccountName-C-005-C',
    check: (r) =>
      must(isNull(r.SubAccountId) || !isNull(r.SubAccountName), 'SubAccountName null with a SubAccountId'),
  },
  {
    id: 'SkuPriceDetails-C-004-C',
    check: (r) =>
      must(!isNull(r.SkuPriceId) || isNull(r.SkuPriceDetails), 'SkuPriceDetails without SkuPriceId'),
  },
  {
    id: 'SkuPriceDetails-C-017-C',
    check: (r) => {
      if (isNull(r.SkuPriceDetails)) return null;
      const bad = Object.keys(JSON.parse(r.SkuPriceDetails ?? '{}')).find((k) => !k.startsWith('x_'));
      return bad === undefined ? null : `SkuPriceDetails key ${bad} lacks x_`;
    },
  },
  // Values
  { id: 'ListUnitPrice-C-008-M', check: (r) => must(num(r.ListUnitPrice) >= 0, 'negative ListUnitPrice') },
  {
    id: 'ContractedUnitPrice-C-009-C',
    check: (r) => must(num(r.ContractedUnitPrice) >= 0, 'negative ContractedUnitPrice'),
  },
  {
    id: 'ConsumedQuantity-C-008-C',
    check: (r) => must(Number.isFinite(num(r.ConsumedQuantity)), 'ConsumedQuantity not a decimal'),
  },
  {
    id: 'PricingQuantity-C-008-M',
    check: (r) => must(Number.isFinite(num(r.PricingQuantity)), 'PricingQuantity not a decimal'),
  },
  ...['BilledCost-C-004-M', 'EffectiveCost-C-004-M', 'ListCost-C-004-M', 'ContractedCost-C-004-M'].map(
    (id): RuleCheck => {
      const column = id.split('-')[0] ?? '';
      return { id, check: (r) => must(Number.isFinite(num(r[column])), `${column} not a decimal`) };
    },
  ),
  ...['ListUnitPrice-C-010-C', 'ListCost-C-009-C', 'PricingQuantity-C-009-C'].map(
    (id): RuleCheck => ({
      id,
      check: (r) =>
        must(
          close(num(r.ListUnitPrice) * num(r.PricingQuantity), num(r.ListCost)),
          `ListUnitPrice × PricingQuantity ≠ ListCost (${r.ListUnitPrice} × ${r.PricingQuantity} vs ${r.ListCost})`,
        ),
    }),
  ),
  ...['ContractedUnitPrice-C-011-C', 'ContractedCost-C-009-C'].map(
    (id): RuleCheck => ({
      id,
      check: (r) =>
        must(
          close(num(r.ContractedUnitPrice) * num(r.PricingQuantity), num(r.ContractedCost)),
          'ContractedUnitPrice × PricingQuantity ≠ ContractedCost',
        ),
    }),
  ),
  // Periods
  {
    id: 'BillingPeriodStart-C-004-M',
    check: (r) =>
      must(
        /^\d{4}-\d{2}-01T00:00:00Z$/.test(r.BillingPeriodStart ?? ''),
        'billing period does not start a month',
      ),
  },
  {
    id: 'BillingPeriodEnd-C-004-M',
    check: (r) => {
      const start = new Date(r.BillingPeriodStart ?? '');
      const next = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
      return must(
        Date.parse(r.BillingPeriodEnd ?? '') === next,
        'billing period end is not the exclusive next month start',
      );
    },
  },
  {
    id: 'ChargePeriodStart-C-004-M',
    check: (r) =>
      must(
        Date.parse(r.ChargePeriodStart ?? '') < Date.parse(r.ChargePeriodEnd ?? ''),
        'charge period empty or reversed',
      ),
  },
  {
    id: 'ChargePeriodEnd-C-004-M',
    check: (r) => {
      if (isNull(r.ConsumedQuantity)) return null;
      const hours = (Date.parse(r.ChargePeriodEnd ?? '') - Date.parse(r.ChargePeriodStart ?? '')) / 3_600_000;
      return must(
        close(hours, num(r.ConsumedQuantity), 1e-8),
        'charge period length is not the consumed hours',
      );
    },
  },
];

/** Whole-dataset rules, and the consistency rules of the cost model. */
const COVERED_DATASET_RULES = [
  'ColumnHandling-A-001-M',
  'ColumnHandling-A-003-M',
  'ColumnHandling-A-010-M',
  'ColumnHandling-A-012-O',
  'ColumnHandling-A-013-O',
  'SkuPriceId-C-008-M',
  'ResourceId-C-007-M',
] as const;

describe('FOCUS 1.2 export of a month of 10,000 jobs', () => {
  const rows: Row[] = [];
  let header: string[] = [];
  let rulesText = '';

  beforeAll(async () => {
    rulesText = readFileSync(RULES_FILE, 'utf8');
    let first = true;
    for await (const line of focusCsvLines(generateLedgerMonth({ jobs: 10_000, seed: 11 }), {
      from: '2026-11-01',
      to: '2026-11-30',
      billingAccountId: '111122223333',
      billingAccountName: 'Research payer',
    })) {
      const cells = parseCsvLine(line);
      if (first) {
        header = cells;
        first = false;
        continue;
      }
      rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
    }
  });

  it('has every mandatory column and every conditional column whose capability EC2 GPU instances have', () => {
    const { specs } = readColumnSpecs(rulesText);
    const supported = new Set<string>(FOCUS_CAPABILITIES);
    const applicable = specs
      .filter((s) => s.level === 'M' || (s.level === 'C' && s.appliesWhen.every((c) => supported.has(c))))
      .map((s) => s.column)
      .sort();
    const optionalIncluded = specs
      .filter((s) => s.level === 'O')
      .map((s) => s.column)
      .filter((c) => header.includes(c));
    expect([...FOCUS_COLUMNS].sort()).toEqual([...applicable, ...optionalIncluded].sort());
    expect(optionalIncluded.sort()).toEqual(['ChargeFrequency', 'ServiceSubcategory']);
    expect(header).toEqual([...FOCUS_HEADER]);
  });

  it('names FOCUS columns in Pascal case and puts the x_ columns after all of them', () => {
    const focus = header.filter((h) => !h.startsWith('x_'));
    for (const h of focus) expect(h).toMatch(PASCAL);
    expect(header.slice(focus.length)).toEqual([...FOCUS_CUSTOM_COLUMNS]);
    for (const h of FOCUS_CUSTOM_COLUMNS) expect(h).toMatch(/^x_[A-Z][A-Za-z]*$/);
  });

  it('passes every row-level rule on every row', () => {
    expect(rows.length).toBeGreaterThan(10_000);
    const violations: string[] = [];
    for (const [i, row] of rows.entries()) {
      for (const rule of ROW_RULES) {
        const problem = rule.check(row);
        if (problem !== null && violations.length < 20)
          violations.push(`row ${i + 2}: ${rule.id}: ${problem}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps each SkuPriceId under one SkuId and each ResourceId in one region and account', () => {
    const parents = new Map<string, Set<string>>();
    const resources = new Map<string, string>();
    for (const r of rows) {
      const set = parents.get(r.SkuPriceId ?? '') ?? new Set();
      set.add(r.SkuId ?? '');
      parents.set(r.SkuPriceId ?? '', set);
      const where = `${r.RegionId}|${r.SubAccountId}`;
      expect(resources.get(r.ResourceId ?? '') ?? where).toBe(where);
      resources.set(r.ResourceId ?? '', where);
    }
    for (const set of parents.values()) expect(set.size).toBe(1);
  });

  it('keeps the cost model consistent: EffectiveCost = BilledCost, ListCost ≥ EffectiveCost, charge within billing period', () => {
    for (const r of rows) {
      expect(r.EffectiveCost).toBe(r.BilledCost);
      expect(r.ContractedCost).toBe(r.BilledCost);
      expect(num(r.ListCost)).toBeGreaterThanOrEqual(num(r.EffectiveCost));
      expect(Date.parse(r.ChargePeriodStart ?? '')).toBeGreaterThanOrEqual(
        Date.parse(r.BillingPeriodStart ?? ''),
      );
      expect(Date.parse(r.ChargePeriodEnd ?? '')).toBeLessThanOrEqual(Date.parse(r.BillingPeriodEnd ?? ''));
    }
  });

  it('bills exactly what the cost report charges for the same month', async () => {
    const report = await buildCostReport(generateLedgerMonth({ jobs: 10_000, seed: 11 }), {
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: 'team',
    });
    const billedMicros = rows.reduce((s, r) => s + Math.round(num(r.BilledCost) * 1e6), 0);
    const listMicros = rows.reduce((s, r) => s + Math.round(num(r.ListCost) * 1e6), 0);
    expect(billedMicros).toBe(Math.round(report.totals.actualUsd * 1e6));
    expect(listMicros).toBe(Math.round(report.totals.onDemandEquivalentUsd * 1e6));
  });

  it('covers only rule ids that exist in the rule model, and lists them', () => {
    const { ruleIds } = readColumnSpecs(rulesText);
    const covered = [...new Set([...ROW_RULES.map((r) => r.id), ...COVERED_DATASET_RULES])].sort();
    for (const id of covered) expect(ruleIds.has(id), id).toBe(true);
    expect(covered.length).toBeGreaterThan(100);
    console.info(`FOCUS 1.2 rules checked (${covered.length}): ${covered.join(', ')}`);
  });
});

describe('FOCUS 1.2 export with commitments (ADR 0015)', () => {
  const ACCOUNT = '123456789012';
  const COMMITMENTS: Commitment[] = [
    {
      kind: 'savings-plan',
      id: 'arn:aws:savingsplans::123456789012:savingsplan/sp-0f3c8a1e',
      name: 'compute SP',
      planType: 'compute',
      region: null,
      hourlyCommitmentUsd: 4,
      discounts: { g6: 0.28 },
      start: '2026-01-01T00:00:00Z',
      end: '2027-01-01T00:00:00Z',
    },
    {
      kind: 'reserved-instance',
      id: 'ri-4b2d7a90c1e35f6a8',
      offeringClass: 'standard',
      instanceType: 'g6e.12xlarge',
      region: 'us-west-2',
      availabilityZone: null,
      count: 1,
      effectiveHourlyUsd: 6.132,
      start: '2026-06-01T00:00:00Z',
      end: '2027-06-01T00:00:00Z',
    },
    {
      kind: 'capacity-reservation',
      id: 'cr-0a1b2c3d4e5f60718',
      instanceType: 'p4de.24xlarge',
      region: 'us-east-1',
      availabilityZone: 'us-east-1a',
      count: 2,
      unitPriceUsdPerHour: 27.4471,
      start: '2026-11-10T00:00:00Z',
      end: null,
    },
    {
      kind: 'capacity-block',
      id: 'cr-0c1d2e3f4a5b6c7d8',
      instanceType: 'p5.48xlarge',
      region: 'us-east-2',
      availabilityZone: 'us-east-2a',
      count: 1,
      priceUsd: 5285.28,
      start: '2026-11-25T11:30:00Z',
      end: '2026-12-02T11:30:00Z',
    },
  ];
  const rateOf: Record<
    string,
    { type: string; region: string; zone: string | null; list: number; units: number; rate: number }
  > = {
    'savings-plan': {
      type: 'g6.xlarge',
      region: 'us-east-1',
      zone: null,
      list: 0.8048,
      units: 0.8048 * 0.72,
      rate: 0.8048 * 0.72,
    },
    'reserved-instance': {
      type: 'g6e.12xlarge',
      region: 'us-west-2',
      zone: null,
      list: 10.4926,
      units: 1,
      rate: 6.132,
    },
    'capacity-reservation': {
      type: 'p4de.24xlarge',
      region: 'us-east-1',
      zone: 'us-east-1a',
      list: 27.4471,
      units: 1,
      rate: 27.4471,
    },
    'capacity-block': {
      type: 'p5.48xlarge',
      region: 'us-east-2',
      zone: 'us-east-2a',
      list: 55.04,
      units: 1,
      rate: 5285.28 / 168,
    },
  };
  const capacity = (c: Commitment) => (c.kind === 'savings-plan' ? c.hourlyCommitmentUsd : c.count);

  /** Seeded intervals on each commitment that never hold more of it than it has, in whole minutes. */
  const usageOn = (): LedgerUsage[] => {
    let seed = 14;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const monthStart = Date.parse('2026-11-01T00:00:00Z');
    const lines: LedgerUsage[] = [];
    for (const c of COMMITMENTS) {
      const r = rateOf[c.kind];
      if (r === undefined) continue;
      const from = Math.max(monthStart, Date.parse(c.start)) / 60_000;
      const to =
        Math.min(
          Date.parse('2026-12-01T00:00:00Z'),
          c.end === null ? Number.POSITIVE_INFINITY : Date.parse(c.end),
        ) / 60_000;
      const held = new Float64Array(to - from);
      for (let n = 0; n < 40; n++) {
        const start = from + Math.floor(random() * (to - from - 60));
        const length = Math.min(to - start, 30 + Math.floor(random() * 36 * 60));
        let fits = true;
        for (let m = start; m < start + length; m++)
          if ((held[m - from] ?? 0) + r.units > capacity(c) + 1e-9) fits = false;
        if (!fits) continue;
        for (let m = start; m < start + length; m++) held[m - from] = (held[m - from] ?? 0) + r.units;
        lines.push({
          kind: 'usage',
          instanceId: `i-${c.kind.slice(0, 2)}${String(n).padStart(15, '0')}`,
          jobId: `job-${c.kind}-${n}`,
          allocationId: `job-${c.kind}-${n}.a1`,
          team: n % 2 === 0 ? 'vision' : 'nlp',
          project: 'p',
          region: r.region,
          availabilityZone: r.zone === null ? null : `${r.region === 'us-east-1' ? 'use1' : 'use2'}-az1`,
          instanceType: r.type,
          purchaseOption: 'on-demand',
          unitPriceUsdPerHour: 0,
          onDemandPriceUsdPerHour: r.list,
          commitment: {
            id: c.id,
            kind: c.kind,
            effectiveUnitPriceUsdPerHour: Math.round(r.rate * 1e6) / 1e6,
          },
          startedAt: new Date(start * 60_000).toISOString().replace('.000Z', 'Z'),
          stoppedAt: new Date((start + length) * 60_000).toISOString().replace('.000Z', 'Z'),
          interrupted: false,
          accountId: ACCOUNT,
          accountName: 'ml-training',
        });
      }
    }
    return lines;
  };

  const rows: Row[] = [];
  beforeAll(async () => {
    const records: LedgerRecord[] = [...generateLedgerMonth({ jobs: 300, seed: 5 }), ...usageOn()];
    let header: string[] | undefined;
    for await (const line of focusCsvLines(records, {
      from: '2026-11-01',
      to: '2026-11-30',
      billingAccountId: '111122223333',
      billingAccountName: 'Research payer',
      commitments: COMMITMENTS,
      commitmentAccountId: ACCOUNT,
    })) {
      const cells = parseCsvLine(line);
      if (header === undefined) header = cells;
      else rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
    }
  });

  it('passes every row-level rule on every row, commitment rows included', () => {
    expect(rows.filter((r) => r.ChargeCategory === 'Purchase').length).toBeGreaterThan(0);
    expect(rows.filter(unusedPart).length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.CommitmentDiscountStatus === 'Used').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.CapacityReservationStatus === 'Used').length).toBeGreaterThan(0);
    const violations: string[] = [];
    for (const [i, row] of rows.entries())
      for (const rule of ROW_RULES) {
        const problem = rule.check(row);
        if (problem !== null && violations.length < 20)
          violations.push(`row ${i + 2}: ${rule.id}: ${problem}`);
      }
    expect(violations).toEqual([]);
  });

  const micros = (v: string | undefined) => Math.round(num(v) * 1e6);
  const byCommitment = (id: string) =>
    rows.filter((r) => r.CommitmentDiscountId === id || r.CapacityReservationId === id);

  it('amortises each commitment discount: Used plus Unused EffectiveCost equals the purchases, to the cent (DiscountHandling-A-011-C, EffectiveCost-C-012-C, -C-013-C)', () => {
    for (const c of COMMITMENTS.filter((x) => x.kind === 'savings-plan' || x.kind === 'reserved-instance')) {
      const own = byCommitment(c.id);
      const usageRows = own.filter((r) => r.ChargeCategory === 'Usage');
      expect(usageRows.every((r) => ['Used', 'Unused'].includes(r.CommitmentDiscountStatus ?? ''))).toBe(
        true,
      );
      const effective = usageRows.reduce((s, r) => s + micros(r.EffectiveCost), 0);
      const purchased = own
        .filter((r) => r.ChargeCategory === 'Purchase')
        .reduce((s, r) => s + micros(r.BilledCost), 0);
      expect(Math.abs(effective - purchased), c.id).toBeLessThanOrEqual(10_000);
    }
  });

  it('reports committed-but-unused as what each commitment cost in the month less what was drawn, to the cent', () => {
    const windowStart = Date.parse('2026-11-01T00:00:00Z');
    const windowEnd = Date.parse('2026-12-01T00:00:00Z');
    for (const c of COMMITMENTS) {
      const from = Math.max(windowStart, Date.parse(c.start));
      const to = Math.min(windowEnd, c.end === null ? windowEnd : Date.parse(c.end));
      const hourly =
        c.kind === 'savings-plan'
          ? c.hourlyCommitmentUsd
          : c.kind === 'reserved-instance'
            ? c.count * c.effectiveHourlyUsd
            : c.kind === 'capacity-reservation'
              ? c.count * (c.unitPriceUsdPerHour ?? 0)
              : (c.priceUsd ?? 0) / ((Date.parse(c.end) - Date.parse(c.start)) / 3_600_000);
      const committed = Math.round(hourly * ((to - from) / 3_600_000) * 1e6);
      const own = byCommitment(c.id).filter((r) => r.ChargeCategory === 'Usage');
      const drawn = own.filter((r) => !unusedPart(r)).reduce((s, r) => s + micros(r.EffectiveCost), 0);
      const unused = own.filter(unusedPart).reduce((s, r) => s + micros(r.EffectiveCost), 0);
      expect(drawn, c.id).toBeGreaterThan(0);
      expect(Math.abs(unused - (committed - drawn)), c.id).toBeLessThanOrEqual(10_000);
    }
  });

  it('bills an ODCR as it runs (used and idle at its rate) and a Capacity Block once, up front', () => {
    const odcr = byCommitment('cr-0a1b2c3d4e5f60718');
    expect(odcr.every((r) => r.ChargeCategory === 'Usage' && r.BilledCost === r.EffectiveCost)).toBe(true);
    const block = byCommitment('cr-0c1d2e3f4a5b6c7d8');
    const purchases = block.filter((r) => r.ChargeCategory === 'Purchase');
    expect(purchases.map((r) => [r.ChargeFrequency, r.BilledCost, r.EffectiveCost])).toEqual([
      ['One-Time', '5285.28', '0'],
    ]);
    expect(block.filter((r) => r.ChargeCategory === 'Usage').every((r) => num(r.BilledCost) === 0)).toBe(
      true,
    );
  });
});
