import { describe, expect, it } from 'vitest';
import type { Quotas } from '../../../lambdas/core/planning/plan-inputs.js';
import { intakeMessage } from '../../../lambdas/core/use-cases/intake-message.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { makeWorld, REGION, requestBody, runningJob, type World } from './world.js';

/** Room for four p4de instances (96 vCPUs each) on spot and none on-demand. */
const QUOTAS: Quotas = { defaultVcpus: 0, limits: new Map([[`${REGION}|spot/P`, 384]]) };

/** Four pending jobs of each of two teams; the world's clock reads 2026-03-01T12:00Z. */
const contendedWorld = async (): Promise<World> => {
  const w = await makeWorld();
  for (const team of ['heavy', 'light'])
    for (const i of [1, 2, 3, 4])
      await intakeMessage(w, { messageId: `${team}-${i}`, body: requestBody(`${team}-${i}`, { team }) });
  return w;
};

/** A past instance of a team: started in February, so only a read of the previous month finds it. */
const pastUsage = async (
  w: World,
  instanceId: string,
  team: string,
  instanceType = 'p4de.24xlarge',
  stoppedAt: string | null = '2026-03-01T06:00:00Z',
) => {
  // Usage belongs to a job's chain (ADR 0010): a past job of the team, long finished.
  const jobId = `${instanceId}-job`;
  const request = JSON.parse(requestBody(jobId, { team, project: 'p' }));
  const { job } = await w.ledger.putJobIfAbsent({ request });
  await w.ledger.transition({ jobId, expectedVersion: job.version, to: 'CANCELLED' });
  await w.ledger.startUsage({
    instanceId,
    jobId: `${instanceId}-job`,
    allocationId: `${instanceId}-a1`,
    team,
    project: 'p',
    instanceType,
    region: REGION,
    availabilityZone: 'us-east-1a',
    purchaseOption: 'spot',
    unitPriceUsdPerHour: 12,
    startedAt: '2026-02-27T12:00:00Z',
  });
  if (stoppedAt !== null) await w.ledger.stopUsage({ instanceId, stoppedAt, costUsd: 12 * 42 });
};

const allocatedByTeam = (report: { allocated: readonly { jobId: string }[] }) => {
  const counts: Record<string, number> = {};
  for (const a of report.allocated) {
    const team = a.jobId.split('-')[0] as string;
    counts[team] = (counts[team] ?? 0) + 1;
  }
  return counts;
};

describe('runSolve with usage history', () => {
  it('splits a contended pool evenly between equal teams with no past usage', async () => {
    const w = await contendedWorld();
    const report = await runSolve({ ...w.solveDeps, quotas: QUOTAS });
    expect(allocatedByTeam(report)).toEqual({ heavy: 2, light: 2 });
    expect(report.usageHistory?.teams.map((t) => t.effectiveWeight)).toEqual([1, 1]);
  });

  it('reads last month’s usage from the ledger and gives the heavy past user fewer places', async () => {
    const w = await contendedWorld();
    for (const i of [1, 2, 3, 4]) await pastUsage(w, `i-heavy-${i}`, 'heavy');
    const report = await runSolve({ ...w.solveDeps, quotas: QUOTAS });
    const heavy = report.usageHistory?.teams.find((t) => t.team === 'heavy');
    const light = report.usageHistory?.teams.find((t) => t.team === 'light');
    expect(heavy).toMatchObject({ weight: 1, effectiveWeight: 0.5 });
    expect(heavy?.decayedVcpuHours).toBeGreaterThan(0.8 * 4 * 96 * 42);
    expect(light).toMatchObject({ weight: 1, decayedVcpuHours: 0, effectiveWeight: 1 });
    const counts = allocatedByTeam(report);
    expect(counts.heavy ?? 0).toBeLessThan(2);
    expect(counts.light).toBeGreaterThan(2);
  });

  it('counts a still-running instance up to now and reports types the price book does not know', async () => {
    const w = await contendedWorld();
    await pastUsage(w, 'i-heavy-running', 'heavy', 'p4de.24xlarge', null);
    await pastUsage(w, 'i-light-odd', 'light', 'x9.mystery');
    const report = await runSolve({ ...w.solveDeps, quotas: QUOTAS });
    const heavy = report.usageHistory?.teams.find((t) => t.team === 'heavy');
    // 48 hours of 96 vCPUs, a little under 4,608 after decay.
    expect(heavy?.decayedVcpuHours).toBeGreaterThan(0.8 * 96 * 48);
    expect(heavy?.decayedVcpuHours).toBeLessThan(96 * 48);
    expect(report.usageHistory?.unknownInstanceTypes).toEqual({ 'x9.mystery': 1 });
  });

  it('forgets usage faster under a shorter configured half-life', async () => {
    const w = await contendedWorld();
    await pastUsage(w, 'i-heavy-1', 'heavy');
    const report = await runSolve({ ...w.solveDeps, quotas: QUOTAS, usageHalfLifeHours: 6 });
    const heavy = report.usageHistory?.teams.find((t) => t.team === 'heavy');
    expect(report.usageHistory?.halfLifeHours).toBe(6);
    expect(heavy?.decayedVcpuHours).toBeLessThan(96 * 42 * 0.3);
  });

  it('counts a job still running since before the months it reads, and only its time inside them', async () => {
    // Started 1 December 2025 and still running on 1 March 2026: its usage is stored under
    // December, before the eight half-lives (56 days, from January) the solve reads by month.
    const w = await makeWorld('2025-12-01T12:00:00.000Z');
    await runningJob(w, 'heavy-long', { team: 'heavy' });
    w.clock.set('2026-03-01T12:00:00.000Z');
    for (const team of ['heavy', 'light'])
      for (const i of [1, 2, 3, 4])
        await intakeMessage(w, { messageId: `${team}-${i}`, body: requestBody(`${team}-${i}`, { team }) });
    const report = await runSolve({ ...w.solveDeps, quotas: QUOTAS });
    const heavy = report.usageHistory?.teams.find((t) => t.team === 'heavy');
    // 96 vCPUs decayed under a one-week half-life: at least the exact integral over the 56 days
    // read, at most the 90 days run with the pieces' rounding up (each counts as if it ended at
    // its end, at most 2^(1/16) more). Without the run it would be 0.
    const integral = (days: number) => ((96 * 168) / Math.LN2) * (1 - 2 ** ((-days * 24) / 168));
    expect(heavy?.decayedVcpuHours).toBeGreaterThan(integral(56));
    expect(heavy?.decayedVcpuHours).toBeLessThan(integral(90) * 2 ** (1 / 16));
    expect(heavy?.effectiveWeight).toBeLessThan(1);
  });
});
