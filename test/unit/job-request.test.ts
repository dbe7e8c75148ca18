import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GPU_MODELS } from '../../lambdas/core/jobs/gpu-model.js';
import {
  formatIssues,
  MAX_REQUEST_BYTES,
  MAX_TAGS,
  parseJobRequest,
  parseJobRequestText,
} from '../../lambdas/core/jobs/job-request.js';
import { safeText } from '../../lambdas/core/jobs/safe-text.js';

type Json = Record<string, unknown>;

/** A complete, valid request; every test starts from it and breaks one thing. */
const validRequest = (): Json => ({
  jobId: 'vision-train-0001',
  team: 'vision',
  project: 'detector-v3',
  priority: 500,
  resources: {
    gpus: 8,
    nodes: 2,
    gpuModels: ['H100', 'A100-80GB'],
    minGpuMemoryGiB: 40,
    efa: true,
    regions: ['us-east-1', 'us-west-2'],
  },
  runtime: {
    estimatedHours: 12,
    referenceGpuModel: 'A100-80GB',
    deadline: '2026-12-03T18:00:00Z',
    interruptible: false,
    checkpointMinutes: 30,
    maxPricePerHour: 120,
  },
  launch: { launchTemplateName: 'gpu-worker', version: '$Latest' },
  tags: { 'cost-center': 'cc-1234' },
  submittedAt: '2026-11-26T12:00:00Z',
});

/** The valid request with the value at a dotted path replaced (`undefined` deletes it). */
const withField = (path: string, value: unknown): Json => {
  const request = validRequest();
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = request;
  for (const key of keys) node = node[key] as Json;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return request;
};

const fieldsOf = (value: unknown): string[] => {
  const result = parseJobRequest(value);
  return result.ok ? [] : result.issues.map((i) => i.field);
};

const long = (n: number, c = 'a'): string => c.repeat(n);

