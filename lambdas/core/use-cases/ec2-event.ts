import * as z from 'zod/mini';
import type { FieldIssue } from '../jobs/job-request.js';
import { toFieldIssues } from '../jobs/job-request.js';

/**
 * The EventBridge events from `aws.ec2` the pipeline acts on, as delivered to the ec2-events queue
 * (the whole EventBridge envelope is the SQS message body).
 */

const nonEmpty = z.string().check(z.minLength(1));

const Envelope = z.looseObject({
  id: nonEmpty,
  'detail-type': nonEmpty,
  source: z.literal('aws.ec2', { message: 'must be aws.ec2' }),
  time: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
  region: nonEmpty,
  detail: z.record(z.string(), z.unknown()),
});

const InstanceId = z
  .string()
  .check(z.regex(/^i-[0-9a-f]{8,17}$/, 'must be an instance id like i-0123456789abcdef0'));

const StateChangeDetail = z.looseObject({ 'instance-id': InstanceId, state: nonEmpty });
const SpotInterruptionDetail = z.looseObject({ 'instance-id': InstanceId, 'instance-action': nonEmpty });
const RebalanceDetail = z.looseObject({ 'instance-id': InstanceId });

export type Ec2Event =
  | {
      readonly kind: 'state-change';
      readonly instanceId: string;
      readonly state: string;
      readonly time: string;
      readonly region: string;
    }
  | {
      readonly kind: 'spot-interruption';
      readonly instanceId: string;
      readonly action: string;
      readonly time: string;
      readonly region: string;
    }
  | {
      readonly kind: 'rebalance';
      readonly instanceId: string;
      readonly time: string;
      readonly region: string;
    }
  /** Another aws.ec2 event the pipeline does not act on. */
  | { readonly kind: 'other'; readonly detailType: string };

export const STATE_CHANGE = 'EC2 Instance State-change Notification';
export const SPOT_INTERRUPTION = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE = 'EC2 Instance Rebalance Recommendation';

export type Ec2EventParse = { ok: true; value: Ec2Event } | { ok: false; issues: readonly FieldIssue[] };

const fail = (issues: readonly z.core.$ZodIssue[], prefix: string): Ec2EventParse => ({
  ok: false,
  issues: toFieldIssues(issues).map((i) => ({
    ...i,
    field: prefix === '' ? i.field : `${prefix}.${i.field}`,
  })),
});

/** Parses an SQS body holding an EventBridge `aws.ec2` event; issues name the field. */
export const parseEc2Event = (body: string): Ec2EventParse => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      issues: [{ field: '(body)', message: `not valid JSON: ${(error as Error).message}` }],
    };
  }
  const envelope = Envelope.safeParse(value);
  if (!envelope.success) return fail(envelope.error.issues, '');
  const e = envelope.data;
  const base = { time: new Date(Date.parse(e.time)).toISOString(), region: e.region };
  const detailType = e['detail-type'];
  if (detailType === STATE_CHANGE) {
    const d = StateChangeDetail.safeParse(e.detail);
    if (!d.success) return fail(d.error.issues, 'detail');
    return {
      ok: true,
      value: { kind: 'state-change', instanceId: d.data['instance-id'], state: d.data.state, ...base },
    };
  }
  if (detailType === SPOT_INTERRUPTION) {
    const d = SpotInterruptionDetail.safeParse(e.detail);
    if (!d.success) return fail(d.error.issues, 'detail');
    return {
      ok: true,
      value: {
        kind: 'spot-interruption',
        instanceId: d.data['instance-id'],
        action: d.data['instance-action'],
        ...base,
      },
    };
  }
  if (detailType === REBALANCE) {
    const d = RebalanceDetail.safeParse(e.detail);
    if (!d.success) return fail(d.error.issues, 'detail');
    return { ok: true, value: { kind: 'rebalance', instanceId: d.data['instance-id'], ...base } };
  }
  return { ok: true, value: { kind: 'other', detailType } };
};
