import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOB_REQUEST_SCHEMA_PATH, renderJobRequestSchema } from '../../scripts/build-schema.js';

const committedPath = new URL(`../../${JOB_REQUEST_SCHEMA_PATH}`, import.meta.url);

describe('the published job-request JSON Schema', () => {
  it('matches what the zod schema generates today', () => {
    const committed = readFileSync(committedPath, 'utf8');
    const regenerated = renderJobRequestSchema();
    if (committed !== regenerated) {
      expect.fail(`${JOB_REQUEST_SCHEMA_PATH} is stale: run npm run schema:build and commit the result`);
    }
    expect(committed).toBe(regenerated);
  });

  it('names itself and closes every object to unknown fields', () => {
    const schema = JSON.parse(readFileSync(committedPath, 'utf8')) as Record<string, unknown>;
    expect(schema.$id).toBe('urn:quartermaster:schema:job-request:1');
    expect(schema.title).toBe('Quartermaster job request');
    const closed = (node: unknown): boolean => {
      if (typeof node !== 'object' || node === null) return true;
      const record = node as Record<string, unknown>;
      if (
        record.type === 'object' &&
        record.properties !== undefined &&
        record.additionalProperties !== false
      ) {
        return false;
      }
      return Object.values(record).every(closed);
    };
    expect(closed(schema)).toBe(true);
  });

  it('leaves fields with defaults optional for producers', () => {
    const schema = JSON.parse(readFileSync(committedPath, 'utf8')) as { required: string[] };
    expect(schema.required).toEqual(
      expect.arrayContaining(['jobId', 'team', 'project', 'resources', 'runtime']),
    );
    expect(schema.required).not.toContain('priority');
  });
});
