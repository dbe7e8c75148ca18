import fc from 'fast-check';
import { MAX_REQUEST_BYTES } from '../../lambdas/core/jobs/job-request.js';

/**
 * A generated corpus of job-request message bodies as hostile producers and a flaky network send
 * them: valid requests in every shape the contract allows (key order, whitespace, one leading
 * BOM, unicode tag values) and invalid ones that must each be REJECTED with a reason, never
 * thrown on or lost (issue 12 part 5). Seeded, so every adapter meets the same corpus.
 */
export interface CorpusCase {
  readonly messageId: string;
  readonly body: string;
  /** The job id a valid case creates; `null` for a case that must be rejected. */
  readonly jobId: string | null;
  /** What the case tries, for assertion messages. */
  readonly kind: string;
}

const BOM = '\uFEFF';

const validRequest = fc.record({
  team: fc.constantFrom('vision', 'nlp', 'speech'),
  gpus: fc.constantFrom(1, 2, 4, 8),
  hours: fc.double({ min: 0.25, max: 200, noNaN: true }),
  interruptible: fc.boolean(),
  owner: fc.string({
    unit: fc.constantFrom('a', 'é', '中', 'Ж', ' ', 'z', '-', '@', '.'),
    minLength: 1,
    maxLength: 40,
  }),
  reversedKeys: fc.boolean(),
  spaced: fc.boolean(),
  bom: fc.boolean(),
});

type ValidShape = typeof validRequest extends fc.Arbitrary<infer T> ? T : never;

const requestOf = (jobId: string, v: ValidShape): Record<string, unknown> => {
  const request: Record<string, unknown> = {
    jobId,
    team: v.team,
    project: 'corpus',
    priority: 100,
    resources: { gpus: v.gpus, gpuModels: ['H100', 'A100-80GB'] },
    runtime: { estimatedHours: Math.round(v.hours * 100) / 100, interruptible: v.interruptible },
    tags: { owner: `o${v.owner}o` },
  };
  const ordered = v.reversedKeys ? Object.fromEntries(Object.entries(request).reverse()) : request;
  return ordered;
};

const MUTATIONS = [
  'truncated',
  'duplicate-key',
  'unknown-keys',
  'wrong-type',
  'bidi-job-id',
  'array',
  'two-boms',
  'deep-nesting',
  'empty',
] as const;

const mutate = (kind: (typeof MUTATIONS)[number], json: string, size: number): string => {
  switch (kind) {
    case 'truncated':
      return json.slice(0, size % (json.length - 1));
    case 'duplicate-key':
      return `{"team":"finance",${json.slice(1)}`;
    case 'unknown-keys': {
      // Up to about 60 KB of keys nobody defined: thousands of issues for one message.
      const n = 1 + (size % 6000);
      const keys = Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',');
      return `{${keys},${json.slice(1)}`;
    }
    case 'wrong-type':
      return json.replace(/"gpus":\d+/, '"gpus":"lots"');
    case 'bidi-job-id':
      return json.replace(/"jobId":"([^"]*)"/, '"jobId":"$1\\u202e\\u0000"');
    case 'array':
      return `[${json}]`;
    case 'two-boms':
      return `${BOM}${BOM}${json}`;
    case 'deep-nesting': {
      const depth = 100 + (size % 10_000);
      return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    }
    case 'empty':
      return size % 2 === 0 ? '' : ' \n\t ';
  }
};

/** `count` cases, about a third valid, from a fixed seed. */
export const hostileIntakeCorpus = (count = 1000, seed = 12): CorpusCase[] => {
  const cases = fc.sample(
    fc.record({
      valid: fc.boolean(),
      request: validRequest,
      mutation: fc.constantFrom(...MUTATIONS),
      size: fc.nat({ max: 1_000_000 }),
    }),
    { numRuns: count, seed },
  );
  return cases.map((c, i) => {
    const jobId = `corpus-${String(i).padStart(4, '0')}`;
    const request = requestOf(jobId, c.request);
    const json = c.request.spaced ? JSON.stringify(request, null, 2) : JSON.stringify(request);
    if (c.valid && i % 3 !== 0) {
      const body = `${c.request.bom ? BOM : ''}${c.request.spaced ? `\n ${json} \n` : json}`;
      return { messageId: `m-${i}`, body, jobId, kind: 'valid' };
    }
    // Mutations read the compact form, so every one of them changes what it says it changes.
    const body = mutate(c.mutation, JSON.stringify(request), c.size);
    // The job-requests queue refuses bigger messages (MaximumMessageSize): they never reach intake.
    if (new TextEncoder().encode(body).length > MAX_REQUEST_BYTES)
      throw new Error(`corpus case ${i} (${c.mutation}) exceeds the queue's message size`);
    return { messageId: `m-${i}`, body, jobId: null, kind: c.mutation };
  });
};
