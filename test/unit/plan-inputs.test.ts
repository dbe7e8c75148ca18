import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldIssue } from '../../lambdas/core/jobs/job-request.js';
import {
  type Budgets,
  type InputResult,
  parseBudgets,
  parseBudgetsText,
  parseQuotas,
  parseQuotasText,
  QUOTA_CLASSES,
  quotaKey,
  quotaLimit,
  remainingBudgetUsd,
  teamWeight,
} from '../../lambdas/core/planning/plan-inputs.js';

const fieldsOf = <T>(result: InputResult<T>): string[] =>
  result.ok ? [] : result.issues.map((i) => i.field);
const issuesOf = <T>(result: InputResult<T>): readonly FieldIssue[] => (result.ok ? [] : result.issues);
const parsedValue = <T>(result: InputResult<T>): T => {
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
};

const quotasFile = (overrides: Record<string, unknown> = {}) => ({
  asOf: '2026-11-01',
  description: 'test account',
  defaultVcpus: 0,
  quotas: [
    { region: 'us-east-1', class: 'on-demand/P', vcpus: 384 },
    { region: 'us-east-1', class: 'spot/G', vcpus: 768 },
  ],
  ...overrides,
});

describe('parseQuotas', () => {
  it('keys limits by region and quota class', () => {
    const quotas = parsedValue(parseQuotas(quotasFile()));
    expect(quotas.defaultVcpus).toBe(0);
    expect([...quotas.limits]).toEqual([
      ['us-east-1|on-demand/P', 384],
      ['us-east-1|spot/G', 768],
    ]);
    expect(quotaKey('us-east-1', 'on-demand/P')).toBe('us-east-1|on-demand/P');
  });

  it('knows all fourteen quota classes', () => {
    expect(QUOTA_CLASSES).toHaveLength(14);
    expect(QUOTA_CLASSES).toContain('spot/Standard');
    expect(QUOTA_CLASSES).toContain('on-demand/Trn');
  });

  it('falls back to defaultVcpus for unlisted pools, and to unlimited when it is null', () => {
    const closed = parsedValue(parseQuotas(quotasFile()));
    expect(quotaLimit(closed, 'us-east-1', 'on-demand/P')).toBe(384);
    expect(quotaLimit(closed, 'us-west-2', 'on-demand/P')).toBe(0);
    const open = parsedValue(parseQuotas(quotasFile({ defaultVcpus: null })));
    expect(quotaLimit(open, 'us-west-2', 'on-demand/P')).toBe(Number.POSITIVE_INFINITY);
  });

  it('accepts a date-time asOf, no description and no quotas', () => {
    const result = parseQuotas({ asOf: '2026-11-01T08:00:00Z', defaultVcpus: 64, quotas: [] });
    expect(parsedValue(result).limits.size).toBe(0);
  });

  it('rejects a duplicate region and class, naming the later entry', () => {
    const quotas = [
      { region: 'us-east-1', class: 'on-demand/P', vcpus: 384 },
      { region: 'us-west-2', class: 'on-demand/P', vcpus: 192 },
      { region: 'us-east-1', class: 'on-demand/P', vcpus: 96 },
    ];
    expect(issuesOf(parseQuotas(quotasFile({ quotas })))).toEqual([
      { field: 'quotas[2]', message: 'duplicate quota for us-east-1 on-demand/P (first at quotas[0])' },
    ]);
  });

  it.each([
    [
      'an unknown quota class',
      { quotas: [{ region: 'us-east-1', class: 'on-demand/X', vcpus: 1 }] },
      'quotas[0].class',
    ],
    [
      'a family without purchase option',
      { quotas: [{ region: 'us-east-1', class: 'P', vcpus: 1 }] },
      'quotas[0].class',
    ],
    ['a bad region', { quotas: [{ region: 'US East', class: 'spot/P', vcpus: 1 }] }, 'quotas[0].region'],
    ['negative vCPUs', { quotas: [{ region: 'us-east-1', class: 'spot/P', vcpus: -1 }] }, 'quotas[0].vcpus'],
    [
      'fractional vCPUs',
      { quotas: [{ region: 'us-east-1', class: 'spot/P', vcpus: 1.5 }] },
      'quotas[0].vcpus',
    ],
    [
      'an unknown field in an entry',
      { quotas: [{ region: 'us-east-1', class: 'spot/P', vcpus: 1, x: 1 }] },
      'quotas[0].x',
    ],
    ['an unknown top-level field', { limit: 5 }, 'limit'],
    ['a missing defaultVcpus', { defaultVcpus: undefined }, 'defaultVcpus'],
    ['a negative defaultVcpus', { defaultVcpus: -8 }, 'defaultVcpus'],
    ['an impossible asOf', { asOf: '2026-02-30' }, 'asOf'],
    ['an offset-less asOf date-time', { asOf: '2026-11-01T08:00:00' }, 'asOf'],
    ['quotas that are not a list', { quotas: {} }, 'quotas'],
  ])('rejects %s', (_what, overrides, field) => {
    expect(fieldsOf(parseQuotas(quotasFile(overrides)))).toEqual([field]);
  });

  it('names the valid classes when the class is wrong', () => {
    const result = parseQuotas(
      quotasFile({ quotas: [{ region: 'us-east-1', class: 'ondemand/P', vcpus: 1 }] }),
    );
    expect(issuesOf(result)[0]?.message).toContain('on-demand/P');
  });
});

