import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { propsFromContext } from '../../lib/props-from-context.js';
import type { QuartermasterProps } from '../../lib/quartermaster-props.js';
import { QuartermasterConfigError, resolveProps } from '../../lib/resolve-props.js';

const base: QuartermasterProps = { teams: [{ name: 'vision' }] };
const envAgnosticRegion = new Stack(new App(), 'Agnostic').region;

const problemsOf = (props: QuartermasterProps, stackRegion = 'us-east-1'): string => {
  try {
    resolveProps(props, stackRegion);
  } catch (err) {
    expect(err).toBeInstanceOf(QuartermasterConfigError);
    return (err as Error).message;
  }
  throw new Error('expected resolveProps to throw');
};

describe('Quartermaster props validation', () => {
  it('fills in documented defaults', () => {
    const resolved = resolveProps(base, 'eu-west-1');
    expect(resolved.namePrefix).toBe('quartermaster');
    expect(resolved.homeRegion).toBe('eu-west-1');
    expect(resolved.provisioningRegions).toEqual(['eu-west-1']);
    expect(resolved.teams).toEqual([{ name: 'vision', weight: 1 }]);
    expect(resolved.defaultMonthlyBudgetUsd).toBe(100_000);
    expect(resolved.jobTagKeys).toEqual(['cost-center']);
    expect(resolved.schedules.solve.toMinutes()).toBe(1);
    expect(resolved.schedules.spotPriceRefresh.toMinutes()).toBe(15);
    expect(resolved.schedules.onDemandPriceRefresh.toMinutes()).toBe(24 * 60);
    expect(resolved.schedules.reconcile.toMinutes()).toBe(5);
    expect(resolved.schedules.monthlyExportDay).toBe(1);
    expect(resolved.eventSourcesEnabled).toBe(true);
  });

  it('leaves regions to the Lambda when the stack is environment-agnostic and none are given', () => {
    const resolved = resolveProps(base, envAgnosticRegion);
    expect(resolved.homeRegion).toBeUndefined();
    expect(resolved.provisioningRegions).toBeUndefined();
  });

  it('rejects an empty team list, saying what it got', () => {
    expect(problemsOf({ teams: [] })).toContain('teams: at least one team is required, got []');
  });

  it('rejects a weight of zero or less with the team index and value', () => {
    const message = problemsOf({
      teams: [
        { name: 'a', weight: 0 },
        { name: 'b', weight: -2 },
      ],
    });
    expect(message).toContain('teams[0].weight: 0 must be a number greater than 0');
    expect(message).toContain('teams[1].weight: -2 must be a number greater than 0');
  });

  it('rejects bad and duplicate team names and negative budgets', () => {
    const message = problemsOf({
      teams: [{ name: 'Vision' }, { name: 'nlp', monthlyBudgetUsd: -1 }, { name: 'nlp' }],
    });
    expect(message).toContain('teams[0].name: "Vision" must be 1–64 lower-case letters, digits and -');
    expect(message).toContain('teams[1].monthlyBudgetUsd: -1 must be a finite amount ≥ 0');
    expect(message).toContain('teams[2].name: "nlp" is listed twice');
  });

  it('rejects a bad region, naming the field and the value', () => {
    expect(problemsOf({ ...base, homeRegion: 'us-east' }, envAgnosticRegion)).toContain(
      'homeRegion: "us-east" is not an AWS region code like us-east-1',
    );
    expect(problemsOf({ ...base, provisioningRegions: ['us-west-2', 'mars-1'] })).toContain(
      'provisioningRegions[1]: "mars-1" is not an AWS region code',
    );
    expect(problemsOf({ ...base, provisioningRegions: [] })).toContain(
      'provisioningRegions: at least one region is required',
    );
  });

  it('rejects a home region that differs from the stack region', () => {
    expect(problemsOf({ ...base, homeRegion: 'us-west-2' }, 'us-east-1')).toContain(
      `homeRegion: "us-west-2" differs from the stack's region "us-east-1"`,
    );
  });

  it('rejects malformed worker settings field by field', () => {
    const message = problemsOf({
      ...base,
      worker: {
        launchTemplate: { id: 'template-1' },
        subnetIds: ['sn-1'],
        securityGroupIds: ['group'],
        instanceRoleArn: 'gpu-worker',
      },
    });
    expect(message).toContain('worker.launchTemplate.id: "template-1" is not a launch template id');
    expect(message).toContain('worker.subnetIds[0]: "sn-1" is not a subnet id');
    expect(message).toContain('worker.securityGroupIds[0]: "group" is not a security group id');
    expect(message).toContain('worker.instanceRoleArn: "gpu-worker" is not an IAM role ARN');
  });

  it('rejects quotas the handlers could not parse, with the quota field path', () => {
    const message = problemsOf({
      ...base,
      quotas: {
        asOf: '2026-11-01',
        defaultVcpus: 0,
        quotas: [{ region: 'us-east-1', class: 'spot/X', vcpus: 8 }],
      },
    });
    expect(message).toContain('quotas.quotas[0].class: must be one of spot/P');
  });

  it('rejects schedules that are not whole minutes and an export day past the 28th', () => {
    const message = problemsOf({
      ...base,
      schedules: { solve: Duration.seconds(30), monthlyExportDay: 31 },
    });
    expect(message).toContain('schedules.solve: 30 seconds must be a whole number of minutes, at least 1');
    expect(message).toContain('schedules.monthlyExportDay: 31 must be a whole day of the month from 1 to 28');
  });

  it('rejects reserved or invalid job tag keys and a bad name prefix', () => {
    const message = problemsOf({ ...base, namePrefix: 'QM', jobTagKeys: ['quartermaster:team', ''] });
    expect(message).toContain('namePrefix: "QM" must start with a lower-case letter');
    expect(message).toContain('jobTagKeys[0]: "quartermaster:team" uses a reserved prefix');
    expect(message).toContain('jobTagKeys[1]: "" is not a valid EC2 tag key');
  });

  it('rejects teams and quotas too large for the Lambda environment', () => {
    const teams = Array.from({ length: 120 }, (_, i) => ({
      name: `team-number-${i}`,
      weight: 1,
      monthlyBudgetUsd: 1000,
    }));
    expect(problemsOf({ teams })).toMatch(/do not fit the 4096-byte Lambda environment/);
  });

  it('reports every problem at once', () => {
    const message = problemsOf({ teams: [], homeRegion: 'nowhere' }, envAgnosticRegion);
    expect(message.split('\n  - ')).toHaveLength(3);
  });
});

