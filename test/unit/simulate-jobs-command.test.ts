import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSimulateCommand, type SimulateCommandIo } from '../../bin/commands/simulate.js';
import { loadStaticPriceBook } from '../../lambdas/adapters/static-price-book.js';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import { verifyChain } from '../../lambdas/core/ledger/event-chain.js';
import {
  eventOf,
  type LedgerEvent,
  type LedgerRecord,
  ledgerTextLines,
  parseLedgerLines,
} from '../../lambdas/core/ledger/ledger-export.js';

interface Outcome {
  readonly out: string;
  readonly err: string;
  readonly exitCode: number;
  readonly files: ReadonlyMap<string, string>;
}

const run = async (args: readonly string[], io: SimulateCommandIo = {}): Promise<Outcome> => {
  let out = '';
  let err = '';
  const files = new Map<string, string>();
  const program = new Command('qm')
    .exitOverride()
    .configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  registerSimulateCommand(program, {
    stderrIsTty: false,
    stdoutIsTty: false,
    writeText: async (path, text) => {
      files.set(path, text);
    },
    wallClock: () => Date.parse('2026-11-26T12:00:00Z'),
    ...io,
  });
  try {
    await program.parseAsync(['simulate', ...args], { from: 'user' });
    return { out, err, exitCode: 0, files };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode, files };
    throw error;
  }
};

const EXAMPLES = [
  '--jobs',
  'examples/jobs.jsonl',
  '--quotas',
  'examples/quotas.json',
  '--budgets',
  'examples/budgets.json',
  '--start',
  '2026-11-26T12:00:00Z',
];

const POLICY_FIELDS = [
  'policy',
  'totalCostUsd',
  'onDemandHours',
  'spotHours',
  'interruptions',
  'changeovers',
  'deadlineMisses',
  'jobsFinished',
  'jobsUnfinished',
  'jobsUnplaced',
  'makespanHours',
  'jainIndex',
  'teams',
];

interface PolicyJson {
  policy: string;
  totalCostUsd: number;
  onDemandHours: number;
  spotHours: number;
  interruptions: number;
  deadlineMisses: number;
  jobsFinished: number;
  jainIndex: number;
  teams: { team: string; weight: number; service: number }[];
}

