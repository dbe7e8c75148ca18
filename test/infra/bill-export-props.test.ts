import { describe, expect, it } from 'vitest';
import { propsFromContext } from '../../lib/props-from-context.js';
import { QuartermasterConfigError, resolveProps } from '../../lib/resolve-props.js';
import { actionsOf, environmentOf, fullProps, statementsOf, synthStack } from './synth-fixture.js';

const BILL = { bucketName: 'payer-data-exports', prefix: 'cur2/qm/' };

const billRules = (template: ReturnType<typeof synthStack>['template']) =>
  Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
    String((r as { Properties?: { Description?: string } }).Properties?.Description).includes('AWS bill'),
  );

describe('monthly bill reconciliation (billExport)', () => {
  it('is not scheduled and reads no bill without a bill export', () => {
    const { template } = synthStack();
    expect(billRules(template)).toEqual([]);
    const actions = actionsOf(statementsOf(template, 'quartermaster-bill-reconcile'));
    expect(actions).not.toContain('s3:GetObject');
    expect(actions).not.toContain('s3:ListBucket');
    expect(environmentOf(template, 'bill-reconcile').QM_BILL_EXPORT_BUCKET).toBeUndefined();
  });

  it('runs monthly on the configured day, reading the export prefix only and writing to the export bucket', () => {
    const { template } = synthStack({ ...fullProps(), billExport: { ...BILL, day: 6 } });
    const rules = billRules(template) as { Properties: { ScheduleExpression: string } }[];
    expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['cron(0 4 6 * ? *)']);
    const env = environmentOf(template, 'bill-reconcile');
    expect(env.QM_BILL_EXPORT_BUCKET).toBe('payer-data-exports');
    expect(env.QM_BILL_EXPORT_PREFIX).toBe('cur2/qm/');
    expect(env.QM_EXPORT_BUCKET).toEqual({ Ref: expect.stringMatching(/Exports/) });
    const statements = statementsOf(template, 'quartermaster-bill-reconcile');
    const list = statements.find((s) => s.Sid === 'ListBillExport');
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['cur2/qm/*'] } });
    expect(JSON.stringify(list?.Resource)).toContain('payer-data-exports');
    const read = statements.find((s) => s.Sid === 'ReadBillExport');
    expect(actionsOf(read === undefined ? [] : [read])).toEqual(['s3:GetObject']);
    expect(JSON.stringify(read?.Resource)).toContain('payer-data-exports/cur2/qm/*');
    const s3 = actionsOf(statements).filter((a) => a.startsWith('s3:'));
    expect([...new Set(s3)].sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(actionsOf(statements)).not.toContain('dynamodb:PutItem');
  });

  it('may decrypt with the export bucket key when one is given', () => {
    const kmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { template } = synthStack({ ...fullProps(), billExport: { ...BILL, kmsKeyArn } });
    const key = statementsOf(template, 'quartermaster-bill-reconcile').find((s) => s.Sid === 'BillExportKey');
    expect(key?.Resource).toBe(kmsKeyArn);
  });

  it('rejects a bad bucket name, day or key ARN, naming each', () => {
    const props = (billExport: Record<string, unknown>) => ({
      teams: [{ name: 'vision' }],
      billExport: billExport as never,
    });
    expect(() => resolveProps(props({ bucketName: 'Bad_Bucket' }), 'us-east-1')).toThrow(
      QuartermasterConfigError,
    );
    expect(() => resolveProps(props({ bucketName: 'Bad_Bucket' }), 'us-east-1')).toThrow(
      'billExport.bucketName: "Bad_Bucket" is not an S3 bucket name',
    );
    expect(() => resolveProps(props({ ...BILL, day: 31 }), 'us-east-1')).toThrow(
      'billExport.day: 31 must be a whole day of the month from 1 to 28',
    );
    expect(() => resolveProps(props({ ...BILL, kmsKeyArn: 'key-1' }), 'us-east-1')).toThrow(
      'billExport.kmsKeyArn: "key-1" is not a KMS key ARN',
    );
    expect(resolveProps(props(BILL), 'us-east-1').billExport).toEqual({
      ...BILL,
      day: 5,
      kmsKeyArn: undefined,
    });
  });

  it('comes from the cdk.json context as plain JSON', () => {
    const { props } = propsFromContext({ teams: [{ name: 'vision' }], billExport: { ...BILL, day: 7 } }, '.');
    expect(props.billExport).toEqual({ ...BILL, day: 7 });
    expect(resolveProps(props, 'us-east-1').billExport?.day).toBe(7);
  });
});