const budgetsFile = (
  teams: unknown[] = [{ team: 'vision', weight: 2, monthlyUsd: 1000, spentUsd: 250, reservedUsd: 100 }],
) => ({
  period: '2026-11',
  currency: 'USD',
  teams,
});

describe('parseBudgets', () => {
  it('maps teams to their budget, weight, spend and reservations', () => {
    const budgets = parsedValue(parseBudgets(budgetsFile()));
    expect(budgets.period).toBe('2026-11');
    expect(budgets.teams.get('vision')).toEqual({
      weight: 2,
      monthlyUsd: 1000,
      spentUsd: 250,
      reservedUsd: 100,
    });
  });

  it('defaults weight to 1, spend and reservations to 0, and the budget to none', () => {
    const budgets = parsedValue(parseBudgets(budgetsFile([{ team: 'nlp' }])));
    expect(budgets.teams.get('nlp')).toEqual({ weight: 1, monthlyUsd: null, spentUsd: 0, reservedUsd: 0 });
  });

  it.each([
    ['a zero weight', [{ team: 'a' }, { team: 'b' }, { team: 'c', weight: 0 }], 'teams[2].weight'],
    ['a negative weight', [{ team: 'a', weight: -1 }], 'teams[0].weight'],
    ['a negative budget', [{ team: 'a', monthlyUsd: -1 }], 'teams[0].monthlyUsd'],
    ['negative spend', [{ team: 'a', spentUsd: -0.01 }], 'teams[0].spentUsd'],
    ['negative reservations', [{ team: 'a', reservedUsd: -5 }], 'teams[0].reservedUsd'],
    ['an upper-case team name', [{ team: 'Vision' }], 'teams[0].team'],
    ['an unknown field in a team', [{ team: 'a', budget: 5 }], 'teams[0].budget'],
    ['a duplicate team', [{ team: 'a' }, { team: 'b' }, { team: 'a' }], 'teams[2].team'],
  ])('rejects %s', (_what, teams, field) => {
    expect(fieldsOf(parseBudgets(budgetsFile(teams)))).toEqual([field]);
  });

  it.each([
    ['period', '2026-13'],
    ['period', 'November 2026'],
    ['currency', 'EUR'],
  ])('rejects %s = %j', (field, value) => {
    expect(fieldsOf(parseBudgets({ ...budgetsFile(), [field]: value }))).toEqual([field]);
  });

  it('says which earlier entry a duplicate team repeats', () => {
    const result = parseBudgets(budgetsFile([{ team: 'a' }, { team: 'a' }]));
    expect(issuesOf(result)).toEqual([
      { field: 'teams[1].team', message: 'duplicate team a (first at teams[0])' },
    ]);
  });
});

