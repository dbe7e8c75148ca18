/**
 * Writes `schemas/job-request.schema.json` from the zod schema, so the published contract is made
 * by the same code that validates messages. `npm run schema:build`; a unit test fails when the
 * committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { JobRequestSchema, MAX_REQUEST_BYTES } from '../lambdas/core/jobs/job-request.js';

/** Where the published schema lives, relative to the repository root. */
export const JOB_REQUEST_SCHEMA_PATH = 'schemas/job-request.schema.json';

/**
 * The JSON Schema text for a job request, as committed: `io: 'input'` so fields with defaults are
 * optional for producers, stable key order, trailing newline.
 */
export const renderJobRequestSchema = (): string => {
  const generated = z.toJSONSchema(JobRequestSchema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...rest } = generated;
  const document = {
    $schema,
    $id: 'urn:quartermaster:schema:job-request:1',
    title: 'Quartermaster job request',
    description:
      `A GPU job request as sent by a producer service (SQS message body, qm input line). ` +
      `Unknown fields are rejected; the raw body must not exceed ${MAX_REQUEST_BYTES} bytes. ` +
      'Generated from lambdas/core/jobs/job-request.ts by npm run schema:build; do not edit by hand.',
    ...rest,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
};

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const target = fileURLToPath(new URL(`../${JOB_REQUEST_SCHEMA_PATH}`, import.meta.url));
  writeFileSync(target, renderJobRequestSchema());
  process.stdout.write(`wrote ${JOB_REQUEST_SCHEMA_PATH}\n`);
}
