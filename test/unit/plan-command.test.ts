import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runPlanCommand } from '../support/run-plan-command.js';

const EXAMPLE_FILES: Record<string, string> = {
  'jobs.jsonl': readFileSync('examples/jobs.jsonl', 'utf8'),
  'quotas.json': readFileSync('examples/quotas.json', 'utf8'),
  'budgets.json': readFileSync('examples/budgets.json', 'utf8'),
};

/** Runs `qm plan` in-process with the given files; returns stdout or the commander error. */
const runPlan = (args: string[], files: Record<string, string> = EXAMPLE_FILES) =>
  runPlanCommand(args, files);

const NOW = ['--now', '2026-11-26T12:00:00Z'];
const ALL = ['--jobs', 'jobs.jsonl', '--quotas', 'quotas.json', '--budgets', 'budgets.json', ...NOW];

describe('qm plan', () => {
  it('prints a table with allocations, waiting jobs, fair share, savings and gap', async () => {
    const { out, exitCode } = await runPlan(ALL);
    expect(exitCode).toBe(0);
    for (const heading of [
      'Allocations (',
      'Waiting (',
      'Fair share',
      'savings',
      'lower bound',
      'gap to lower bound',
    ])
      expect(out).toContain(heading);
  });

  it('prints one JSON object with the documented fields', async () => {
    const { out } = await runPlan([...ALL, '--format', 'json']);
    const plan = JSON.parse(out);
    expect(Object.keys(plan.priceBook).sort()).toEqual(['asOf', 'id', 'source']);
    expect(plan.priceBook.source).toBe('static');
    const a = plan.allocations[0];
    for (const key of [
      'jobId',
      'team',
      'instanceType',
      'region',
      'availabilityZone',
      'purchaseOption',
      'nodes',
      'unitPriceUsdPerHour',
      'expectedHours',
      'expectedCostUsd',
    ])
      expect(a).toHaveProperty(key);
    expect(Object.keys(plan.totals).sort()).toEqual(
      ['expectedCostUsd', 'gapPct', 'lowerBoundUsd', 'onDemandEquivalentUsd', 'savingsPct'].sort(),
    );
    for (const f of plan.fairShare)
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['team', 'weight', 'entitlement', 'allocated']));
    for (const w of plan.waiting) expect(w.reason.length).toBeGreaterThan(0);
    const jobs = EXAMPLE_FILES['jobs.jsonl']
      ?.split('\n')
      .filter((l) => l.trim() && !l.startsWith('#')).length;
    expect(plan.allocations.length + plan.waiting.length).toBe(jobs);
    expect(plan.totals.lowerBoundUsd).toBeLessThanOrEqual(plan.totals.expectedCostUsd + 1e-6);
  });

  it('prints CSV with one row per job and a header', async () => {
    const { out } = await runPlan([...ALL, '--format', 'csv']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^status,jobId,team,/);
    expect(lines.slice(1).every((l) => /^(allocated|waiting),/.test(l))).toBe(true);
  });

  it('restricts every job to --regions', async () => {
    const { out } = await runPlan([...ALL, '--format', 'json', '--regions', 'us-west-2']);
    const plan = JSON.parse(out);
    expect(plan.allocations.length).toBeGreaterThan(0);
    expect(plan.allocations.every((a: { region: string }) => a.region === 'us-west-2')).toBe(true);
  });

  it('is reproducible: the same inputs give the same plan', async () => {
    const a = await runPlan([...ALL, '--format', 'json']);
    const b = await runPlan([...ALL, '--format', 'json']);
    expect(a.out).toBe(b.out);
  });

  it('exits 2 naming the line and field of a bad JSONL line', async () => {
    const bad = `${EXAMPLE_FILES['jobs.jsonl']?.split('\n')[0]}\n{"jobId":"x","team":"t","project":"p","resources":{"gpus":0,"gpuModels":["L4"]},"runtime":{"estimatedHours":1}}\n`;
    const { err, exitCode } = await runPlan(['--jobs', 'bad.jsonl', ...NOW], { 'bad.jsonl': bad });
    expect(exitCode).toBe(2);
    expect(err).toMatch(/bad\.jsonl:2: resources\.gpus:/);
  });

  it('exits 2 on a missing file, naming the flag and path', async () => {
    const { err, exitCode } = await runPlan(['--jobs', 'nope.jsonl']);
    expect(exitCode).toBe(2);
    expect(err).toMatch(/cannot read --jobs nope\.jsonl/);
  });

  it('exits 2 on an invalid quotas file, naming the field', async () => {
    const { err, exitCode } = await runPlan(['--jobs', 'jobs.jsonl', '--quotas', 'q.json'], {
      ...EXAMPLE_FILES,
      'q.json':
        '{"asOf":"2026-11-01","defaultVcpus":null,"quotas":[{"region":"us-east-1","class":"spot/X","vcpus":1}]}',
    });
    expect(exitCode).toBe(2);
    expect(err).toMatch(/invalid --quotas q\.json: quotas\[0\]\.class/);
  });

  it('rejects bad flags with exit 2', async () => {
    expect((await runPlan([...ALL, '--format', 'xml'])).exitCode).toBe(2);
    expect((await runPlan([...ALL, '--regions', 'mars-1'])).exitCode).toBe(2);
    expect((await runPlan(['--jobs', 'jobs.jsonl', '--now', '2026-11-26 12:00'])).exitCode).toBe(2);
  });
});
