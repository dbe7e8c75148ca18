import { type CapacityReservation, DescribeCapacityReservationsCommand } from '@aws-sdk/client-ec2';
import type {
  CapacityBlockCommitment,
  CapacityReservationCommitment,
} from '../core/commitments/commitment.js';
import {
  type CommitmentRead,
  gather,
  instantOf,
  type Mapped,
  nameFrom,
  type Page,
  readAllPages,
} from './commitment-read.js';
import type { Ec2Sender } from './ec2-fleet.js';

/** The most DescribeCapacityReservations returns per page. */
const PAGE_SIZE = 1000;

/**
 * One capacity reservation (DescribeCapacityReservations) as a commitment of `region`, or why it
 * cannot be one. `ReservationType` `capacity-block` is a Capacity Block for ML, anything else an
 * On-Demand Capacity Reservation. The API states no price for either: an ODCR's rate is the
 * on-demand price (`unitPriceUsdPerHour: null`, filled from the price book when planning), a
 * block's price was paid at purchase and is not read back (`priceUsd: null`).
 */
export const capacityReservationCommitment = (cr: CapacityReservation, region: string, now: Date): Mapped => {
  const block = cr.ReservationType === 'capacity-block';
  const kind = block ? 'capacity-block' : 'capacity-reservation';
  const id = cr.CapacityReservationId ?? '(no id)';
  const skip = (reason: string): Mapped => ({ ok: false, skipped: { id, kind, reason } });
  const { InstanceType: instanceType, AvailabilityZone: zone, TotalInstanceCount: count } = cr;
  const start = instantOf(cr.StartDate ?? cr.CreateDate);
  const end = instantOf(cr.EndDate);
  if (cr.CapacityReservationId === undefined) return skip('no CapacityReservationId');
  if (instanceType === undefined || zone === undefined || count === undefined)
    return skip('InstanceType, AvailabilityZone or TotalInstanceCount missing');
  if (!zone.startsWith(region)) return skip(`AvailabilityZone ${zone} is not in ${region}`);
  if (start === undefined) return skip('StartDate and CreateDate missing');
  if (end !== undefined && Date.parse(end) <= now.getTime()) return skip(`ended ${end}`);
  if (!Number.isInteger(count) || count < 1) return skip(`TotalInstanceCount ${count}`);
  if (cr.InstancePlatform !== undefined && cr.InstancePlatform !== 'Linux/UNIX')
    return skip(`${cr.InstancePlatform}: the planner prices Linux hours only`);
  if ((cr.Tenancy ?? 'default') !== 'default')
    return skip(`${cr.Tenancy} tenancy: the planner prices shared tenancy only`);
  const name = nameFrom(cr.Tags?.find((t) => t.Key === 'Name')?.Value);
  const base = {
    id: cr.CapacityReservationId,
    ...name,
    instanceType,
    region,
    availabilityZone: zone,
    count,
    start,
  };
  if (block) {
    if (end === undefined) return skip('a Capacity Block without EndDate');
    const commitment: CapacityBlockCommitment = { kind: 'capacity-block', ...base, priceUsd: null, end };
    return { ok: true, commitment };
  }
  // A targeted ODCR takes only launches that name it, and provisioning names none yet: planning
  // on it would count capacity no launch can use.
  if (cr.InstanceMatchCriteria === 'targeted')
    return skip('targeted: only launches that name the reservation use it, and provisioning names none');
  const commitment: CapacityReservationCommitment = {
    kind: 'capacity-reservation',
    ...base,
    unitPriceUsdPerHour: null,
    end: cr.EndDateType === 'limited' && end !== undefined ? end : null,
  };
  return { ok: true, commitment };
};

/** The region's active capacity reservations and Capacity Blocks, every page. */
export const readCapacityReservations = async (
  client: Ec2Sender,
  region: string,
  now: Date,
): Promise<CommitmentRead> => {
  const found = await readAllPages(
    'DescribeCapacityReservations',
    region,
    'active capacity reservations',
    async (token): Promise<Page<CapacityReservation>> => {
      const output = await client.send(
        new DescribeCapacityReservationsCommand({
          Filters: [{ Name: 'state', Values: ['active'] }],
          MaxResults: PAGE_SIZE,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      return { items: output.CapacityReservations, next: output.NextToken };
    },
  );
  return gather(found.map((cr) => capacityReservationCommitment(cr, region, now)));
};
