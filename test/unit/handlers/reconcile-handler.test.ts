import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReconcileDeps } from '../../../lambdas/core/use-cases/reconcile.js';
import {
  createObservability,
  type DimensionedMetric,
  quietObservability,
} from '../../../lambdas/handlers/middleware.js';
import {
  BUDGET_TEAM_DIMENSION,
  BUDGET_USED_METRIC,
  makeHandler,
} from '../../../lambdas/handlers/reconcile.js';
import { BUDGET_USED_METRIC as ALARMED_METRIC, METRICS_NAMESPACE } from '../../../lib/monitoring.js';
import { makeWorld, reconcileDeps, runningJob, type World } from '../use-cases/world.js';
import { lambdaContext, recordingMetrics } from './lambda-fixtures.js';

const HOUR = 3_600_000;

const deps = (w: World): ReconcileDeps => reconcileDeps(w, { budgetGuard: { policy: 'alert-only' } });

/** A recording sink whose single metrics keep their dimensions. */
const dimensionedMetrics = () => {
  const base = recordingMetrics();
  const singles: { dimensions: Record<string, string>; cleared: boolean; name: string; value: number }[] = [];
  return {
    ...base,
    singles,
    singleMetric: (): DimensionedMetric => {
      const dimensions: Record<string, string> = { service: 'reconcile' };
      let cleared = false;
      return {
        clearDefaultDimensions: () => {
          delete dimensions.service;
          cleared = true;
        },
        addDimension: (name, value) => {
          dimensions[name] = value;
        },
        addMetric: (name, _unit, value) => {
          singles.push({ dimensions: { ...dimensions }, cleared, name, value });
        },
      };
    },
  };
};

/** Teams vision and nlp, each with one job running for an hour. */
const twoTeams = async () => {
  const w = await makeWorld();
  await runningJob(w, 'job-1');
  await runningJob(w, 'job-2', { team: 'nlp' });
  w.clock.advance(HOUR);
  return w;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('reconcile handler: budget metrics', () => {
  it('publishes one BudgetUsedFraction per team, with the team as its only dimension', async () => {
    const w = await twoTeams();
    const metrics = dimensionedMetrics();
    await makeHandler({ ...deps(w), obs: { ...quietObservability(), metrics } })({}, lambdaContext());
    const fractions = metrics.singles.filter((m) => m.name === BUDGET_USED_METRIC);
    expect(fractions.map((m) => m.dimensions)).toEqual([{ team: 'nlp' }, { team: 'vision' }]);
    for (const m of fractions) {
      expect(m.cleared).toBe(true);
      expect(m.value).toBeGreaterThan(0);
      expect(m.value).toBeLessThan(0.8);
    }
    expect(metrics.added).toContainEqual({ name: 'BudgetAlert', value: 0 });
    expect(metrics.published()).toBe(1);
  });

  it('counts the guard’s alerts', async () => {
    const w = await twoTeams();
    const period = w.clock.now().toISOString().slice(0, 7);
    await w.ledger.putBudget({ team: 'vision', period, limitUsd: 1 });
    const metrics = dimensionedMetrics();
    await makeHandler({ ...deps(w), obs: { ...quietObservability(), metrics } })({}, lambdaContext());
    expect(metrics.added).toContainEqual({ name: 'BudgetAlert', value: 2 });
    expect(metrics.added).toContainEqual({ name: 'BudgetJobTerminated', value: 0 });
    expect(metrics.singles.find((m) => m.dimensions.team === 'vision')?.value).toBeGreaterThan(1);
  });

  it('emits the metric the budget alarm reads: its namespace, name and dimensions exactly', async () => {
    const w = await twoTeams();
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const obs = { ...createObservability('reconcile'), logger: quietObservability().logger };
    await makeHandler({ ...deps(w), obs })({}, lambdaContext());
    vi.restoreAllMocks();
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes(BUDGET_USED_METRIC))
      .map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } });
    expect(BUDGET_USED_METRIC).toBe(ALARMED_METRIC);
    expect(emf.map((e) => e.team)).toEqual(['nlp', 'vision']);
    for (const e of emf) {
      expect(e._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[BUDGET_TEAM_DIMENSION]],
          Metrics: [expect.objectContaining({ Name: ALARMED_METRIC })],
        },
      ]);
      expect(typeof e[ALARMED_METRIC]).toBe('number');
    }
  });
});
