import type { QuotaFamily } from './offer.js';

/** `family.size`; UltraServer names (`u-p6e-gb200x72`) have no size part. */
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)?$/;
/** An UltraServer is sold as a set of member instances (u-p6e-gb200x72 → p6e-gb200) and counts as their family. */
const ULTRASERVER = /^u-(?=[a-z])/;

/**
 * Family prefixes in match order. Longer prefixes that share a first letter with a standard family
 * come first: `inf` is not the storage family `i`, `trn` is not the burstable `t`, `dl` is not `d`.
 * G and VT share one quota ("Running On-Demand G and VT instances").
 */
const PREFIXES: readonly (readonly [string, QuotaFamily])[] = [
  ['inf', 'Inf'],
  ['trn', 'Trn'],
  ['dl', 'DL'],
  ['vt', 'G'],
  ['p', 'P'],
  ['g', 'G'],
  ['f', 'F'],
];

/**
 * The EC2 vCPU service-quota family an instance type counts against.
 * Families without a quota of their own here (c, m, r, x, u-, …) count as `Standard`.
 *
 * @throws Error when `instanceType` is not shaped like an EC2 instance type (`family.size`).
 * @example quotaFamilyOf('gr6f.4xlarge') // 'G'
 */
export const quotaFamilyOf = (instanceType: string): QuotaFamily => {
  if (!INSTANCE_TYPE.test(instanceType)) {
    throw new Error(
      `quotaFamilyOf: "${instanceType}" is not an EC2 instance type (expected family.size, e.g. p5.48xlarge)`,
    );
  }
  const name = instanceType.replace(ULTRASERVER, '');
  for (const [prefix, family] of PREFIXES) {
    if (name.startsWith(prefix)) return family;
  }
  return 'Standard';
};