describe('App context to props', () => {
  it('reads quotas from a file path and turns schedule minutes into durations', () => {
    const { props, env } = propsFromContext(
      {
        region: 'us-east-1',
        teams: [{ name: 'vision', weight: 2 }],
        quotas: 'examples/quotas.json',
        scheduleMinutes: { solve: 2 },
        monthlyExportDay: 3,
      },
      process.cwd(),
    );
    expect(env).toEqual({ region: 'us-east-1' });
    expect(props.homeRegion).toBe('us-east-1');
    expect(props.quotas?.asOf).toBe('2026-11-01');
    expect(props.quotas?.quotas.length).toBeGreaterThan(10);
    expect(props.schedules?.solve?.toMinutes()).toBe(2);
    expect(props.schedules?.monthlyExportDay).toBe(3);
    expect(() => resolveProps(props, 'us-east-1')).not.toThrow();
  });

  it('names the context key when it is missing or a quota file cannot be read', () => {
    expect(() => propsFromContext(undefined, process.cwd())).toThrow(
      /context "quartermaster": expected an object/,
    );
    expect(() => propsFromContext({ teams: [{ name: 'a' }], quotas: 'no/such.json' }, process.cwd())).toThrow(
      /context "quartermaster".quotas: cannot read .*no\/such.json/,
    );
  });
});
