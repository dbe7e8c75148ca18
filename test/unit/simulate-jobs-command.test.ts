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
    readText: reading(),
    makeDir: async () => undefined,
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

/** A mix of the examples that finishes quickly: inference, deadline batch (spot-eligible), sweeps. */
const FEW = [
  'vision-infer-captions',
  'recsys-infer-ctr-nightly',
  'nlp-eval-llm-70b',
  'vision-batch-reindex',
  'speech-batch-transcribe-archive',
  'recsys-batch-item-embeddings',
  'vision-sweep-lr-01',
  'speech-sweep-vad-01',
  'recsys-sweep-hparam-02',
];

const fewJobsText = async (): Promise<string> =>
  (await readFile('examples/jobs.jsonl', 'utf8'))
    .split('\n')
    .filter((line) => FEW.some((id) => line.includes(`"jobId":"${id}"`)))
    .join('\n');

/** Reads real files, except `few.jsonl` (the subset) and any path given in `extra`. */
const reading =
  (extra: Readonly<Record<string, string>> = {}) =>
  async (path: string): Promise<string> =>
    path === 'few.jsonl' ? fewJobsText() : (extra[path] ?? readFile(path, 'utf8'));

const EXAMPLES = [
  '--jobs',
  'few.jsonl',
  '--quotas',
  'examples/quotas.json',
  '--budgets',
  'examples/budgets.json',
  '--start',
  '2026-11-26T12:00:00Z',
  '--idle-solve-skip-minutes',
  '10',
];

const POLICY_FIELDS = [
  'policy',
  'totalCostUsd',
  'spotEligibleCostUsd',
  'onDemandHours',
  'spotHours',
  'interruptions',
  'changeovers',
  'deadlineMisses',
  'jobsFinished',
  'jobsUnfinished',
  'jobsUnplaced',
  'jobsRejected',
  'makespanHours',
  'jainIndex',
  'solves',
  'solvesPerSimulatedDay',
  'simulatedDays',
  'stoppedBy',
  'handlerErrors',
  'invariants',
  'deadLettered',
  'teams',
];

const INVARIANTS = [
  'every valid job terminal or pending with a reason',
  'no instance without a job',
  'no allocation launched twice',
  'no reservation beyond a budget',
  'every usage interval closed',
  'report total = Σ usage × stored price',
];

interface PolicyJson {
  policy: string;
  totalCostUsd: number;
  spotEligibleCostUsd: number;
  onDemandHours: number;
  spotHours: number;
  interruptions: number;
  deadlineMisses: number;
  jobsFinished: number;
  jainIndex: number;
  solves: number;
  stoppedBy: string;
  handlerErrors: number;
  invariants: { name: string; holds: boolean; violations: number }[];
  faults?: Record<string, { steps: number; injected: number }>;
  teams: { team: string; weight: number; service: number }[];
}

const jsonOf = (out: string) =>
  JSON.parse(out) as { jobCount: number; spotTraces: string[]; policies: PolicyJson[] };

