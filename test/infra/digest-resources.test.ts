import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { propsFromContext } from '../../lib/props-from-context.js';
import { actionsOf, environmentOf, fullProps, statementsOf, synthStack } from './synth-fixture.js';

const { template } = synthStack();
const of = (name: string) => statementsOf(template, `quartermaster-${name}`);
type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (type: string): [string, Resource][] =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const digestKey = () => {
  const keys = resources('AWS::KMS::Key').filter(([, r]) => r.Properties.KeySpec === 'ECC_NIST_P256');
  expect(keys).toHaveLength(1);
  return keys[0] as [string, Resource];
};

describe('Signed digests (issue 13 part 2)', () => {
  it('signs with an asymmetric ECC_NIST_P256 SIGN_VERIFY key', () => {
    const [, key] = digestKey();
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  });

  it("denies kms:Sign in the key policy to every principal but the digest function's role", () => {
    const [, key] = digestKey();
    const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const deny = statements.find((s) => s.Sid === 'DenySigningExceptByTheDigestFunction');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign' });
    expect(JSON.stringify(deny?.Condition)).toMatch(/ArnNotEquals.*aws:PrincipalArn.*DigestRole/);
  });

  it('lets only the digest function call kms:Sign, on the digest key only', () => {
    for (const name of HANDLER_NAMES.filter((n) => n !== 'digest'))
      expect(actionsOf(of(name)), name).not.toContain('kms:Sign');
    const sign = of('digest').filter((s) => actionsOf([s]).includes('kms:Sign'));
    expect(sign.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [digestKey()[0], 'Arn'] }]);
  });

  it('gives the digest function a Scan of the events table, digest objects and nothing on the ledger table', () => {
    const actions = actionsOf(of('digest'));
    expect(actions).toContain('dynamodb:Scan');
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:Scan']);
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(
      [
        's3:GetBucketObjectLockConfiguration',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        's3:PutObjectRetention',
      ].sort(),
    );
    expect(JSON.stringify(of('digest').filter((s) => actionsOf([s]).includes('s3:PutObject')))).toContain(
      '/digests/*',
    );
    for (const name of HANDLER_NAMES.filter((n) => n !== 'digest'))
      expect(actionsOf(of(name)), name).not.toContain('dynamodb:Scan');
    expect(environmentOf(template, 'digest')).toMatchObject({
      QM_DIGEST_PREFIX: 'digests/',
      QM_DIGEST_KEY_ID: { 'Fn::GetAtt': [digestKey()[0], 'Arn'] },
    });
  });

  it('narrows the ledger writers to the item actions the code calls: no ConditionCheckItem, PutItem only for intake and price refresh', () => {
    for (const name of HANDLER_NAMES)
      expect(actionsOf(of(name)), name).not.toContain('dynamodb:ConditionCheckItem');
    for (const name of ['intake', 'price-refresh']) {
      expect(actionsOf(of(name)), name).toContain('dynamodb:PutItem');
      expect(actionsOf(of(name)), name).not.toContain('dynamodb:UpdateItem');
    }
    for (const name of ['solve', 'provision', 'events', 'reconcile'])
      expect(actionsOf(of(name)), name).toContain('dynamodb:UpdateItem');
  });

  it('keeps the export bucket under Object Lock, governance mode for 365 days by default', () => {
    const buckets = resources('AWS::S3::Bucket').filter(([, r]) => r.Properties.ObjectLockEnabled === true);
    expect(buckets).toHaveLength(1);
    expect(buckets[0]?.[1].Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
    });
  });

  it('takes the digest schedule and the lock mode and retention as props', () => {
    const custom = synthStack({
      ...fullProps(),
      schedules: { digest: Duration.minutes(15) },
      objectLock: { mode: 'compliance', retention: Duration.days(30) },
    }).template.toJSON().Resources as Record<string, Resource>;
    const rates = Object.values(custom)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties.ScheduleExpression);
    expect(rates).toContain('rate(15 minutes)');
    expect(rates).not.toContain('rate(1 hour)');
    const bucket = Object.values(custom).find(
      (r) => r.Type === 'AWS::S3::Bucket' && r.Properties.ObjectLockEnabled,
    );
    expect(bucket?.Properties.ObjectLockConfiguration).toMatchObject({
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } },
    });
    expect(() => synthStack({ ...fullProps(), objectLock: { retention: Duration.hours(5) } })).toThrow(
      /objectLock\.retention/,
    );
  });

  it("reads the digest schedule from the app context's scheduleMinutes", () => {
    const { props } = propsFromContext(
      { teams: [{ name: 'vision', weight: 1 }], scheduleMinutes: { digest: 30 } },
      process.cwd(),
    );
    expect(props.schedules?.digest?.toMinutes()).toBe(30);
  });
});
