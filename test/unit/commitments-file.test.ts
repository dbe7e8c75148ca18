import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommitmentsText } from '../../lambdas/core/commitments/commitments-file.js';

const file = (commitments: unknown[]) => JSON.stringify({ asOf: '2026-11-01', commitments });
const odcr = {
  kind: 'capacity-reservation',
  id: 'cr-1',
  instanceType: 'p5.48xlarge',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  count: 2,
  start: '2026-11-01T00:00:00Z',
};
const issues = (text: string) => {
  const r = parseCommitmentsText(text);
  if (r.ok) throw new Error('expected issues');
  return r.issues.map((i) => `${i.field}: ${i.message}`);
};

describe('the commitments file', () => {
  it('reads the example: every kind, with defaults filled in', () => {
    const r = parseCommitmentsText(readFileSync('examples/commitments.json', 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.commitments.map((c) => c.kind)).toEqual([
      'savings-plan',
      'capacity-reservation',
      'capacity-reservation',
      'capacity-block',
    ]);
    const cr = r.value.commitments[1];
    expect(cr?.kind === 'capacity-reservation' && cr.unitPriceUsdPerHour).toBe(null);
    expect(cr?.end).toBe(null);
    expect(r.value.commitments[0]?.name).toBe('compute SP, G inference');
  });

  it('names each bad field by its path', () => {
    expect(issues(file([{ ...odcr, count: 0, availabilityZone: 'us-west-2a' }]))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^commitments\[0\]\.count: /),
        'commitments[0].availabilityZone: must be a zone of us-east-1',
      ]),
    );
    expect(issues(file([{ ...odcr, end: '2026-10-01T00:00:00Z' }]))).toContain(
      'commitments[0].end: must be after start',
    );
    expect(issues(file([odcr, odcr]))).toContain(
      'commitments[1].id: duplicate commitment id cr-1 (first at commitments[0])',
    );
    expect(issues(file([{ ...odcr, colour: 'red' }])).join(' ')).toMatch(/commitments\[0\]/);
  });

  it('reads the team a commitment was bought for, and names a bad one', () => {
    const r = parseCommitmentsText(readFileSync('examples/commitments.json', 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.commitments.map((c) => c.team)).toEqual([undefined, 'nlp', undefined, 'nlp']);
    expect('team' in (r.value.commitments[0] ?? {})).toBe(false);
    expect(issues(file([{ ...odcr, team: 'Vision Team' }]))).toEqual([
      expect.stringMatching(/^commitments\[0\]\.team: must be lower-case letters, digits and -/),
    ]);
  });

  it('says which kinds there are when one is unknown', () => {
    expect(issues(file([{ kind: 'spot-block' }]))).toEqual([
      'commitments[0].kind: must be one of savings-plan, reserved-instance, capacity-reservation, capacity-block',
    ]);
  });

  it('holds Savings Plans to their scope', () => {
    const sp = {
      kind: 'savings-plan',
      id: 'sp-1',
      planType: 'ec2-instance',
      hourlyCommitmentUsd: 10,
      discounts: { p5: 0.3, g6: 0.2 },
      start: '2026-01-01T00:00:00Z',
      end: '2027-01-01T00:00:00Z',
    };
    expect(issues(file([sp]))).toEqual(
      expect.arrayContaining([
        'commitments[0].region: an EC2 Instance Savings Plan needs its region',
        'commitments[0].discounts: an EC2 Instance Savings Plan covers one instance family',
      ]),
    );
    expect(
      issues(file([{ ...sp, planType: 'compute', region: 'us-east-1', discounts: { p5: 0.3 } }])),
    ).toContain('commitments[0].region: a Compute Savings Plan covers every region: leave region out');
    expect(issues(file([{ ...sp, planType: 'compute', discounts: { p5: 1.5 } }])).join(' ')).toMatch(
      /discounts\.p5: must be below 1/,
    );
  });

  it('rejects duplicate keys and text that is not JSON', () => {
    expect(issues('{"asOf":"2026-11-01","asOf":"2026-11-02","commitments":[]}')[0]).toMatch(/asOf/);
    expect(issues('not json')[0]).toMatch(/^\(body\): /);
  });
});
