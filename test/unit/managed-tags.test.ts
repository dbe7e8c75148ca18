import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOCATION_ID_TAG,
  COST_CENTER_TAG,
  JOB_ID_TAG,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  MANAGED_TAG_KEYS,
  MAX_RESOURCE_TAGS,
  ManagedTagError,
  managedTags,
  PROJECT_TAG,
  readManagedTags,
  TEAM_TAG,
} from '../../lambdas/core/jobs/managed-tags.js';

const base = { jobId: 'train-42', allocationId: 'train-42-a1', team: 'vision', project: 'detector' } as const;

describe('managedTags', () => {
  it('puts the managed keys on every resource', () => {
    expect(managedTags(base)).toEqual({
      [MANAGED_BY_TAG]: 'quartermaster',
      [JOB_ID_TAG]: 'train-42',
      [ALLOCATION_ID_TAG]: 'train-42-a1',
      [TEAM_TAG]: 'vision',
      [PROJECT_TAG]: 'detector',
    });
  });

  it('copies the job cost-center into the cost-allocation tag, and the job tags alongside', () => {
    const tags = managedTags({ ...base, jobTags: { 'cost-center': 'cc-42', owner: 'ana' } });
    expect(tags[COST_CENTER_TAG]).toBe('cc-42');
    expect(tags['cost-center']).toBe('cc-42');
    expect(tags.owner).toBe('ana');
  });

  it('leaves the cost-center tag out when the job has none', () => {
    expect(managedTags({ ...base, jobTags: { owner: 'ana' } })).not.toHaveProperty(COST_CENTER_TAG);
  });

  it('never lets a job tag override a reserved key, whatever its case', () => {
    const tags = managedTags({
      ...base,
      jobTags: {
        [TEAM_TAG]: 'finance',
        'Quartermaster:Managed-By': 'me',
        'aws:cloudformation:stack-name': 'x',
      },
    });
    expect(tags[TEAM_TAG]).toBe('vision');
    expect(tags).not.toHaveProperty('Quartermaster:Managed-By');
    expect(tags).not.toHaveProperty('aws:cloudformation:stack-name');
  });

  it('names the field when an id is empty', () => {
    expect(() => managedTags({ ...base, allocationId: ' ' })).toThrow(ManagedTagError);
    expect(() => managedTags({ ...base, jobId: '' })).toThrow(/managedTags: jobId must be 1–256 characters/);
  });

  it('refuses a tag set larger than EC2 allows', () => {
    const jobTags = Object.fromEntries(Array.from({ length: MAX_RESOURCE_TAGS }, (_, i) => [`k${i}`, 'v']));
    expect(() => managedTags({ ...base, jobTags })).toThrow(
      /55 tags for allocation train-42-a1; EC2 allows 50/,
    );
  });

  it('keeps the managed values for any job tags (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 40 }), {
          maxKeys: 20,
        }),
        (jobTags) => {
          const tags = managedTags({ ...base, jobTags });
          return (
            tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE &&
            tags[ALLOCATION_ID_TAG] === base.allocationId &&
            Object.keys(tags)
              .filter((k) => k.toLowerCase().startsWith('quartermaster:'))
              .every((k) => (MANAGED_TAG_KEYS as readonly string[]).includes(k))
          );
        },
      ),
    );
  });
});

describe('readManagedTags', () => {
  it('reads back what managedTags wrote', () => {
    expect(readManagedTags(managedTags({ ...base, jobTags: { 'cost-center': 'cc-7' } }))).toEqual({
      jobId: 'train-42',
      allocationId: 'train-42-a1',
      team: 'vision',
      project: 'detector',
      costCenter: 'cc-7',
    });
  });

  it('says undefined for a resource that is not managed or lacks its ids', () => {
    expect(readManagedTags({ Name: 'bastion' })).toBeUndefined();
    expect(
      readManagedTags({ [MANAGED_BY_TAG]: 'someone-else', [JOB_ID_TAG]: 'j', [ALLOCATION_ID_TAG]: 'a' }),
    ).toBeUndefined();
    expect(readManagedTags({ [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [JOB_ID_TAG]: 'j' })).toBeUndefined();
  });
});
