import { describe, expect, it } from 'vitest';
import { quotaFamilyOf } from '../../lambdas/core/pricing/quota-family.js';

describe('quotaFamilyOf', () => {
  it.each([
    ['p5.48xlarge', 'P'],
    ['p4de.24xlarge', 'P'],
    ['p6-b300.48xlarge', 'P'],
    ['p6e-gb200.36xlarge', 'P'],
    ['g6e.xlarge', 'G'],
    ['g5g.metal', 'G'],
    ['g6f.large', 'G'],
    ['gr6.4xlarge', 'G'],
    ['gr6f.4xlarge', 'G'],
    ['vt1.3xlarge', 'G'],
    ['inf1.xlarge', 'Inf'],
    ['inf2.48xlarge', 'Inf'],
    ['trn1.32xlarge', 'Trn'],
    ['trn1n.32xlarge', 'Trn'],
    ['trn2.48xlarge', 'Trn'],
    ['dl1.24xlarge', 'DL'],
    ['dl2q.24xlarge', 'DL'],
    ['f1.2xlarge', 'F'],
    ['f2.12xlarge', 'F'],
    ['m7i.large', 'Standard'],
    ['i4i.large', 'Standard'],
    ['t3.micro', 'Standard'],
    ['d3.xlarge', 'Standard'],
  ])('puts %s in the %s family', (instanceType, family) => {
    expect(quotaFamilyOf(instanceType)).toBe(family);
  });

  it('counts an UltraServer against the family of its member instances', () => {
    expect(quotaFamilyOf('u-p6e-gb200x72')).toBe('P');
  });

  it('rejects a string that is not an instance type, naming it', () => {
    expect(() => quotaFamilyOf('P5.48XLARGE')).toThrow(/"P5\.48XLARGE" is not an EC2 instance type/);
    expect(() => quotaFamilyOf('')).toThrow(/not an EC2 instance type/);
    expect(() => quotaFamilyOf('p5 48xlarge')).toThrow(/not an EC2 instance type/);
  });
});
