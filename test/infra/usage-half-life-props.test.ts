import { describe, expect, it } from 'vitest';
import { ENV, loadConfig } from '../../lambdas/handlers/config.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { propsFromContext } from '../../lib/props-from-context.js';
import type { QuartermasterProps } from '../../lib/quartermaster-props.js';
import { QuartermasterConfigError, resolveProps } from '../../lib/resolve-props.js';
import { environmentOf as envOf, fullProps, synthStack } from './synth-fixture.js';

const base: QuartermasterProps = { teams: [{ name: 'vision' }] };
const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  QM_TABLE_NAME: 'qm-ledger',
  QM_EVENTS_TABLE_NAME: 'qm-events',
};

describe('usage half-life prop', () => {
  it('defaults to what the solve handler assumes when the variable is unset: one week', () => {
    expect(resolveProps(base, 'us-east-1').usageHalfLifeHours).toBe(168);
    expect(loadConfig(HANDLER_ENV).usageHalfLifeHours).toBe(168);
  });

  it('rejects a half-life that is not a finite number of hours > 0, saying what it received', () => {
    for (const [value, shown] of [
      [0, '0'],
      [-24, '-24'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['72' as never, '"72"'],
    ] as const) {
      expect(() => resolveProps({ ...base, usageHalfLifeHours: value }, 'us-east-1')).toThrow(
        QuartermasterConfigError,
      );
      expect(() => resolveProps({ ...base, usageHalfLifeHours: value }, 'us-east-1')).toThrow(
        `usageHalfLifeHours: ${shown} must be a finite number of hours > 0`,
      );
    }
  });

  it('reaches the solve function only, in the format the handler config reads back', () => {
    const { template } = synthStack({ ...fullProps(), usageHalfLifeHours: 36 });
    const written = envOf(template, 'solve')[ENV.usageHalfLifeHours];
    expect(written).toBe('36');
    expect(loadConfig({ ...HANDLER_ENV, [ENV.usageHalfLifeHours]: String(written) }).usageHalfLifeHours).toBe(
      36,
    );
    for (const name of HANDLER_NAMES.filter((n) => n !== 'solve')) {
      expect(envOf(template, name)[ENV.usageHalfLifeHours], name).toBeUndefined();
    }
  });

  it('can come from the app context', () => {
    const { props } = propsFromContext({ teams: [{ name: 'a' }], usageHalfLifeHours: 72 }, process.cwd());
    expect(resolveProps(props, 'us-east-1').usageHalfLifeHours).toBe(72);
  });
});