describe('qm simulate --jobs', () => {
  it('reports every policy on the example jobs with all fields, quartermaster no dearer than on-demand', async () => {
    const result = await run([...EXAMPLES, '--policy', 'all', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    const body = JSON.parse(result.out) as { jobCount: number; spotTraces: string[]; policies: PolicyJson[] };
    expect(body.jobCount).toBe(40);
    expect(body.spotTraces).toHaveLength(8);
    expect(body.policies.map((p) => p.policy)).toEqual([
      'on-demand',
      'greedy-spot',
      'fleet-pco',
      'quartermaster',
    ]);
    for (const p of body.policies) {
      expect(Object.keys(p)).toEqual(POLICY_FIELDS);
      expect(p.jainIndex).toBeGreaterThan(0);
      expect(p.jainIndex).toBeLessThanOrEqual(1);
      // Team weights come from the budgets file.
      expect(p.teams.find((t) => t.team === 'nlp')?.weight).toBe(3);
    }
    const [onDemand, , , quartermaster] = body.policies;
    expect(quartermaster?.totalCostUsd).toBeLessThanOrEqual(onDemand?.totalCostUsd ?? 0);
    expect(onDemand?.interruptions).toBe(0);
    expect(onDemand?.spotHours).toBe(0);
    expect(quartermaster?.spotHours).toBeGreaterThan(0);
  });

  it('prints the same JSON for the same inputs', async () => {
    const args = [...EXAMPLES, '--format', 'json'];
    const first = await run(args);
    const second = await run(args);
    expect(first.exitCode).toBe(0);
    expect(second.out).toBe(first.out);
  });

  it('runs only the policy asked for and prints a table by default', async () => {
    const result = await run([...EXAMPLES, '--policy', 'quartermaster']);
    expect(result.exitCode).toBe(0);
    expect(result.out).toMatch(/^quartermaster\s+\d+\.\d\d\s+/m);
    expect(result.out).not.toMatch(/^greedy-spot/m);
    expect(result.out).toContain('stand-in availability process');
  });

  it('writes a self-contained HTML page with an SVG chart and escaped text to --out', async () => {
    const jobs = await readFile('examples/jobs.jsonl', 'utf8');
    const result = await run(
      [
        '--jobs',
        'a<b>&"c".jsonl',
        '--start',
        '2026-11-26T12:00:00Z',
        '--format',
        'html',
        '--out',
        'sim.html',
      ],
      { readText: async () => jobs },
    );
    expect(result.exitCode).toBe(0);
    expect(result.out).toBe('');
    const page = result.files.get('sim.html') ?? '';
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg');
    expect(page).toContain('a&lt;b&gt;&amp;&quot;c&quot;.jsonl');
    expect(page).not.toContain('a<b>');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const policy of ['on-demand', 'greedy-spot', 'fleet-pco', 'quartermaster'])
      expect(page).toContain(policy);
  });

  it('writes the quartermaster run as a ledger export that a cost report reads back at the simulated cost', async () => {
    const result = await run([...EXAMPLES, '--format', 'json', '--ledger-out', 'ledger.jsonl']);
    expect(result.exitCode).toBe(0);
    const quartermaster = (JSON.parse(result.out) as { policies: PolicyJson[] }).policies[3];
    const text = result.files.get('ledger.jsonl') ?? '';
    const records: LedgerRecord[] = [];
    for await (const r of parseLedgerLines(ledgerTextLines(text), 'ledger.jsonl')) records.push(r);

    const jobs = records.filter((r) => r.kind === 'job');
    expect(jobs).toHaveLength(40);
    expect(records.filter((r) => r.kind === 'budget').map((b) => b.team)).toEqual([
      'vision',
      'nlp',
      'speech',
      'recsys',
    ]);
    // Every job's events form an intact hash chain whose head the job record points at.
    for (const job of jobs) {
      const events = records
        .filter((r): r is LedgerEvent => r.kind === 'event' && r.jobId === job.jobId)
        .map(eventOf);
      expect(verifyChain(events).ok).toBe(true);
      expect(job.headHash).toBe(events.at(-1)?.hash);
    }
    // Usage carries the unit price of the price book the run used; reclaims are marked.
    const prices = new Map(
      loadStaticPriceBook().offers.map((o) => [
        `${o.instanceType}|${o.region}|${o.purchaseOption}|${o.availabilityZone ?? '*'}`,
        o.priceUsdPerHour,
      ]),
    );
    const usage = records.filter((r) => r.kind === 'usage');
    for (const u of usage) {
      expect(u.unitPriceUsdPerHour).toBe(
        prices.get(`${u.instanceType}|${u.region}|${u.purchaseOption}|${u.availabilityZone ?? '*'}`),
      );
    }
    const interruptedStarts = new Set(usage.filter((u) => u.interrupted).map((u) => u.allocationId));
    expect(interruptedStarts.size).toBe(quartermaster?.interruptions);

    const report = await buildCostReport(records, { from: '2026-11-26', to: '2027-01-31', groupBy: 'team' });
    // Whole-second instants move each interval by at most a second.
    expect(report.totals.actualUsd).toBeCloseTo(quartermaster?.totalCostUsd ?? 0, -1);
    expect(report.totals.interruptedUsd).toBeGreaterThan(0);
  });

  it.each([
    [['--tick-minutes', '0'], '--tick-minutes must be a number of minutes in (0, 1440], got "0"'],
    [['--format', 'csv'], '--format must be one of table, json, html with --jobs, got "csv"'],
    [['--start', '2026-11-26'], '--start must be an ISO 8601 date-time with Z or an offset'],
    [['--policy', 'cheapest'], '--policy must be one of all, on-demand'],
    [
      ['--spot-trace', 'x.json'],
      '--spot-trace belongs to the single-job mode and cannot be combined with --jobs',
    ],
    [['--spot-traces', 'absent-dir'], '--spot-traces: cannot read absent-dir'],
    [['--quotas', 'absent.json'], 'cannot read --quotas absent.json'],
  ])('exits with code 2 on %j', async (extra, message) => {
    const result = await run(['--jobs', 'examples/jobs.jsonl', ...extra]);
    expect(result.exitCode).toBe(2);
    expect(result.err).toContain(message);
  });

  it('names the file, line and field of a bad job line', async () => {
    const result = await run(['--jobs', 'jobs.jsonl'], {
      readText: async () => '{"jobId":"a","team":"t","project":"p","resources":{"gpus":0},"runtime":{}}\n',
    });
    expect(result.exitCode).toBe(2);
    expect(result.err).toMatch(/jobs\.jsonl:1: resources\.gpus: /);
  });

  it('refuses jobs-mode flags without --jobs', async () => {
    const result = await run(['--spot-trace', 'trace.json', '--quotas', 'examples/quotas.json']);
    expect(result.exitCode).toBe(2);
    expect(result.err).toContain('--quotas needs --jobs <file> (jobs mode)');
  });

  it('draws a progress bar on an interactive stderr and none when JSON is piped', async () => {
    let clock = 0;
    const now = () => {
      clock += 100;
      return clock;
    };
    const tty = await run([...EXAMPLES, '--policy', 'quartermaster'], { stderrIsTty: true, now });
    expect(tty.err).toMatch(/\rsimulating quartermaster \(1\/1\) \[[#.]{20}\] \d+\/40 jobs/);
    const piped = await run([...EXAMPLES, '--policy', 'quartermaster', '--format', 'json'], {
      stderrIsTty: true,
      now,
    });
    expect(piped.err).toBe('');
  });
});