describe('parseJobRequest', () => {
  describe('accepts good input', () => {
    it('accepts the complete request and keeps every field', () => {
      const result = parseJobRequest(validRequest());
      expect(result).toEqual({ ok: true, value: validRequest() });
    });

    it('applies the defaults to a minimal request', () => {
      const result = parseJobRequest({
        jobId: 'j1',
        team: 'nlp',
        project: 'p',
        resources: { gpus: 1, minGpuMemoryGiB: 20 },
        runtime: { estimatedHours: 0.5 },
      });
      expect(result).toEqual({
        ok: true,
        value: {
          jobId: 'j1',
          team: 'nlp',
          project: 'p',
          priority: 100,
          resources: { gpus: 1, nodes: 1, minGpuMemoryGiB: 20, efa: false },
          runtime: { estimatedHours: 0.5, referenceGpuModel: 'A100-80GB', interruptible: false },
        },
      });
    });

    it.each([
      ['priority', 0],
      ['priority', 1000],
      ['resources.gpus', 1],
      ['resources.gpus', 64],
      ['resources.nodes', 64],
      ['resources.minGpuMemoryGiB', 1024],
      ['runtime.estimatedHours', 2160],
      ['runtime.checkpointMinutes', 1],
      ['runtime.checkpointMinutes', 1440],
      ['runtime.maxPricePerHour', 10_000],
      ['jobId', long(128)],
      ['team', long(64)],
      ['project', long(64)],
      ['runtime.deadline', '2028-02-29T00:00:00Z'],
      ['runtime.deadline', '2026-12-01T09:30:00+05:30'],
      ['runtime.deadline', '2026-12-01T09:30:00.123-08:00'],
      ['launch', { launchTemplateId: 'lt-0123456789abcdef0', version: '7' }],
      ['launch', { launchTemplateName: long(128) }],
      ['tags', { [long(128)]: long(256) }],
      ['tags', Object.fromEntries(Array.from({ length: MAX_TAGS }, (_, i) => [`k${i}`, 'v']))],
      ['tags', { 'Name with space': 'team/vision: @eu=+1', É_é: 'ü' }],
      ['resources.regions', ['us-gov-west-1', 'ap-southeast-2']],
    ])('accepts %s = %j at the edge of its range', (path, value) => {
      expect(parseJobRequest(withField(path, value)).ok).toBe(true);
    });

    it('accepts gpuModels alone and minGpuMemoryGiB alone', () => {
      expect(parseJobRequest(withField('resources.minGpuMemoryGiB', undefined)).ok).toBe(true);
      expect(parseJobRequest(withField('resources.gpuModels', undefined)).ok).toBe(true);
    });
  });

  describe('rejects unknown fields, naming where they are', () => {
    it.each([
      ['extra', 'extra'],
      ['resources.extra', 'resources.extra'],
      ['runtime.extra', 'runtime.extra'],
      ['launch.extra', 'launch.extra'],
    ])('rejects an unknown field at %s', (path, field) => {
      expect(fieldsOf(withField(path, 1))).toEqual([field]);
    });

    it('names each unknown field separately', () => {
      const request = { ...validRequest(), a: 1, b: 2 };
      expect(fieldsOf(request)).toEqual(['a', 'b']);
    });

    it('shows an unknown empty-named field as ""', () => {
      expect(fieldsOf({ ...validRequest(), '': 1 })).toEqual(['""']);
    });

    it('rejects a top-level __proto__ field', () => {
      const request = JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(validRequest()).slice(1)}`);
      expect(fieldsOf(request)).toEqual(['__proto__']);
    });
  });

  describe('rejects missing and mistyped fields', () => {
    it.each([
      ['jobId', undefined],
      ['team', undefined],
      ['project', undefined],
      ['resources', undefined],
      ['runtime', undefined],
      ['resources.gpus', undefined],
      ['runtime.estimatedHours', undefined],
      ['resources.gpus', '8'],
      ['resources.efa', 'true'],
      ['runtime.interruptible', 1],
      ['priority', null],
      ['tags', ['a']],
      ['launch', 'lt-0123456789abcdef0'],
    ])('rejects %s = %j', (path, value) => {
      expect(fieldsOf(withField(path, value))).toEqual([path]);
    });

    it.each([null, [], 'request', 42, true])(
      'rejects a body that is not an object (%j) at (root)',
      (value) => {
        expect(fieldsOf(value)).toEqual(['(root)']);
      },
    );
  });

  describe('rejects numbers out of range', () => {
    it.each([
      ['priority', -1],
      ['priority', 1001],
      ['priority', 1.5],
      ['priority', Number.POSITIVE_INFINITY],
      ['priority', Number.NaN],
      ['resources.gpus', 0],
      ['resources.gpus', 65],
      ['resources.gpus', 1.5],
      ['resources.nodes', 0],
      ['resources.nodes', 65],
      ['resources.nodes', 2.5],
      ['resources.minGpuMemoryGiB', 0],
      ['resources.minGpuMemoryGiB', -8],
      ['resources.minGpuMemoryGiB', 1024.5],
      ['runtime.estimatedHours', 0],
      ['runtime.estimatedHours', -1],
      ['runtime.estimatedHours', 2160.01],
      ['runtime.checkpointMinutes', 0],
      ['runtime.checkpointMinutes', 1441],
      ['runtime.checkpointMinutes', 7.5],
      ['runtime.maxPricePerHour', 0],
      ['runtime.maxPricePerHour', 10_000.01],
    ])('rejects %s = %s', (path, value) => {
      expect(fieldsOf(withField(path, value))).toEqual([path]);
    });
  });

  describe('rejects strings and lists over their limits', () => {
    it.each([
      ['jobId', '', 'jobId'],
      ['jobId', long(129), 'jobId'],
      ['team', '', 'team'],
      ['team', long(65), 'team'],
      ['project', '', 'project'],
      ['project', long(65), 'project'],
      ['launch', { launchTemplateName: 'ab' }, 'launch.launchTemplateName'],
      ['launch', { launchTemplateName: long(129) }, 'launch.launchTemplateName'],
      ['launch', { launchTemplateName: 'gpu', version: '12345678901' }, 'launch.version'],
      ['resources.regions', [`us-${long(40)}-1`], 'resources.regions[0]'],
      ['resources.regions', [], 'resources.regions'],
      ['resources.regions', Array.from({ length: 41 }, () => 'us-east-1'), 'resources.regions'],
      ['resources.gpuModels', [], 'resources.gpuModels'],
      ['resources.gpuModels', [...GPU_MODELS, 'H100'], 'resources.gpuModels'],
      ['runtime.deadline', `2026-12-01T00:00:00.${'1'.repeat(30)}Z`, 'runtime.deadline'],
      ['tags', { [long(129)]: 'v' }, `tags.${long(129)}`],
      ['tags', { k: long(257) }, 'tags.k'],
    ])('rejects %s = %j', (path, value, field) => {
      expect(fieldsOf(withField(path, value))).toContain(field);
      expect(new Set(fieldsOf(withField(path, value)))).toEqual(new Set([field]));
    });
  });

  describe('rejects strings that break their pattern', () => {
    it.each([
      ['jobId', '-starts-with-dash'],
      ['jobId', 'has space'],
      ['jobId', 'has/slash'],
      ['team', 'Vision'],
      ['team', 'vision_team'],
      ['project', 'detector v3'],
      ['resources.regions', ['US-EAST-1'], 'resources.regions[0]'],
      ['resources.regions', ['useast1'], 'resources.regions[0]'],
      ['resources.gpuModels', ['H100', 'H100X'], 'resources.gpuModels[1]'],
      ['runtime.referenceGpuModel', 'a100'],
      ['launch', { launchTemplateId: 'lt-XYZ' }, 'launch.launchTemplateId'],
      ['launch', { launchTemplateName: 'gpu worker' }, 'launch.launchTemplateName'],
      ['launch', { launchTemplateName: 'gpu', version: 'latest' }, 'launch.version'],
    ])('rejects %s = %j', (path, value, field = path) => {
      expect(fieldsOf(withField(path, value))).toEqual([field]);
    });
  });

  describe('rejects dates that are not ISO 8601 instants', () => {
    it.each([
      ['2026-02-30T00:00:00Z', 'an impossible day'],
      ['2026-02-29T00:00:00Z', 'a leap day in a common year'],
      ['2026-04-31T00:00:00Z', 'the 31st of a 30-day month'],
      ['2026-13-01T00:00:00Z', 'month 13'],
      ['2026-12-01T24:00:00Z', 'hour 24'],
      ['2026-12-01T23:60:00Z', 'minute 60'],
      ['2026-12-01T00:00:00', 'no offset'],
      ['2026-12-01T00:00:00+2:00', 'a malformed offset'],
      ['2026-12-01', 'a date without a time'],
      ['2026-12-01 00:00:00Z', 'a space instead of T'],
      ['next tuesday', 'prose'],
      [1796083200000, 'epoch milliseconds'],
    ] as [unknown, string][])('rejects deadline %j (%s)', (value) => {
      expect(fieldsOf(withField('runtime.deadline', value))).toEqual(['runtime.deadline']);
    });

    it('rejects an offset-less submittedAt', () => {
      expect(fieldsOf(withField('submittedAt', '2026-11-26T12:00:00'))).toEqual(['submittedAt']);
    });

    it('says what a date must look like', () => {
      const result = parseJobRequest(withField('runtime.deadline', '2026-12-01T00:00:00'));
      expect(result.ok ? '' : formatIssues(result.issues)).toBe(
        'runtime.deadline: must be an ISO 8601 date-time with Z or an offset',
      );
    });
  });

  describe('rejects unsafe tags', () => {
    it('rejects more than MAX_TAGS tags', () => {
      const tags = Object.fromEntries(Array.from({ length: MAX_TAGS + 1 }, (_, i) => [`k${i}`, 'v']));
      expect(fieldsOf(withField('tags', tags))).toEqual(['tags']);
    });

    it.each(['aws:createdBy', 'AWS:createdBy', 'Aws:x'])('rejects the reserved key %s', (key) => {
      const result = parseJobRequest(withField('tags', { [key]: 'v' }));
      expect(result.ok ? [] : result.issues).toEqual([
        { field: `tags.${key}`, message: 'tag key must not start with aws: (reserved by AWS)' },
      ]);
    });

    it('rejects the service-reserved quartermaster: prefix', () => {
      expect(fieldsOf(withField('tags', { 'quartermaster:job': 'x' }))).toEqual(['tags.quartermaster:job']);
    });

    it('rejects a __proto__ tag key instead of dropping it', () => {
      const request = validRequest();
      request.tags = JSON.parse('{"__proto__": "x", "ok": "y"}');
      expect(fieldsOf(request)).toEqual(['tags.__proto__']);
    });

    it.each(['a<b', 'semi;colon', 'quote"', 'new\nline', 'tab\t', 'dollar$', 'back\\slash'])(
      'rejects the unsafe key %j',
      (key) => {
        // The field names the key as given, control characters shown as escapes.
        expect(fieldsOf(withField('tags', { [key]: 'v' }))).toEqual([safeText(`tags.${key}`)]);
      },
    );

    it.each(['<script>', 'a;b', '`cmd`', 'x\u0000y', 'emoji 🚀'])('rejects the unsafe value %j', (value) => {
      expect(fieldsOf(withField('tags', { k: value }))).toEqual(['tags.k']);
    });

    it('rejects an empty key', () => {
      expect(fieldsOf(withField('tags', { '': 'v' }))).toEqual(['tags.""']);
    });
  });

  describe('rejects impossible combinations', () => {
    it('rejects a launch block with neither template id nor name', () => {
      const result = parseJobRequest(withField('launch', { version: '$Default' }));
      expect(result.ok ? [] : result.issues).toEqual([
        {
          field: 'launch.launchTemplateId',
          message: 'give exactly one of launchTemplateId or launchTemplateName',
        },
      ]);
    });

    it('rejects a launch block with both template id and name', () => {
      const launch = { launchTemplateId: 'lt-0123456789abcdef0', launchTemplateName: 'gpu-worker' };
      expect(fieldsOf(withField('launch', launch))).toEqual(['launch.launchTemplateId']);
    });

    it('rejects resources with neither gpuModels nor minGpuMemoryGiB', () => {
      const result = parseJobRequest(withField('resources', { gpus: 1 }));
      expect(result.ok ? [] : result.issues).toEqual([
        { field: 'resources.gpuModels', message: 'give gpuModels and/or minGpuMemoryGiB' },
      ]);
    });
  });
});

describe('parseJobRequestText', () => {
  const good = JSON.stringify(validRequest());

  it('accepts a valid body', () => {
    expect(parseJobRequestText(good)).toEqual({ ok: true, value: validRequest() });
  });

  it('accepts a body of exactly MAX_REQUEST_BYTES', () => {
    expect(parseJobRequestText(good + ' '.repeat(MAX_REQUEST_BYTES - good.length)).ok).toBe(true);
  });

  it('rejects a body one byte over MAX_REQUEST_BYTES at (body)', () => {
    const result = parseJobRequestText(good + ' '.repeat(MAX_REQUEST_BYTES - good.length + 1));
    expect(result.ok ? [] : result.issues).toEqual([
      { field: '(body)', message: `request body exceeds ${MAX_REQUEST_BYTES} bytes` },
    ]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 30,000 three-byte characters: fewer characters than the limit, more bytes.
    const body = JSON.stringify({ ...validRequest(), tags: { k: '€'.repeat(30_000) } });
    expect(body.length).toBeLessThan(MAX_REQUEST_BYTES);
    expect(fieldsOfText(body)).toEqual(['(body)']);
  });

  it.each(['', 'not json', '{"jobId":', "{'jobId': 'x'}", '{"a":1}}'])(
    'rejects the non-JSON body %j at (body)',
    (text) => {
      const result = parseJobRequestText(text);
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.issues.map((i) => i.field)).toEqual(['(body)']);
      expect(result.ok ? '' : result.issues[0]?.message).toMatch(/^not valid JSON/);
    },
  );

  it('validates the decoded body like parseJobRequest', () => {
    expect(fieldsOfText(JSON.stringify(withField('priority', 5000)))).toEqual(['priority']);
  });
});

const fieldsOfText = (text: string): string[] => {
  const result = parseJobRequestText(text);
  return result.ok ? [] : result.issues.map((i) => i.field);
};

const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-northeast-1',
  'us-gov-west-1',
];
const tagText = (max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9 _.:/=+\\-@]{0,${max}}$`));
const isReservedKey = (key: string): boolean =>
  key === '__proto__' || /^(aws|quartermaster):/i.test(key) || key.length === 0;

/** Any request the contract allows, with optional fields present or not. */
const validRequestArb = fc.record(
  {
    jobId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
    team: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/),
    project: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/),
    priority: fc.integer({ min: 0, max: 1000 }),
    resources: fc.oneof(
      fc.record(
        {
          gpus: fc.integer({ min: 1, max: 64 }),
          nodes: fc.integer({ min: 1, max: 64 }),
          gpuModels: fc.subarray([...GPU_MODELS], { minLength: 1 }),
          minGpuMemoryGiB: fc.double({ min: 0.25, max: 1024, noNaN: true }),
          efa: fc.boolean(),
          regions: fc.array(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 40 }),
        },
        { requiredKeys: ['gpus', 'gpuModels'] },
      ),
      fc.record(
        { gpus: fc.integer({ min: 1, max: 64 }), minGpuMemoryGiB: fc.integer({ min: 1, max: 1024 }) },
        { requiredKeys: ['gpus', 'minGpuMemoryGiB'] },
      ),
    ),
    runtime: fc.record(
      {
        estimatedHours: fc.double({ min: 0.001, max: 2160, noNaN: true }),
        referenceGpuModel: fc.constantFrom(...GPU_MODELS),
        deadline: fc.oneof(
          fc
            .date({
              min: new Date('2000-01-01T00:00:00Z'),
              max: new Date('2099-12-31T00:00:00Z'),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString()),
          fc.constantFrom('2026-12-01T09:30:00+05:30', '2026-12-01T00:00:00-08:00'),
        ),
        interruptible: fc.boolean(),
        checkpointMinutes: fc.integer({ min: 1, max: 1440 }),
        maxPricePerHour: fc.double({ min: 0.01, max: 10_000, noNaN: true }),
      },
      { requiredKeys: ['estimatedHours'] },
    ),
    launch: fc.oneof(
      fc.record({ launchTemplateId: fc.stringMatching(/^lt-[0-9a-f]{8,17}$/) }),
      fc.record(
        {
          launchTemplateName: fc.stringMatching(/^[A-Za-z0-9().\-/_]{3,128}$/),
          version: fc.constantFrom('$Latest', '$Default', '1', '42'),
        },
        { requiredKeys: ['launchTemplateName'] },
      ),
    ),
    tags: fc.dictionary(
      tagText(128).filter((k) => !isReservedKey(k)),
      tagText(256),
      { maxKeys: MAX_TAGS },
    ),
  },
  { requiredKeys: ['jobId', 'team', 'project', 'resources', 'runtime'] },
);

describe('job request properties', () => {
  it('parses every valid request and round-trips it through JSON unchanged', () => {
    fc.assert(
      fc.property(validRequestArb, (request) => {
        const first = parseJobRequest(request);
        if (!first.ok) throw new Error(formatIssues(first.issues));
        const again = parseJobRequestText(JSON.stringify(first.value));
        expect(again).toEqual({ ok: true, value: first.value });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on junk, and names a field in every issue', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (junk) => {
        const result = parseJobRequest(junk);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) expect(issue.field.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on junk text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (text) => {
        const result = parseJobRequestText(text);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.every((i) => i.field.length > 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws when one field of a valid request is replaced by junk', () => {
    const paths = [
      'jobId',
      'priority',
      'resources',
      'resources.gpus',
      'resources.regions',
      'runtime.deadline',
      'tags',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.anything(), (path, junk) => {
        const result = parseJobRequest(withField(path, junk));
        if (!result.ok) expect(result.issues.every((i) => i.field.length > 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
