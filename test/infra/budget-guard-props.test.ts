import { describe, expect, it } from 'vitest';
import { ENV, loadConfig } from '../../lambdas/handlers/config.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { propsFromContext } from '../../lib/props-from-context.js';
import type { QuartermasterProps } from '../../lib/quartermaster-props.js';
import { DEFAULT_BUDGET_GUARD, QuartermasterConfigError, resolveProps } from '../../lib/resolve-props.js';
import { environmentOf as envOf, fullProps, synthStack } from './synth-fixture.js';

const base: QuartermasterProps = { teams: [{ name: 'vision' }] };
const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  QM_TABLE_NAME: 'qm-ledger',
  QM_EVENTS_TABLE_NAME: 'qm-events',
};

const problemsOf = (props: QuartermasterProps): string => {
  try {
    resolveProps(props, 'us-east-1');
  } catch (err) {
    expect(err).toBeInstanceOf(QuartermasterConfigError);
    return (err as Error).message;
  }
  throw new Error('expected resolveProps to throw');
};

describe('budget guard props', () => {
  it('default to what the handlers assume when the variables are unset: alert only, at 80 % and 100 %', () => {
    expect(resolveProps(base, 'us-east-1').budgetGuard).toEqual({
      policy: 'alert-only',
      thresholds: [0.8, 1],
    });
    const handlerDefaults = loadConfig(HANDLER_ENV);
    expect(DEFAULT_BUDGET_GUARD.policy).toBe(handlerDefaults.budgetPolicy);
    expect([...DEFAULT_BUDGET_GUARD.thresholds]).toEqual(handlerDefaults.budgetThresholds);
  });

  it('reject an unknown policy, naming the policies allowed and the value received', () => {
    expect(problemsOf({ ...base, budgetGuard: { policy: 'panic' as never } })).toContain(
      'budgetGuard.policy: "panic" must be one of alert-only, stop-admitting, terminate-lowest-priority',
    );
  });

  it('reject no thresholds, and each threshold that is not a finite fraction > 0, by index', () => {
    expect(problemsOf({ ...base, budgetGuard: { thresholds: [] } })).toContain(
      'budgetGuard.thresholds: at least one fraction is required, got []',
    );
    const message = problemsOf({
      ...base,
      budgetGuard: { thresholds: [0.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, '0.9' as never] },
    });
    expect(message).not.toContain('thresholds[0]');
    for (const [i, shown] of [
      [1, '0'],
      [2, '-1'],
      [3, 'NaN'],
      [4, 'Infinity'],
      [5, '"0.9"'],
    ] as const) {
      expect(message).toContain(
        `budgetGuard.thresholds[${i}]: ${shown} must be a fraction of the budget > 0`,
      );
    }
  });

  it('reach solve and reconcile, and only them, in the format the handler config reads back', () => {
    const { template } = synthStack({
      ...fullProps(),
      budgetGuard: { policy: 'terminate-lowest-priority', thresholds: [0.5, 0.9, 1.1] },
    });
    for (const name of ['solve', 'reconcile']) {
      const env = envOf(template, name);
      expect(env[ENV.budgetPolicy], name).toBe('terminate-lowest-priority');
      expect(env[ENV.budgetThresholds], name).toBe('0.5,0.9,1.1');
      const config = loadConfig({
        ...HANDLER_ENV,
        [ENV.budgetPolicy]: String(env[ENV.budgetPolicy]),
        [ENV.budgetThresholds]: String(env[ENV.budgetThresholds]),
      });
      expect(config.budgetPolicy).toBe('terminate-lowest-priority');
      expect(config.budgetThresholds).toEqual([0.5, 0.9, 1.1]);
    }
    for (const name of HANDLER_NAMES.filter((n) => n !== 'solve' && n !== 'reconcile')) {
      expect(envOf(template, name)[ENV.budgetPolicy], name).toBeUndefined();
      expect(envOf(template, name)[ENV.budgetThresholds], name).toBeUndefined();
    }
  });

  it('are written out with their defaults when not given, so the template says what runs', () => {
    const { template } = synthStack();
    expect(envOf(template, 'solve')[ENV.budgetPolicy]).toBe('alert-only');
    expect(envOf(template, 'reconcile')[ENV.budgetThresholds]).toBe('0.8,1');
  });

  it('can come from the app context', () => {
    const { props } = propsFromContext(
      { teams: [{ name: 'a' }], budgetGuard: { policy: 'stop-admitting', thresholds: [0.9] } },
      process.cwd(),
    );
    expect(resolveProps(props, 'us-east-1').budgetGuard).toEqual({
      policy: 'stop-admitting',
      thresholds: [0.9],
    });
  });
});
