import {
  DescribeReservedInstancesCommand,
  type DescribeReservedInstancesCommandOutput,
  type ReservedInstances,
} from '@aws-sdk/client-ec2';
import type { ReservedInstanceCommitment } from '../core/commitments/commitment.js';
import { amortisedHourlyUsd } from '../core/commitments/reserved-instance-rate.js';
import {
  type CommitmentRead,
  commitmentCallError,
  gather,
  instantOf,
  type Mapped,
  nameFrom,
} from './commitment-read.js';
import type { Ec2Sender } from './ec2-fleet.js';

/** The platforms whose hours the planner prices: Linux, shared tenancy (the price book's terms). */
const LINUX = new Set(['Linux/UNIX', 'Linux/UNIX (Amazon VPC)']);

/**
 * One Reserved Instances purchase (DescribeReservedInstances) as a commitment of `region`, or why
 * it cannot be one. Zonal RIs keep their AZ name; regional ones only discount, so they carry none.
 */
export const reservedInstanceCommitment = (ri: ReservedInstances, region: string, now: Date): Mapped => {
  const id = ri.ReservedInstancesId ?? '(no id)';
  const skip = (reason: string): Mapped => ({
    ok: false,
    skipped: { id, kind: 'reserved-instance', reason },
  });
  const start = instantOf(ri.Start);
  const end = instantOf(ri.End);
  const { InstanceType: instanceType, InstanceCount: count, Duration: duration } = ri;
  if (ri.ReservedInstancesId === undefined) return skip('no ReservedInstancesId');
  if (instanceType === undefined || count === undefined || duration === undefined)
    return skip('InstanceType, InstanceCount or Duration missing');
  if (start === undefined || end === undefined) return skip('Start or End missing');
  if (Date.parse(end) <= now.getTime()) return skip(`ended ${end}`);
  if ((ri.CurrencyCode ?? 'USD') !== 'USD') return skip(`priced in ${ri.CurrencyCode}, not USD`);
  if (ri.ProductDescription !== undefined && !LINUX.has(ri.ProductDescription))
    return skip(`${ri.ProductDescription}: the planner prices Linux hours only`);
  if ((ri.InstanceTenancy ?? 'default') !== 'default')
    return skip(`${ri.InstanceTenancy} tenancy: the planner prices shared tenancy only`);
  if (ri.OfferingClass !== 'standard' && ri.OfferingClass !== 'convertible')
    return skip(`offering class ${String(ri.OfferingClass)} is neither standard nor convertible`);
  if (!Number.isInteger(count) || count < 1) return skip(`InstanceCount ${count}`);
  const zonal = ri.Scope === 'Availability Zone';
  const zone = ri.AvailabilityZone;
  if (zonal && (zone === undefined || !zone.startsWith(region)))
    return skip(`zonal but its AvailabilityZone ${String(zone)} is not in ${region}`);
  const recurringHourlyUsd = (ri.RecurringCharges ?? [])
    .filter((c) => c.Frequency === 'Hourly')
    .map((c) => c.Amount ?? 0);
  const commitment: ReservedInstanceCommitment = {
    kind: 'reserved-instance',
    id: ri.ReservedInstancesId,
    ...nameFrom(ri.Tags?.find((t) => t.Key === 'Name')?.Value),
    offeringClass: ri.OfferingClass,
    instanceType,
    region,
    availabilityZone: zonal && zone !== undefined ? zone : null,
    count,
    effectiveHourlyUsd: amortisedHourlyUsd({
      fixedPriceUsd: ri.FixedPrice ?? 0,
      durationSeconds: duration,
      usagePriceUsdPerHour: ri.UsagePrice ?? 0,
      recurringHourlyUsd,
    }),
    start,
    end,
  };
  return { ok: true, commitment };
};

/**
 * The region's active Reserved Instances. DescribeReservedInstances is not paginated: one call
 * returns every purchase that matches the filter.
 */
export const readReservedInstances = async (
  client: Ec2Sender,
  region: string,
  now: Date,
): Promise<CommitmentRead> => {
  let output: DescribeReservedInstancesCommandOutput;
  try {
    output = await client.send(
      new DescribeReservedInstancesCommand({ Filters: [{ Name: 'state', Values: ['active'] }] }),
    );
  } catch (err) {
    throw commitmentCallError('DescribeReservedInstances', region, err, 'active Reserved Instances');
  }
  return gather((output.ReservedInstances ?? []).map((ri) => reservedInstanceCommitment(ri, region, now)));
};
