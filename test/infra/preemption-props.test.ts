import { describe, expect, it } from 'vitest';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../lambdas/core/jobs/managed-tags.js';
import { ENV, loadConfig } from '../../lambdas/handlers/config.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { propsFromContext } from '../../lib/props-from-context.js';
import type { QuartermasterProps } from '../../lib/quartermaster-props.js';
import { QuartermasterConfigError, resolveProps } from '../../lib/resolve-props.js';
import { actionsOf, environmentOf as envOf, fullProps, statementsOf, synthStack } from './synth-fixture.js';

const base: QuartermasterProps = { teams: [{ name: 'vision' }] };
const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  QM_TABLE_NAME: 'qm-ledger',
  QM_EVENTS_TABLE_NAME: 'qm-events',
};

describe('preemption prop', () => {
  it('is off by default: no variable, and the solve role may not terminate instances', () => {
    expect(resolveProps(base, 'us-east-1').preemption).toBe('off');
    expect(loadConfig(HANDLER_ENV).preemption).toBe('off');
    const { template } = synthStack();
    expect(envOf(template, 'solve')[ENV.preemption]).toBeUndefined();
    expect(actionsOf(statementsOf(template, 'quartermaster-solve'))).not.toContain('ec2:TerminateInstances');
  });

  it('reaches the solve function only, and lets it terminate managed instances only', () => {
    const { template } = synthStack({ ...fullProps(), preemption: 'across-teams' });
    const written = envOf(template, 'solve')[ENV.preemption];
    expect(written).toBe('across-teams');
    expect(loadConfig({ ...HANDLER_ENV, [ENV.preemption]: String(written) }).preemption).toBe('across-teams');
    for (const name of HANDLER_NAMES.filter((n) => n !== 'solve'))
      expect(envOf(template, name)[ENV.preemption], name).toBeUndefined();
    const solve = statementsOf(template, 'quartermaster-solve');
    const terminate = solve.filter((s) => actionsOf([s]).includes('ec2:TerminateInstances'));
    expect(terminate).toHaveLength(1);
    expect(terminate[0]?.Condition).toEqual({
      StringEquals: { [`ec2:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
    });
    expect(actionsOf(solve)).toContain('ec2:DescribeInstances');
  });

  it('rejects an unknown mode, in the props and in the variable, saying what it received', () => {
    expect(() => resolveProps({ ...base, preemption: 'always' as never }, 'us-east-1')).toThrow(
      QuartermasterConfigError,
    );
    expect(() => resolveProps({ ...base, preemption: 'always' as never }, 'us-east-1')).toThrow(
      'preemption: "always" must be one of off, within-team, across-teams',
    );
    expect(() => loadConfig({ ...HANDLER_ENV, [ENV.preemption]: 'always' })).toThrow(
      /QM_PREEMPTION.*must be one of off, within-team, across-teams/s,
    );
  });

  it('can come from the app context', () => {
    const { props } = propsFromContext({ teams: [{ name: 'a' }], preemption: 'within-team' }, process.cwd());
    expect(resolveProps(props, 'us-east-1').preemption).toBe('within-team');
  });
});
