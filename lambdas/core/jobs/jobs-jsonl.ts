import { type JobRequest, parseJobRequestText } from './job-request.js';
import { withoutBom } from './strict-json.js';

/** One problem in a jobs file: 1-based line number and the field it concerns. */
export interface JobsJsonlError {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export interface JobsJsonl {
  /** Valid jobs in file order; a repeated jobId keeps only its first line. */
  readonly jobs: JobRequest[];
  readonly errors: JobsJsonlError[];
}

/**
 * Parses a JSON Lines file of job requests (`qm plan --jobs`): one request per line, validated
 * like a queue message. Blank lines and lines starting with `#` are skipped. A jobId seen on an
 * earlier line is an error on the later one, because jobId is the idempotency key and a second
 * job with the same key would be silently merged anywhere else.
 *
 * @example
 * const { jobs, errors } = parseJobsJsonl(readFileSync('examples/jobs.jsonl', 'utf8'));
 * for (const e of errors) console.error(`line ${e.line}: ${e.field}: ${e.message}`);
 */
export const parseJobsJsonl = (text: string): JobsJsonl => {
  const jobs: JobRequest[] = [];
  const errors: JobsJsonlError[] = [];
  const firstLineOf = new Map<string, number>();
  // A byte-order mark from a Windows editor is not part of the first request.
  const lines = withoutBom(text).split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const parsed = parseJobRequestText(raw);
    if (!parsed.ok) {
      for (const issue of parsed.issues) errors.push({ line, field: issue.field, message: issue.message });
      return;
    }
    const first = firstLineOf.get(parsed.value.jobId);
    if (first !== undefined) {
      errors.push({
        line,
        field: 'jobId',
        message: `duplicate jobId ${parsed.value.jobId} (first on line ${first})`,
      });
      return;
    }
    firstLineOf.set(parsed.value.jobId, line);
    jobs.push(parsed.value);
  });
  return { jobs, errors };
};
