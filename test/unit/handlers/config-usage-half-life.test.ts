import { describe, expect, it } from 'vitest';
import { DEFAULT_USAGE_HALF_LIFE_HOURS } from '../../../lambdas/core/planning/fair-weight.js';
import { ConfigError, loadConfig } from '../../../lambdas/handlers/config.js';

const base = { AWS_REGION: 'us-east-1', QM_TABLE_NAME: 'qm-ledger', QM_EVENTS_TABLE_NAME: 'qm-events' };

describe('loadConfig: usage half-life', () => {
  it('defaults to one week', () => {
    expect(loadConfig(base).usageHalfLifeHours).toBe(DEFAULT_USAGE_HALF_LIFE_HOURS);
  });

  it('reads QM_USAGE_HALF_LIFE_HOURS in hours', () => {
    expect(loadConfig({ ...base, QM_USAGE_HALF_LIFE_HOURS: '36' }).usageHalfLifeHours).toBe(36);
  });

  it.each(['0', '-5', 'week', 'Infinity'])('names the variable when it is %s', (value) => {
    expect(() => loadConfig({ ...base, QM_USAGE_HALF_LIFE_HOURS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, QM_USAGE_HALF_LIFE_HOURS: value })).toThrow(
      /QM_USAGE_HALF_LIFE_HOURS: /,
    );
  });
});
