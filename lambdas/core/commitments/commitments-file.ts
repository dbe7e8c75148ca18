import * as z from 'zod/mini';
import { type FieldIssue, TeamNameSchema, toFieldIssues } from '../jobs/job-request.js';
import { parseStrictJson } from '../jobs/strict-json.js';
import type { Commitment } from './commitment.js';

/**
 * The commitments file a platform team keeps beside its quotas and budgets: the Savings Plans,
 * Reserved Instances, capacity reservations and Capacity Blocks the account holds. Pure parsing;
 * callers read the file.
 */

export type CommitmentsResult =
  | { ok: true; value: Commitments }
  | { ok: false; issues: readonly FieldIssue[] };

export interface Commitments {
  readonly asOf: string;
  readonly commitments: readonly Commitment[];
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ZONE_NAME = /^[a-z]{2}(-gov)?-[a-z]+-\d(-[a-z]+-\d)?[a-z]$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const FAMILY = /^[a-z][a-z0-9-]*$/;

const instant = z.iso.datetime({ offset: true });
const region = z
  .string()
  .check(z.maxLength(32), z.regex(REGION, 'must be an AWS region code like us-east-1'));
const zone = z
  .string()
  .check(z.maxLength(40), z.regex(ZONE_NAME, 'must be an Availability Zone name like us-east-1a'));
const instanceType = z
  .string()
  .check(z.maxLength(64), z.regex(INSTANCE_TYPE, 'must be an EC2 instance type like p5.48xlarge'));
const count = z
  .number()
  .check(z.int('must be a whole number of instances'), z.minimum(1), z.maximum(100_000));
const usd = z.number().check(z.minimum(0), z.maximum(1e9));
const id = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9._:/-]+$/, 'must be letters, digits and . _ : / -'),
  );
const name = z.optional(z.string().check(z.maxLength(200)));
/** The team it was bought for, as job requests and budgets name teams. */
const team = z.optional(TeamNameSchema);

const SavingsPlanSchema = z.strictObject({
  kind: z.literal('savings-plan'),
  id,
  name,
  team,
  planType: z.enum(['compute', 'ec2-instance'], { message: 'must be compute or ec2-instance' }),
  /** An EC2 Instance plan's region; a Compute plan has none. */
  region: z._default(z.nullable(region), null),
  hourlyCommitmentUsd: z.number().check(z.positive('must be greater than 0'), z.maximum(1e7)),
  discounts: z.record(
    z.string().check(z.regex(FAMILY, 'must be an instance family like p5')),
    z.number().check(z.positive('must be greater than 0'), z.lt(1, 'must be below 1 (0.3 is 30 %)')),
  ),
  start: instant,
  end: instant,
});

const ReservedInstanceSchema = z.strictObject({
  kind: z.literal('reserved-instance'),
  id,
  name,
  team,
  offeringClass: z.enum(['standard', 'convertible'], { message: 'must be standard or convertible' }),
  instanceType,
  region,
  availabilityZone: z._default(z.nullable(zone), null),
  count,
  effectiveHourlyUsd: usd,
  start: instant,
  end: instant,
});

const CapacityReservationSchema = z.strictObject({
  kind: z.literal('capacity-reservation'),
  id,
  name,
  team,
  instanceType,
  region,
  availabilityZone: zone,
  count,
  /** Absent: the type's on-demand price in the price book. */
  unitPriceUsdPerHour: z._default(z.nullable(usd), null),
  start: instant,
  end: z._default(z.nullable(instant), null),
});

const CapacityBlockSchema = z.strictObject({
  kind: z.literal('capacity-block'),
  id,
  name,
  team,
  instanceType,
  region,
  availabilityZone: zone,
  count,
  priceUsd: z.nullable(usd),
  start: instant,
  end: instant,
});

const KINDS = ['savings-plan', 'reserved-instance', 'capacity-reservation', 'capacity-block'] as const;

const CommitmentSchema = z.discriminatedUnion('kind', [
  SavingsPlanSchema,
  ReservedInstanceSchema,
  CapacityReservationSchema,
  CapacityBlockSchema,
]);

export const CommitmentsFileSchema = z
  .strictObject({
    asOf: z.union([z.iso.date(), instant]),
    description: z.optional(z.string().check(z.maxLength(1000))),
    commitments: z.array(CommitmentSchema).check(z.maxLength(10_000)),
  })
  .check(
    z.superRefine((file, ctx) => {
      const seen = new Map<string, number>();
      file.commitments.forEach((c, i) => {
        const issue = (path: readonly (string | number)[], message: string) =>
          ctx.addIssue({ code: 'custom', path: ['commitments', i, ...path], message });
        const first = seen.get(c.id);
        if (first === undefined) seen.set(c.id, i);
        else issue(['id'], `duplicate commitment id ${c.id} (first at commitments[${first}])`);
        if (c.end !== null && Date.parse(c.end) <= Date.parse(c.start)) issue(['end'], 'must be after start');
        if (
          'availabilityZone' in c &&
          c.availabilityZone !== null &&
          !c.availabilityZone.startsWith(c.region)
        )
          issue(['availabilityZone'], `must be a zone of ${c.region}`);
        if (c.kind === 'savings-plan') {
          const families = Object.keys(c.discounts);
          if (families.length === 0) issue(['discounts'], 'must name at least one instance family');
          if (c.planType === 'compute' && c.region !== null)
            issue(['region'], 'a Compute Savings Plan covers every region: leave region out');
          if (c.planType === 'ec2-instance') {
            if (c.region === null) issue(['region'], 'an EC2 Instance Savings Plan needs its region');
            if (families.length > 1)
              issue(['discounts'], 'an EC2 Instance Savings Plan covers one instance family');
          }
        }
      });
    }),
  );

/** Validates a decoded commitments file. */
export const parseCommitments = (value: unknown): CommitmentsResult => {
  const kindIssues = unknownKinds(value);
  if (kindIssues.length > 0) return { ok: false, issues: kindIssues };
  const result = CommitmentsFileSchema.safeParse(value);
  if (!result.success) return { ok: false, issues: toFieldIssues(result.error.issues) };
  const commitments = result.data.commitments.map((c): Commitment => {
    // Optional fields stay absent rather than `undefined` (exactOptionalPropertyTypes).
    const { name: display, team: owner, ...rest } = c;
    return {
      ...rest,
      ...(display === undefined ? {} : { name: display }),
      ...(owner === undefined ? {} : { team: owner }),
    };
  });
  return { ok: true, value: { asOf: result.data.asOf, commitments } };
};

/**
 * A discriminated union reports an unknown `kind` as "invalid input" with no hint; say which
 * kinds there are instead.
 */
const unknownKinds = (value: unknown): FieldIssue[] => {
  if (typeof value !== 'object' || value === null) return [];
  const list = (value as { commitments?: unknown }).commitments;
  if (!Array.isArray(list)) return [];
  return list.flatMap((c, i): FieldIssue[] => {
    const kind = typeof c === 'object' && c !== null ? (c as { kind?: unknown }).kind : undefined;
    return typeof kind === 'string' && (KINDS as readonly string[]).includes(kind)
      ? []
      : [{ field: `commitments[${i}].kind`, message: `must be one of ${KINDS.join(', ')}` }];
  });
};

/** {@link parseCommitments} on file text; text that is not JSON is an issue at `(body)`. */
export const parseCommitmentsText = (text: string): CommitmentsResult => {
  const parsed = parseStrictJson(text);
  if (!parsed.ok)
    return { ok: false, issues: [{ field: parsed.duplicate?.path ?? '(body)', message: parsed.message }] };
  return parseCommitments(parsed.value);
};