describe('qm simulate --jobs', () => {
  it('runs every policy on the deployed loop and reports all fields; quartermaster no dearer than on-demand', async () => {
    const result = await run([...EXAMPLES, '--policy', 'all', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    const body = jsonOf(result.out);
    expect(body.jobCount).toBe(FEW.length);
    expect(body.spotTraces).toHaveLength(8);
    expect(body.policies.map((p) => p.policy)).toEqual([
      'on-demand',
      'greedy-spot',
      'fleet-pco',
      'quartermaster',
    ]);
    for (const p of body.policies) {
      expect(Object.keys(p)).toEqual(POLICY_FIELDS);
      expect(p.stoppedBy).toBe('all-terminal');
      expect(p.handlerErrors).toBe(0);
      expect(p.invariants.map((c) => [c.name, c.holds])).toEqual(INVARIANTS.map((name) => [name, true]));
      expect(p.faults).toBeUndefined();
      expect(p.jobsFinished).toBe(FEW.length);
      expect(p.solves).toBeGreaterThan(0);
      expect(p.jainIndex).toBeGreaterThan(0);
      expect(p.jainIndex).toBeLessThanOrEqual(1);
      // Team weights come from the budgets file.
      expect(p.teams.find((t) => t.team === 'speech')?.weight).toBe(1);
      expect(p.teams.find((t) => t.team === 'vision')?.weight).toBe(2);
    }
    const [onDemand, , , quartermaster] = body.policies;
    expect(quartermaster?.totalCostUsd).toBeLessThan(onDemand?.totalCostUsd ?? 0);
    expect(quartermaster?.spotEligibleCostUsd).toBeLessThan(onDemand?.spotEligibleCostUsd ?? 0);
    expect(onDemand?.interruptions).toBe(0);
    expect(onDemand?.spotHours).toBe(0);
    expect(quartermaster?.spotHours).toBeGreaterThan(0);
    expect(quartermaster?.deadlineMisses).toBeLessThanOrEqual(onDemand?.deadlineMisses ?? 0);
  });

  it('prints the same JSON for the same inputs', async () => {
    const args = [...EXAMPLES, '--policy', 'quartermaster', '--format', 'json'];
    const first = await run(args);
    const second = await run(args);
    expect(first.exitCode).toBe(0);
    expect(second.out).toBe(first.out);
  });

  it('runs only the policy asked for and prints a table by default', async () => {
    const result = await run([...EXAMPLES, '--policy', 'greedy-spot']);
    expect(result.exitCode).toBe(0);
    expect(result.out).toMatch(/^greedy-spot\s+\d+\.\d\d\s+/m);
    expect(result.out).not.toMatch(/^quartermaster/m);
    expect(result.out).toContain('greedy-spot: every job ended after');
    expect(result.out).toContain('every policy runs the deployed loop');
    expect(result.out).toContain('stand-in availability process');
  });

  it('writes a self-contained HTML page with an SVG chart and escaped text to --out', async () => {
    const jobs = await fewJobsText();
    const result = await run(
      [
        '--jobs',
        'a<b>&"c".jsonl',
        '--start',
        '2026-11-26T12:00:00Z',
        '--idle-solve-skip-minutes',
        '10',
        '--format',
        'html',
        '--out',
        'sim.html',
      ],
      { readText: reading({ 'a<b>&"c".jsonl': jobs }) },
    );
    expect(result.exitCode).toBe(0);
    expect(result.out).toBe('');
    const page = result.files.get('sim.html') ?? '';
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg');
    expect(page).toContain('a&#60;b&#62;&#38;&#34;c&#34;.jsonl');
    expect(page).not.toContain('a<b>');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const policy of ['on-demand', 'greedy-spot', 'fleet-pco', 'quartermaster'])
      expect(page).toContain(policy);
  });

  it("writes each policy's ledger, which verifies and reports back at the simulated cost", async () => {
    const result = await run([...EXAMPLES, '--format', 'json', '--ledger-out', 'ledgers']);
    expect(result.exitCode).toBe(0);
    const policies = jsonOf(result.out).policies;
    expect([...result.files.keys()].sort()).toEqual(
      ['fleet-pco', 'greedy-spot', 'on-demand', 'quartermaster'].map((p) => `ledgers/${p}.jsonl`),
    );
    const prices = new Map(
      loadStaticPriceBook().offers.map((o) => [
        `${o.instanceType}|${o.region}|${o.purchaseOption}|${o.availabilityZone ?? '*'}`,
        o.priceUsdPerHour,
      ]),
    );
    for (const policy of policies) {
      const name = `ledgers/${policy.policy}.jsonl`;
      const records: LedgerRecord[] = [];
      for await (const r of parseLedgerLines(ledgerTextLines(result.files.get(name) ?? ''), name))
        records.push(r);
      const jobs = records.filter((r) => r.kind === 'job');
      expect(jobs).toHaveLength(FEW.length);
      // Every job's events form an intact hash chain whose head the job record points at.
      for (const job of jobs) {
        const events = records
          .filter((r): r is LedgerEvent => r.kind === 'event' && r.jobId === job.jobId)
          .map(eventOf);
        expect(verifyChain(events).ok).toBe(true);
        expect(job.headHash).toBe(events.at(-1)?.hash);
        // Decision records are the solve's own: every allocation names its price book.
        for (const e of events.filter((x) => x.type === 'ALLOCATED'))
          expect((e.data.decision as { priceBookId?: string } | undefined)?.priceBookId).toMatch(/^static-/);
      }
      // Usage carries the unit price of the book the run used; reclaims are marked.
      const usage = records.filter((r) => r.kind === 'usage');
      // On-demand offers are region-wide: EC2 picked the zone.
      for (const u of usage)
        expect(u.unitPriceUsdPerHour).toBe(
          prices.get(`${u.instanceType}|${u.region}|${u.purchaseOption}|${u.availabilityZone ?? '*'}`) ??
            prices.get(`${u.instanceType}|${u.region}|${u.purchaseOption}|*`),
        );
      expect(new Set(usage.filter((u) => u.interrupted).map((u) => u.allocationId)).size).toBe(
        policy.interruptions,
      );
      const report = await buildCostReport(records, {
        from: '2026-11-26',
        to: '2027-01-31',
        groupBy: 'team',
      });
      // Whole-second instants move each interval by at most a second.
      expect(report.totals.actualUsd).toBeCloseTo(policy.totalCostUsd, 0);
    }
  });

  it('enforces budgets as a deployment does: a team with nothing left waits for the next period', async () => {
    const budgets = JSON.stringify({
      period: '2026-11',
      currency: 'USD',
      teams: [{ team: 'speech', weight: 1, monthlyUsd: 5000, spentUsd: 5000, reservedUsd: 0 }],
    });
    const result = await run(
      [
        ...EXAMPLES.filter(
          (a, i, all) => a !== 'examples/budgets.json' && all[i + 1] !== 'examples/budgets.json',
        ),
        '--budgets',
        'spent.json',
        '--policy',
        'quartermaster',
        '--format',
        'json',
        '--ledger-out',
        'out',
      ],
      { readText: reading({ 'spent.json': budgets }) },
    );
    expect(result.exitCode).toBe(0);
    const records: LedgerRecord[] = [];
    for await (const r of parseLedgerLines(
      ledgerTextLines(result.files.get('out/quartermaster.jsonl') ?? ''),
      'x',
    ))
      records.push(r);
    const firstAllocation = (jobId: string): string =>
      records.find((r): r is LedgerEvent => r.kind === 'event' && r.jobId === jobId && r.type === 'ALLOCATED')
        ?.at ?? 'never';
    // A job without a deadline waits; one whose deadline passes in the wait is a miss either way.
    for (const id of ['speech-sweep-vad-01'])
      expect(firstAllocation(id) >= '2026-12-01T00:00:00.000Z' && firstAllocation(id) !== 'never').toBe(true);
    expect(firstAllocation('vision-sweep-lr-01') < '2026-11-27T00:00:00.000Z').toBe(true);
    const policy = jsonOf(result.out).policies[0];
    expect(policy?.handlerErrors).toBe(0);
  });

  it.each([
    [['--solve-minutes', '0'], '--solve-minutes must be a number of minutes in (0, 1440], got "0"'],
    [
      ['--idle-solve-skip-minutes', '-1'],
      '--idle-solve-skip-minutes must be a number of minutes in [0, 1440]',
    ],
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
    expect(tty.err).toMatch(
      new RegExp(`\\rsimulating quartermaster \\(1/1\\) \\[[#.]{20}\\] \\d+/${FEW.length} jobs`),
    );
    const piped = await run([...EXAMPLES, '--policy', 'quartermaster', '--format', 'json'], {
      stderrIsTty: true,
      now,
    });
    expect(piped.err).toBe('');
  });

  it('runs a fault campaign, prints what it injected and that every invariant holds', async () => {
    const result = await run([
      ...EXAMPLES,
      '--policy',
      'quartermaster',
      '--faults',
      'all=0.05',
      '--fault-seed',
      '4',
    ]);
    expect(result.exitCode, `${result.out}${result.err}`).toBe(0);
    expect(result.out).toMatch(/quartermaster faults injected \(of steps\): duplicate \d+\/\d+, reorder/);
    expect(result.out).toMatch(/quartermaster: all 6 invariants hold/);
  }, 120_000);

  it('refuses a bad fault spec with exit code 2, naming the entry', async () => {
    const result = await run([...EXAMPLES, '--faults', 'crash=0.1,flood=0.2']);
    expect(result.exitCode).toBe(2);
    expect(result.err).toMatch(/--faults: entry 2 \("flood=0.2"\): unknown fault kind "flood"/);
  });
});
