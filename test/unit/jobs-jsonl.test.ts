import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../lambdas/core/jobs/job-request.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';

const job = (jobId: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    jobId,
    team: 'vision',
    project: 'detector',
    resources: { gpus: 1, gpuModels: ['L4'] },
    runtime: { estimatedHours: 1 },
    ...extra,
  });

describe('parseJobsJsonl', () => {
  it('parses one request per line, in order, with defaults applied', () => {
    const { jobs, errors } = parseJobsJsonl(`${job('a')}\n${job('b')}\n`);
    expect(errors).toEqual([]);
    expect(jobs.map((j) => j.jobId)).toEqual(['a', 'b']);
    expect(jobs[0]?.priority).toBe(100);
  });

  it('skips blank lines, whitespace-only lines and # comments but keeps counting lines', () => {
    const text = ['# header', '', '   ', job('a'), '  # indented comment', job('b', { priority: -1 })].join(
      '\n',
    );
    const { jobs, errors } = parseJobsJsonl(text);
    expect(jobs.map((j) => j.jobId)).toEqual(['a']);
    expect(errors).toEqual([{ line: 6, field: 'priority', message: expect.any(String) }]);
  });

  it('reports every issue of a bad line with its 1-based line number', () => {
    const bad = job('c', { team: 'Vision', extra: true });
    const { errors } = parseJobsJsonl(`${job('a')}\n${bad}`);
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'team'],
      [2, 'extra'],
    ]);
  });

  it('reports a line that is not JSON at (body)', () => {
    const { jobs, errors } = parseJobsJsonl(`${job('a')}\n{"jobId": "b",\n${job('c')}`);
    expect(jobs.map((j) => j.jobId)).toEqual(['a', 'c']);
    expect(errors).toEqual([{ line: 2, field: '(body)', message: expect.stringMatching(/^not valid JSON/) }]);
  });

  it('reports a duplicate jobId on the later line and keeps the first', () => {
    const text = [job('a', { priority: 1 }), job('b'), job('a', { priority: 2 })].join('\n');
    const { jobs, errors } = parseJobsJsonl(text);
    expect(jobs.map((j) => [j.jobId, j.priority])).toEqual([
      ['a', 1],
      ['b', 100],
    ]);
    expect(errors).toEqual([{ line: 3, field: 'jobId', message: 'duplicate jobId a (first on line 1)' }]);
  });

  it('does not count an invalid line as the first occurrence of its jobId', () => {
    const text = [job('a', { priority: 5000 }), job('a')].join('\n');
    const { jobs, errors } = parseJobsJsonl(text);
    expect(jobs.map((j) => j.jobId)).toEqual(['a']);
    expect(errors.map((e) => [e.line, e.field])).toEqual([[1, 'priority']]);
  });

  it('accepts CRLF line endings and a leading byte-order mark', () => {
    const { jobs, errors } = parseJobsJsonl(`\uFEFF${job('a')}\r\n${job('b')}\r\n`);
    expect(errors).toEqual([]);
    expect(jobs).toHaveLength(2);
  });

  it('rejects an oversize line like an oversize queue message', () => {
    const huge = job('a') + ' '.repeat(MAX_REQUEST_BYTES);
    const { errors } = parseJobsJsonl(`${job('b')}\n${huge}`);
    expect(errors).toEqual([{ line: 2, field: '(body)', message: expect.stringContaining('exceeds') }]);
  });

  it('returns nothing for an empty file', () => {
    expect(parseJobsJsonl('')).toEqual({ jobs: [], errors: [] });
  });
});

describe('examples/jobs.jsonl', () => {
  const text = readFileSync(new URL('../../examples/jobs.jsonl', import.meta.url), 'utf8');
  const { jobs, errors } = parseJobsJsonl(text);

  it('parses without a single error', () => {
    expect(errors).toEqual([]);
  });

  it('holds 36 to 45 jobs from four teams', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(36);
    expect(jobs.length).toBeLessThanOrEqual(45);
    expect(new Set(jobs.map((j) => j.team))).toEqual(new Set(['vision', 'nlp', 'speech', 'recsys']));
  });

  it('uses a few priority classes, each shared by several teams, so fair share decides within a class', () => {
    const teamsByPriority = new Map<number, Set<string>>();
    for (const j of jobs)
      teamsByPriority.set(j.priority, (teamsByPriority.get(j.priority) ?? new Set()).add(j.team));
    expect(teamsByPriority.size).toBeGreaterThanOrEqual(3);
    for (const teams of teamsByPriority.values()) expect(teams.size).toBeGreaterThan(1);
  });

  it('covers single-GPU inference, multi-node EFA training, deadlines and spot-tolerant sweeps', () => {
    expect(jobs.filter((j) => j.resources.gpus === 1 && !j.runtime.interruptible).length).toBeGreaterThan(5);
    expect(jobs.filter((j) => j.resources.gpus === 8 && j.resources.efa).length).toBeGreaterThan(5);
    expect(jobs.some((j) => j.resources.nodes === 4)).toBe(true);
    expect(jobs.filter((j) => j.runtime.deadline !== undefined).length).toBeGreaterThan(5);
    const sweeps = jobs.filter((j) => j.runtime.interruptible && j.runtime.checkpointMinutes !== undefined);
    expect(sweeps.length).toBeGreaterThan(8);
    expect(jobs.some((j) => j.runtime.maxPricePerHour !== undefined)).toBe(true);
    expect(jobs.some((j) => j.resources.regions === undefined)).toBe(true);
  });

  it('keeps estimates realistic and deadlines after "now" (2026-11-26T12:00:00Z)', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    for (const j of jobs) {
      expect(j.runtime.estimatedHours).toBeGreaterThanOrEqual(0.5);
      expect(j.runtime.estimatedHours).toBeLessThanOrEqual(120);
      if (j.runtime.deadline !== undefined) expect(Date.parse(j.runtime.deadline)).toBeGreaterThan(now);
    }
  });

  it('tags every job with a cost-center', () => {
    expect(jobs.every((j) => j.tags?.['cost-center'] !== undefined)).toBe(true);
  });
});
