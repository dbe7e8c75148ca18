import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
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
        !r.SkuPriceId?.endsWith(':on-demand') || r.PricingCategory === 'Standard',
        'on-demand is not Standard',
      ),
  },
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
  ...[
    ['ConsumedQuantity-C-006-C', 'ConsumedQuantity'],
    ['PricingQuantity-C-005-C', 'PricingQuantity'],
    ['ListUnitPrice-C-005-C', 'ListUnitPrice'],
    ['ContractedUnitPrice-C-006-C', 'ContractedUnitPrice'],
    ['PricingCategory-C-004-C', 'PricingCategory'],
    ['SkuId-C-005-C', 'SkuId'],
    ['SkuPriceId-C-005-C', 'SkuPriceId'],
    ['SkuMeter-C-005-C', 'SkuMeter'],
    ['ResourceId-C-005-C', 'ResourceId'],
    ['RegionId-C-004-C', 'RegionId'],
    ['SubAccountId-C-005-C', 'SubAccountId'],
  ].map(
    ([id = '', column = '']): RuleCheck => ({
      id,
      check: (r) => must(!usage(r) || !isNull(r[column]), `${column} is null on a usage row`),
    }),
  ),
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
