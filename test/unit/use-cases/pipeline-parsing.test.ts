import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocationIdFor } from '../../../lambdas/core/use-cases/allocation-id.js';
import { parseEc2Event } from '../../../lambdas/core/use-cases/ec2-event.js';
import {
  parseJobEventMessage,
  parseProvisionMessage,
} from '../../../lambdas/core/use-cases/pipeline-messages.js';

const envelope = (detailType: string, detail: object) =>
  JSON.stringify({
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': detailType,
    source: 'aws.ec2',
    account: '123456789012',
    time: '2026-03-01T12:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0'],
    detail,
  });

describe('allocationIdFor', () => {
  it('appends the attempt to the job id', () => {
    expect(allocationIdFor('train-42', 3)).toBe('train-42.a3');
  });

  it('always fits a ClientToken and never collides between jobs or attempts', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (a, b, i, j) => {
          const x = allocationIdFor(a, i);
          expect(x.length).toBeLessThanOrEqual(64);
          if (a !== b || i !== j) expect(x).not.toBe(allocationIdFor(b, j));
        },
      ),
    );
  });

  it('refuses an attempt below 1', () => {
    expect(() => allocationIdFor('j', 0)).toThrow(/attempt 0/);
  });
});

describe('parseEc2Event', () => {
  it('reads an EC2 state-change notification in the EventBridge envelope', () => {
    const parsed = parseEc2Event(
      envelope('EC2 Instance State-change Notification', {
        'instance-id': 'i-0123456789abcdef0',
        state: 'running',
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        kind: 'state-change',
        instanceId: 'i-0123456789abcdef0',
        state: 'running',
        time: '2026-03-01T12:00:00.000Z',
        region: 'us-east-1',
      },
    });
  });

  it('reads spot interruption warnings and rebalance recommendations', () => {
    const warning = parseEc2Event(
      envelope('EC2 Spot Instance Interruption Warning', {
        'instance-id': 'i-0123456789abcdef0',
        'instance-action': 'terminate',
      }),
    );
    expect(warning.ok && warning.value.kind).toBe('spot-interruption');
    const rebalance = parseEc2Event(
      envelope('EC2 Instance Rebalance Recommendation', { 'instance-id': 'i-0123456789abcdef0' }),
    );
    expect(rebalance.ok && rebalance.value.kind).toBe('rebalance');
  });

  it('names the field of a malformed event', () => {
    const parsed = parseEc2Event(
      envelope('EC2 Instance State-change Notification', { 'instance-id': 'x', state: 'running' }),
    );
    expect(parsed.ok ? [] : parsed.issues.map((i) => i.field)).toEqual(['detail.instance-id']);
    const wrongSource = parseEc2Event(JSON.stringify({ ...JSON.parse(envelope('x', {})), source: 'aws.s3' }));
    expect(wrongSource.ok ? [] : wrongSource.issues.map((i) => i.field)).toEqual(['source']);
  });

  it('passes other aws.ec2 events through as other', () => {
    const parsed = parseEc2Event(envelope('EBS Snapshot Notification', {}));
    expect(parsed).toEqual({ ok: true, value: { kind: 'other', detailType: 'EBS Snapshot Notification' } });
  });
});

describe('pipeline messages', () => {
  it('parses completion and cancel messages, defaulting failed to false', () => {
    expect(parseJobEventMessage('{"type":"complete","jobId":"j-1"}')).toEqual({
      ok: true,
      value: { type: 'complete', jobId: 'j-1', failed: false },
    });
    expect(parseJobEventMessage('{"type":"cancel","jobId":"j-1","reason":"x"}').ok).toBe(true);
  });

  it('rejects a cancel without a reason and unknown fields, naming them', () => {
    const parsed = parseJobEventMessage('{"type":"cancel","jobId":"j-1","extra":1}');
    expect(parsed.ok ? [] : parsed.issues.map((i) => i.field).sort()).toEqual(['extra', 'reason']);
  });

  it('rejects a provision message that is not JSON', () => {
    expect(parseProvisionMessage('nope')).toMatchObject({ ok: false, issues: [{ field: '(body)' }] });
  });
});
