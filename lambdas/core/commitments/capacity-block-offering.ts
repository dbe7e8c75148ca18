import * as z from 'zod/mini';
import { type FieldIssue, toFieldIssues } from '../jobs/job-request.js';
import { parseStrictJson } from '../jobs/strict-json.js';

/**
 * Capacity Blocks for ML the account could buy, as EC2 DescribeCapacityBlockOfferings lists them
 * (its `CapacityBlockOfferings` items, field names as AWS spells them, so the output of
 * `aws ec2 describe-capacity-block-offerings` can be saved and read as it is). Pure parsing;
 * callers read the file. Nothing here buys: an offering is only priced (ADR 0017).
 */

/** One offering, checked and in the planner's units. */
export interface CapacityBlockOffering {
  /** `CapacityBlockOfferingId`, what PurchaseCapacityBlock would take. */
  readonly id: string;
  readonly instanceType: string;
  /** AZ name, as the offering gives it. */
  readonly availabilityZone: string;
  /** The region of that zone. */
  readonly region: string;
  readonly instanceCount: number;
  /** ISO instants the block starts and ends. */
  readonly start: string;
  readonly end: string;
  /** `CapacityBlockDurationHours` plus `CapacityBlockDurationMinutes` / 60. */
  readonly durationHours: number;
  /** `UpfrontFee`: the whole block's price, paid once, USD. */
  readonly upfrontFeeUsd: number;
  readonly tenancy: 'default' | 'dedicated';
}

export interface CapacityBlockOfferings {
  /** When the offerings were read; absent in a raw API response. */
  readonly asOf: string | null;
  readonly offerings: readonly CapacityBlockOffering[];
}

export type CapacityBlockOfferingsResult =
  | { ok: true; value: CapacityBlockOfferings }
  | { ok: false; issues: readonly FieldIssue[] };

const ZONE_NAME = /^([a-z]{2}(-gov)?-[a-z]+-\d)(-[a-z]+-\d)?[a-z]$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
/** AWS prints fees as decimal strings ("2000.00"); a number or an exponent is not what it sends. */
const DECIMAL = /^\d{1,10}(\.\d{1,6})?$/;
const MINUTE_MS = 60_000;

const instant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with Z or an offset',
});

const OfferingSchema = z.strictObject({
  CapacityBlockOfferingId: z
    .string()
    .check(
      z.maxLength(64),
      z.regex(/^cb-[0-9a-z]{1,32}$/, 'must be an offering id like cb-0123456789abcdefg'),
    ),
  InstanceType: z
    .string()
    .check(z.maxLength(64), z.regex(INSTANCE_TYPE, 'must be an EC2 instance type like p5.48xlarge')),
  AvailabilityZone: z
    .string()
    .check(z.maxLength(40), z.regex(ZONE_NAME, 'must be an Availability Zone name like us-east-2a')),
  InstanceCount: z
    .number()
    .check(z.int('must be a whole number of instances'), z.minimum(1), z.maximum(10_000)),
  StartDate: instant,
  EndDate: instant,
  // AWS sells blocks of 1 to 182 days; hours are counted in full, the rest in minutes.
  CapacityBlockDurationHours: z
    .number()
    .check(z.int('must be a whole number of hours'), z.minimum(0), z.maximum(182 * 24)),
  CapacityBlockDurationMinutes: z.optional(
    z.number().check(z.int('must be a whole number of minutes'), z.minimum(0), z.maximum(59)),
  ),
  UpfrontFee: z.string().check(z.regex(DECIMAL, 'must be a decimal amount as a string, like "2000.00"')),
  // The planner and its budgets count USD only; a fee in another currency cannot be compared.
  CurrencyCode: z.literal('USD', { message: 'must be USD (plans are priced in USD)' }),
  Tenancy: z.enum(['default', 'dedicated'], { message: 'must be default or dedicated' }),
  // Present on UltraServer offerings; read so that a whole response parses, not used.
  UltraserverType: z.optional(z.string().check(z.maxLength(64))),
  UltraserverCount: z.optional(z.number().check(z.int(), z.minimum(1))),
});

export const CapacityBlockOfferingsFileSchema = z
  .strictObject({
    asOf: z.optional(z.union([z.iso.date(), instant])),
    description: z.optional(z.string().check(z.maxLength(1000))),
    CapacityBlockOfferings: z.array(OfferingSchema).check(z.maxLength(10_000)),
    NextToken: z.optional(z.string()),
  })
  .check(
    z.superRefine((file, ctx) => {
      const seen = new Map<string, number>();
      file.CapacityBlockOfferings.forEach((o, i) => {
        const issue = (field: string, message: string) =>
          ctx.addIssue({ code: 'custom', path: ['CapacityBlockOfferings', i, field], message });
        const first = seen.get(o.CapacityBlockOfferingId);
        if (first === undefined) seen.set(o.CapacityBlockOfferingId, i);
        else
          issue(
            'CapacityBlockOfferingId',
            `duplicate offering id ${o.CapacityBlockOfferingId} (first at CapacityBlockOfferings[${first}])`,
          );
        const spanMs = Date.parse(o.EndDate) - Date.parse(o.StartDate);
        const statedMs =
          (o.CapacityBlockDurationHours * 60 + (o.CapacityBlockDurationMinutes ?? 0)) * MINUTE_MS;
        if (spanMs <= 0) issue('EndDate', 'must be after StartDate');
        // The fee is for the stated duration; a window of another length means the fields disagree.
        else if (Math.abs(spanMs - statedMs) >= MINUTE_MS)
          issue(
            'CapacityBlockDurationHours',
            `must match StartDate to EndDate (${(spanMs / 3_600_000).toFixed(2)} h); got ${(statedMs / 3_600_000).toFixed(2)} h`,
          );
        if (Number(o.UpfrontFee) <= 0) issue('UpfrontFee', 'must be greater than 0');
      });
    }),
  );

const regionOfZone = (zone: string): string => ZONE_NAME.exec(zone)?.[1] ?? zone;

/** Validates a decoded offerings file (an API response, optionally with `asOf` and `description`). */
export const parseCapacityBlockOfferings = (value: unknown): CapacityBlockOfferingsResult => {
  const result = CapacityBlockOfferingsFileSchema.safeParse(value);
  if (!result.success) return { ok: false, issues: toFieldIssues(result.error.issues) };
  const offerings = result.data.CapacityBlockOfferings.map(
    (o): CapacityBlockOffering => ({
      id: o.CapacityBlockOfferingId,
      instanceType: o.InstanceType,
      availabilityZone: o.AvailabilityZone,
      region: regionOfZone(o.AvailabilityZone),
      instanceCount: o.InstanceCount,
      start: new Date(Date.parse(o.StartDate)).toISOString(),
      end: new Date(Date.parse(o.EndDate)).toISOString(),
      durationHours: o.CapacityBlockDurationHours + (o.CapacityBlockDurationMinutes ?? 0) / 60,
      upfrontFeeUsd: Number(o.UpfrontFee),
      tenancy: o.Tenancy,
    }),
  );
  return { ok: true, value: { asOf: result.data.asOf ?? null, offerings } };
};

/** {@link parseCapacityBlockOfferings} on file text; text that is not JSON is an issue at `(body)`. */
export const parseCapacityBlockOfferingsText = (text: string): CapacityBlockOfferingsResult => {
  const parsed = parseStrictJson(text);
  if (!parsed.ok)
    return { ok: false, issues: [{ field: parsed.duplicate?.path ?? '(body)', message: parsed.message }] };
  return parseCapacityBlockOfferings(parsed.value);
};