describe('remainingBudgetUsd', () => {
  const budgets = (monthlyUsd: number | null, spentUsd: number, reservedUsd: number): Budgets => ({
    period: '2026-11',
    teams: new Map([['vision', { weight: 1, monthlyUsd, spentUsd, reservedUsd }]]),
  });

  it('is the budget minus spend minus reservations', () => {
    expect(remainingBudgetUsd(budgets(1000, 250, 100), 'vision')).toBe(650);
  });

  it('is zero, not negative, for an overspent team', () => {
    expect(remainingBudgetUsd(budgets(1000, 900, 300), 'vision')).toBe(0);
  });

  it('is unlimited for a team without a budget or not in the file', () => {
    expect(remainingBudgetUsd(budgets(null, 5000, 0), 'vision')).toBe(Number.POSITIVE_INFINITY);
    expect(remainingBudgetUsd(budgets(1000, 0, 0), 'nlp')).toBe(Number.POSITIVE_INFINITY);
  });

  it('is never negative and never more than the budget', () => {
    const usd = fc.double({ min: 0, max: 1e9, noNaN: true });
    fc.assert(
      fc.property(usd, usd, usd, (monthly, spent, reserved) => {
        const remaining = remainingBudgetUsd(budgets(monthly, spent, reserved), 'vision');
        expect(remaining).toBeGreaterThanOrEqual(0);
        expect(remaining).toBeLessThanOrEqual(monthly);
      }),
    );
  });

  it('gives teams outside the file weight 1', () => {
    expect(teamWeight(budgets(1, 0, 0), 'speech')).toBe(1);
  });
});

describe('parsing quotas and budgets from text', () => {
  it('reports text that is not JSON at (body)', () => {
    expect(fieldsOf(parseQuotasText('{"asOf":'))).toEqual(['(body)']);
    expect(fieldsOf(parseBudgetsText('period: 2026-11'))).toEqual(['(body)']);
  });

  it('never throws on junk', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        for (const result of [parseQuotasText(text), parseBudgetsText(text)]) {
          if (!result.ok) expect(result.issues.every((i) => i.field.length > 0)).toBe(true);
        }
      }),
    );
  });
});

describe('the example files', () => {
  const read = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

  it('examples/quotas.json parses, closes unlisted pools and lists four regions', () => {
    const quotas = parsedValue(parseQuotasText(read('quotas.json')));
    expect(quotas.defaultVcpus).toBe(0);
    const regions = new Set([...quotas.limits.keys()].map((k) => k.split('|')[0]));
    expect(regions).toEqual(new Set(['us-east-1', 'us-west-2', 'eu-west-1', 'us-east-2']));
    // Two p5.48xlarge nodes (192 vCPUs each): tight enough that multi-node training contends.
    expect(quotaLimit(quotas, 'us-east-1', 'on-demand/P')).toBe(384);
  });

  it('examples/budgets.json parses, with four teams and one close to its budget', () => {
    const budgets = parsedValue(parseBudgetsText(read('budgets.json')));
    expect(budgets.period).toBe('2026-11');
    expect([...budgets.teams.keys()].sort()).toEqual(['nlp', 'recsys', 'speech', 'vision']);
    const nearlySpent = [...budgets.teams].filter(
      ([team, b]) => b.monthlyUsd !== null && remainingBudgetUsd(budgets, team) < 0.1 * b.monthlyUsd,
    );
    expect(nearlySpent.map(([team]) => team)).toEqual(['speech']);
  });
});
