import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lambdas/handlers/config.js';

const base = { AWS_REGION: 'us-east-1', QM_TABLE_NAME: 'qm-ledger', QM_EVENTS_TABLE_NAME: 'qm-events' };

describe('loadConfig: budget guard', () => {
  it('defaults to alerting only, at 80 % and 100 %', () => {
    expect(loadConfig(base)).toMatchObject({ budgetPolicy: 'alert-only', budgetThresholds: [0.8, 1] });
  });

  it('reads the policy and a comma-separated list of thresholds', () => {
    const config = loadConfig({
      ...base,
      QM_BUDGET_POLICY: 'terminate-lowest-priority',
      QM_BUDGET_THRESHOLDS: '0.5, 0.9,1.1',
    });
    expect(config.budgetPolicy).toBe('terminate-lowest-priority');
    expect(config.budgetThresholds).toEqual([0.5, 0.9, 1.1]);
  });

  it.each([
    [
      { QM_BUDGET_POLICY: 'shut-down' },
      /QM_BUDGET_POLICY: must be one of alert-only, stop-admitting, terminate-lowest-priority/,
    ],
    [{ QM_BUDGET_THRESHOLDS: '0.8,most' }, /QM_BUDGET_THRESHOLDS: each must be a number/],
    [{ QM_BUDGET_THRESHOLDS: '0,1' }, /QM_BUDGET_THRESHOLDS: each must be a fraction of the budget > 0/],
    [{ QM_BUDGET_THRESHOLDS: ' , ' }, /QM_BUDGET_THRESHOLDS: must list at least one fraction/],
  ])('names the variable when it is wrong: %o', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
