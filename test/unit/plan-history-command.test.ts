import { describe, expect, it } from 'vitest';
import { makeBook, makeOffer } from '../support/offer-fixtures.js';
import { runPlanCommand } from '../support/run-plan-command.js';

/** One A100 type on-demand in one region: 96 vCPUs per instance. */
const BOOK = makeBook([
  makeOffer({
    instanceType: 'p4de.24xlarge',
    region: 'us-east-1',
    purchaseOption: 'on-demand',
    priceUsdPerHour: 40,
  }),
]);

const job = (jobId: string, team: string) =>
  JSON.stringify({
    jobId,
    team,
    project: 'p',
    resources: { gpus: 8, gpuModels: ['A100-80GB'], regions: ['us-east-1'] },
    runtime: { estimatedHours: 4 },
  });

const usage = (
  instanceId: string,
  team: string,
  startedAt: string,
  stoppedAt: string | null,
  type = 'p4de.24xlarge',
) =>
  JSON.stringify({
    kind: 'usage',
    instanceId,
    jobId: `${instanceId}-job`,
    allocationId: `${instanceId}-a1`,
    team,
    project: 'p',
    region: 'us-east-1',
    availabilityZone: null,
    instanceType: type,
    purchaseOption: 'on-demand',
    unitPriceUsdPerHour: 40,
    onDemandPriceUsdPerHour: 40,
    startedAt,
    stoppedAt,
    interrupted: false,
  });

/**
 * Four jobs each of two teams in one pool that holds four instances: with equal weights and no
 * history each team gets two; "heavy" ran four instances for the past two days.
 */
const FILES: Record<string, string> = {
  'jobs.jsonl': ['heavy', 'light'].flatMap((t) => [1, 2, 3, 4].map((i) => job(`${t}-${i}`, t))).join('\n'),
  'quotas.json': JSON.stringify({
    asOf: '2026-11-01',
    defaultVcpus: 0,
    quotas: [{ region: 'us-east-1', class: 'on-demand/P', vcpus: 384 }],
  }),
  'ledger.jsonl': [
    '# a small ledger export: usage records only',
    ...[1, 2, 3, 4].map((i) =>
      usage(`i-heavy-${i}`, 'heavy', '2026-11-24T12:00:00Z', '2026-11-26T10:00:00Z'),
    ),
    usage('i-light-1', 'light', '2026-11-26T11:00:00Z', null),
    JSON.stringify({ kind: 'budget', team: 'heavy', period: '2026-11', limitUsd: 100000 }),
  ].join('\n'),
};
const BASE = ['--jobs', 'jobs.jsonl', '--quotas', 'quotas.json', '--now', '2026-11-26T12:00:00Z'];

const runPlan = (args: string[], files: Record<string, string> = FILES) =>
  runPlanCommand(args, files, { priceBook: () => BOOK });

const placedByTeam = (json: { allocations: { team: string }[] }) => {
  const counts: Record<string, number> = {};
  for (const a of json.allocations) counts[a.team] = (counts[a.team] ?? 0) + 1;
  return counts;
};

describe('qm plan --history', () => {
  it('splits a contended pool evenly between equal teams without history', async () => {
    const { out, exitCode } = await runPlan([...BASE, '--format', 'json']);
    expect(exitCode).toBe(0);
    const plan = JSON.parse(out);
    expect(placedByTeam(plan)).toEqual({ heavy: 2, light: 2 });
    expect(plan).not.toHaveProperty('history');
  });

  it('gives the team that used a lot recently a smaller effective weight and fewer places', async () => {
    const { out, err, exitCode } = await runPlan([...BASE, '--history', 'ledger.jsonl', '--format', 'json']);
    expect(exitCode).toBe(0);
    expect(err).toBe('');
    const plan = JSON.parse(out);
    expect(plan.history.halfLifeHours).toBe(168);
    const byTeam = Object.fromEntries(
      plan.history.teams.map((t: { team: string; weight: number; effectiveWeight: number }) => [t.team, t]),
    );
    expect(byTeam.heavy.weight).toBe(1);
    expect(byTeam.light.weight).toBe(1);
    expect(byTeam.heavy.effectiveWeight).toBeLessThan(byTeam.light.effectiveWeight);
    expect(byTeam.heavy.decayedVcpuHours).toBeGreaterThan(byTeam.light.decayedVcpuHours);
    const counts = placedByTeam(plan);
    expect(counts.heavy).toBeLessThan(2);
    expect(counts.light).toBeGreaterThan(2);
    expect((counts.heavy ?? 0) + (counts.light ?? 0)).toBe(4);
    const shareWeights = Object.fromEntries(
      plan.fairShare.map((f: { team: string; weight: number }) => [f.team, f.weight]),
    );
    expect(shareWeights.heavy).toBeCloseTo(byTeam.heavy.effectiveWeight, 12);
  });

  it('prints each team’s configured and effective weight in the table', async () => {
    const { out } = await runPlan([...BASE, '--history', 'ledger.jsonl', '--half-life-hours', '24']);
    expect(out).toContain('Usage history (half-life 24 h)');
    expect(out).toMatch(/team\s+weight\s+decayed vcpu-h\s+effective weight/);
    expect(out).toMatch(/heavy\s+1\s+[\d.]+\s+0\.\d+/);
  });

  it('forgets usage faster with a shorter half-life', async () => {
    const weightOf = async (halfLife: string) => {
      const { out } = await runPlan([
        ...BASE,
        '--history',
        'ledger.jsonl',
        '--half-life-hours',
        halfLife,
        '--format',
        'json',
      ]);
      return JSON.parse(out).history.teams.find((t: { team: string }) => t.team === 'heavy').decayedVcpuHours;
    };
    expect(await weightOf('6')).toBeLessThan(await weightOf('168'));
  });

  it('warns about usage of instance types the price book does not know, naming them', async () => {
    const files = {
      ...FILES,
      'ledger.jsonl': `${FILES['ledger.jsonl']}\n${usage('i-x', 'light', '2026-11-25T00:00:00Z', null, 'x9.mystery')}`,
    };
    const { err, exitCode } = await runPlan([...BASE, '--history', 'ledger.jsonl'], files);
    expect(exitCode).toBe(0);
    expect(err).toContain('--history ledger.jsonl: 1 usage interval(s) left out');
    expect(err).toContain('x9.mystery (1)');
  });

  it('names the file and line of a bad ledger record (exit 2)', async () => {
    const files = { ...FILES, 'ledger.jsonl': `${FILES['ledger.jsonl']}\n{"kind":"usage","team":"x"}` };
    const { err, exitCode } = await runPlan([...BASE, '--history', 'ledger.jsonl'], files);
    expect(exitCode).toBe(2);
    expect(err).toMatch(/invalid --history ledger\.jsonl:8: \w+/);
  });

  it('refuses a missing history file, a bad half-life and a half-life without history (exit 2)', async () => {
    const missing = await runPlan([...BASE, '--history', 'nope.jsonl']);
    expect(missing.exitCode).toBe(2);
    expect(missing.err).toContain('cannot read --history nope.jsonl');
    for (const bad of ['0', '-3', 'week', 'Infinity']) {
      const r = await runPlan([...BASE, '--history', 'ledger.jsonl', '--half-life-hours', bad]);
      expect(r.exitCode).toBe(2);
      expect(r.err).toContain(`--half-life-hours must be a number of hours > 0; got "${bad}"`);
    }
    const alone = await runPlan([...BASE, '--half-life-hours', '24']);
    expect(alone.exitCode).toBe(2);
    expect(alone.err).toContain('--half-life-hours needs --history');
  });
});
