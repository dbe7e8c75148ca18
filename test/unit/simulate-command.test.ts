import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSimulateCommand, type SimulateCommandIo } from '../../bin/commands/simulate.js';
import type { SpotTrace } from '../../lambdas/core/spot/spot-trace.js';

/** Ten-minute ticks over 100 h, spot up two hours out of three (67 of 100 hours). */
const TRACE: SpotTrace = {
  gapSeconds: 600,
  available: Uint8Array.from({ length: 600 }, (_, tick) => (Math.floor(tick / 6) % 3 === 2 ? 0 : 1)),
};

interface Outcome {
  readonly out: string;
  readonly err: string;
  readonly exitCode: number;
}

const run = async (args: readonly string[], io: SimulateCommandIo = {}): Promise<Outcome> => {
  let out = '';
  let err = '';
  const program = new Command('qm')
    .exitOverride()
    .configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  registerSimulateCommand(program, {
    readTrace: async (file) => {
      if (file !== 'trace.json') throw new Error(`spot trace ${file}: (file) cannot be read: ENOENT`);
      return TRACE;
    },
    stderrIsTty: false,
    stdoutIsTty: false,
    ...io,
  });
  try {
    await program.parseAsync(['simulate', ...args], { from: 'user' });
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
};

describe('qm simulate', () => {
  it('prints one JSON entry per policy with mean cost, on-demand and spot hours and the miss count', async () => {
    const result = await run(['--spot-trace', 'trace.json', '--format', 'json', '--starts', '5']);
    expect(result.exitCode).toBe(0);
    const body = JSON.parse(result.out) as {
      starts: number;
      results: {
        policy: string;
        cost: number;
        onDemandHours: number;
        spotHours: number;
        missedDeadline: number;
      }[];
    };
    expect(body.starts).toBe(5);
    expect(body.results.map((r) => r.policy)).toEqual([
      'on-demand',
      'greedy-spot',
      'fleet-pco',
      'quartermaster',
    ]);
    const onDemand = body.results[0];
    expect(onDemand?.cost).toBeCloseTo(48.2 * 3, 9);
    for (const r of body.results) {
      expect(r.missedDeadline).toBe(0);
      expect(Object.keys(r)).toEqual(['policy', 'cost', 'onDemandHours', 'spotHours', 'missedDeadline']);
    }
    expect(body.results[3]?.cost).toBeLessThan(onDemand?.cost ?? 0);
  });

  it('reports a single start time with a boolean missedDeadline', async () => {
    const result = await run([
      '--spot-trace',
      'trace.json',
      '--format',
      'json',
      '--starts',
      '1',
      '--policy',
      'greedy-spot',
    ]);
    const body = JSON.parse(result.out) as { results: { policy: string; missedDeadline: unknown }[] };
    expect(body.results).toHaveLength(1);
    expect(body.results[0]?.policy).toBe('greedy-spot');
    expect(body.results[0]?.missedDeadline).toBe(false);
  });

  it('prints a table with one row per policy by default', async () => {
    const result = await run(['--spot-trace', 'trace.json', '--starts', '3']);
    expect(result.exitCode).toBe(0);
    expect(result.out).toContain('spot available 67.0 %');
    expect(result.out).toMatch(/^quartermaster\s+\d+\.\d\d\s+/m);
    expect(result.out).toMatch(/^on-demand\s+144\.60\s+48\.20\s+0\.00\s+1\.00\s+0\/3\s+0\.0 %$/m);
  });

  it.each([
    [['--work-hours', 'abc'], '--work-hours must be a positive number of hours, got "abc"'],
    [['--deadline-hours', '-1'], '--deadline-hours must be a positive number of hours, got "-1"'],
    [['--changeover-hours', ''], '--changeover-hours must be a number of hours >= 0, got ""'],
    [['--price-ratio', '0'], '--price-ratio must be a positive number, got "0"'],
    [['--starts', '2.5'], '--starts must be a positive integer, got "2.5"'],
    [
      ['--policy', 'cheapest'],
      '--policy must be one of all, on-demand, greedy-spot, fleet-pco, quartermaster; got "cheapest"',
    ],
    [['--format', 'csv'], '--format must be table or json, got "csv"'],
    [['--deadline-hours', '40'], '--deadline-hours 40 cannot be met'],
    [
      ['--deadline-hours', '200', '--work-hours', '100'],
      '--spot-trace trace.json covers 100.0 h, shorter than --deadline-hours 200',
    ],
  ])('exits with 2 and names the flag for %j', async (flags, message) => {
    const result = await run(['--spot-trace', 'trace.json', ...flags]);
    expect(result.exitCode).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
  });

  it('exits with 2 when the trace is missing or unreadable', async () => {
    expect((await run([])).err).toContain('--spot-trace <file> is required');
    const unreadable = await run(['--spot-trace', 'absent.json']);
    expect(unreadable.exitCode).toBe(2);
    expect(unreadable.err).toContain('--spot-trace: spot trace absent.json: (file) cannot be read');
  });

  it('draws progress on an interactive stderr once a run is slow, and clears it', async () => {
    let clock = 0;
    const result = await run(['--spot-trace', 'trace.json', '--starts', '4', '--policy', 'quartermaster'], {
      stderrIsTty: true,
      stdoutIsTty: true,
      now: () => (clock += 200),
    });
    expect(result.err).toContain('\rsimulating quartermaster (1/1): 4/4 start times');
    expect(result.err.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('draws no progress when JSON goes to a pipe, or when stderr is not a terminal', async () => {
    let clock = 0;
    const now = () => (clock += 1000);
    const piped = await run(['--spot-trace', 'trace.json', '--format', 'json', '--starts', '4'], {
      stderrIsTty: true,
      stdoutIsTty: false,
      now,
    });
    expect(piped.err).toBe('');
    const redirected = await run(['--spot-trace', 'trace.json', '--starts', '4'], {
      stderrIsTty: false,
      now,
    });
    expect(redirected.err).toBe('');
  });
});
