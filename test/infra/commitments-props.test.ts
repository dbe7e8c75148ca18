import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, loadConfig } from '../../lambdas/handlers/config.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { propsFromContext } from '../../lib/props-from-context.js';
import type { CommitmentsConfig, QuartermasterProps } from '../../lib/quartermaster-props.js';
import { QuartermasterConfigError, resolveProps } from '../../lib/resolve-props.js';
import { environmentOf as envOf, fullProps, synthStack } from './synth-fixture.js';

const base: QuartermasterProps = { teams: [{ name: 'vision' }] };
const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  QM_TABLE_NAME: 'qm-ledger',
  QM_EVENTS_TABLE_NAME: 'qm-events',
};
const example = JSON.parse(readFileSync('examples/commitments.json', 'utf8')) as CommitmentsConfig & {
  description?: string;
};

describe('commitments prop', () => {
  it('reaches the solve, report and monthly-export functions only, without the description, in the format the handler config reads back', () => {
    const { template } = synthStack({ ...fullProps(), commitments: example });
    const written = envOf(template, 'solve')[ENV.commitments];
    expect(typeof written).toBe('string');
    expect(String(written)).not.toContain('description');
    const config = loadConfig({ ...HANDLER_ENV, [ENV.commitments]: String(written) });
    expect(config.commitments.map((c) => c.id)).toEqual(example.commitments.map((c) => c.id));
    for (const name of ['report', 'monthly-export'])
      expect(envOf(template, name)[ENV.commitments], name).toBe(written);
    for (const name of HANDLER_NAMES.filter((n) => !['solve', 'report', 'monthly-export'].includes(n)))
      expect(envOf(template, name)[ENV.commitments], name).toBeUndefined();
  });

  it('is checked at synth by the solve function parser, each issue named by its path', () => {
    const bad = { asOf: '2026-11-01', commitments: [{ ...example.commitments[1], count: 0 }] };
    expect(() => resolveProps({ ...base, commitments: bad }, 'us-east-1')).toThrow(QuartermasterConfigError);
    expect(() => resolveProps({ ...base, commitments: bad }, 'us-east-1')).toThrow(
      /commitments\.commitments\[0\]\.count: /,
    );
  });

  it('can come from the app context as a path to a commitments file', () => {
    const { props } = propsFromContext(
      { teams: [{ name: 'a' }], commitments: 'examples/commitments.json' },
      process.cwd(),
    );
    expect(props.commitments?.commitments).toHaveLength(4);
    expect(resolveProps(props, 'us-east-1').commitments?.asOf).toBe('2026-11-01');
  });

  it('names the variable of a bad commitments document in the handler', () => {
    expect(() =>
      loadConfig({ ...HANDLER_ENV, [ENV.commitments]: '{"asOf":"2026-11-01","commitments":[{"kind":"x"}]}' }),
    ).toThrow(/QM_COMMITMENTS: commitments\[0\]\.kind: must be one of/);
    expect(loadConfig(HANDLER_ENV).commitments).toEqual([]);
  });
});
