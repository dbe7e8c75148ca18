import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lambdas/handlers/config.js';

const base = { AWS_REGION: 'us-east-1', QM_TABLE_NAME: 'qm-ledger', QM_EVENTS_TABLE_NAME: 'qm-events' };

describe('loadConfig', () => {
  it('applies defaults to a minimal environment', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      region: 'us-east-1',
      tableName: 'qm-ledger',
      eventsTableName: 'qm-events',
      regions: ['us-east-1'],
      maxPendingJobs: 2000,
      overrunAction: 'alert',
      budgets: { defaultMonthlyUsd: 100_000 },
    });
    expect(config.quotas.defaultVcpus).toBeNull();
    expect(config.queueUrls.provision).toBe('');
  });

  it('reads queue URLs, regions, team budgets, quotas and the launch template', () => {
    const config = loadConfig({
      ...base,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      QM_PROVISION_QUEUE_URL: 'http://127.0.0.1:5000/123456789012/qm-provision.fifo',
      QM_REGIONS: 'us-east-1, us-west-2',
      QM_TEAM_BUDGETS: '{"vision":{"monthlyUsd":5000,"weight":2}}',
      QM_QUOTAS:
        '{"asOf":"2026-03-01","defaultVcpus":null,"quotas":[{"region":"us-east-1","class":"spot/P","vcpus":384}]}',
      QM_LAUNCH_TEMPLATE: '{"name":"qm-worker"}',
      QM_OVERRUN_ACTION: 'terminate',
    });
    expect(config.endpoint).toBe('http://127.0.0.1:5000');
    expect(config.regions).toEqual(['us-east-1', 'us-west-2']);
    expect(config.budgets.teams.get('vision')).toEqual({ monthlyUsd: 5000, weight: 2 });
    expect(config.quotas.limits.get('us-east-1|spot/P')).toBe(384);
    expect(config.defaultLaunchTemplate).toEqual({ name: 'qm-worker', version: '$Latest' });
    expect(config.overrunAction).toBe('terminate');
  });

  it('names every missing or bad variable', () => {
    expect(() => loadConfig({ AWS_REGION: 'mars', QM_MAX_PENDING_JOBS: '0' })).toThrow(ConfigError);
    try {
      loadConfig({ AWS_REGION: 'mars', QM_MAX_PENDING_JOBS: '0', QM_TEAM_BUDGETS: '{oops' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/AWS_REGION: must be an AWS region code/);
      expect(message).toMatch(/QM_TABLE_NAME: required/);
      expect(message).toMatch(/QM_EVENTS_TABLE_NAME: required/);
      expect(message).toMatch(/QM_MAX_PENDING_JOBS: /);
      expect(message).toMatch(/QM_TEAM_BUDGETS: not valid JSON/);
    }
  });

  it('names the field of a bad quotas document', () => {
    expect(() =>
      loadConfig({ ...base, QM_QUOTAS: '{"asOf":"2026-03-01","defaultVcpus":-1,"quotas":[]}' }),
    ).toThrow(/QM_QUOTAS: defaultVcpus/);
  });
});
