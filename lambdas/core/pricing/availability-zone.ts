/**
 * One zone, both ways AWS spells it. The AZ id (`use1-az2`, Local Zone `usw2-lax1-az1`) is the
 * same physical zone in every account, so offers, plans and the ledger identify zones by id. The
 * name (`us-east-1a`, `us-west-2-lax-1a`) is what an account's bills and consoles show; in the
 * oldest regions AWS maps names to ids differently per account, so a name is known only from that
 * account's mapping — except for Local Zones, whose names are the same everywhere.
 */
export interface AvailabilityZoneRef {
  readonly id: string | null;
  readonly name: string | null;
}

/** `use1-az2`, `apne1-az4`, `usw2-lax1-az1`: region code, optional Local Zone location, AZ number. */
const ZONE_ID = /^([a-z]{2,}\d+)(?:-([a-z]+)(\d+))?-az(\d+)$/;

/** True for an AZ id (`use1-az2`, `usw2-lax1-az1`), false for a name such as `us-east-1a`. */
export const isAvailabilityZoneId = (zone: string): boolean => ZONE_ID.test(zone);

/**
 * A Local Zone's name from its id and parent region: `usw2-lax1-az2` in `us-west-2` is
 * `us-west-2-lax-1b` (location, group number, then the zone's letter, a for az1). `null` for a
 * regular AZ id, whose name depends on the account.
 */
export const localZoneName = (id: string, region: string): string | null => {
  const m = ZONE_ID.exec(id);
  if (m === null || m[2] === undefined || m[3] === undefined || m[4] === undefined) return null;
  const n = Number(m[4]);
  if (!(n >= 1 && n <= 26)) return null;
  return `${region}-${m[2]}-${m[3]}${String.fromCharCode(96 + n)}`;
};

/**
 * Both spellings of a recorded zone, as far as they are known. An id keeps itself and gets its
 * name from the account's own map (`accountNames`, AZ id → name, as DescribeAvailabilityZones
 * reports them) or, for a Local Zone, from the id itself. A name (what older ledgers and EC2's
 * `Placement.AvailabilityZone` hold) keeps itself and gets its id from the same map read
 * backwards, else none.
 */
export const availabilityZoneRef = (
  zone: string | null,
  region: string,
  accountNames?: ReadonlyMap<string, string>,
): AvailabilityZoneRef => {
  if (zone === null) return { id: null, name: null };
  if (isAvailabilityZoneId(zone))
    return { id: zone, name: accountNames?.get(zone) ?? localZoneName(zone, region) };
  for (const [id, name] of accountNames ?? []) if (name === zone) return { id, name };
  return { id: null, name: zone };
};
