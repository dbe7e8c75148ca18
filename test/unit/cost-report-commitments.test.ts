import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportionMicros } from '../../lambdas/core/accounting/commitment-charges.js';
import { buildCostReport } from '../../lambdas/core/accounting/cost-report.js';
import type { Commitment } from '../../lambdas/core/commitments/commitment.js';
import type { LedgerRecord, LedgerUsage } from '../../lambdas/core/ledger/ledger-export.js';
import { costReportCsvLines, formatCostReportTable } from '../../lambdas/core/reports/cost-report-format.js';

const micros = (usd: number) => Math.round(usd * 1_000_000);
const DAY = { from: '2026-11-03', to: '2026-11-03' } as const;

/** One p5 ODCR of two instances for the whole day, billed at the on-demand rate of 55.04 USD/h. */
const ODCR: Commitment = {
  kind: 'capacity-reservation',
  id: 'cr-0a1b2c3d4e5f60718',
  instanceType: 'p5.48xlarge',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  count: 2,
  unitPriceUsdPerHour: 55.04,
  start: '2026-11-01T00:00:00Z',
  end: null,
};
/** A Savings Plan bought for the research team, which nobody drew on that day. */
const PLAN: Commitment = {
  kind: 'savings-plan',
  id: 'sp-0f3c8a1e2b4d6e7f9',
  team: 'research',
  planType: 'compute',
  region: null,
  hourlyCommitmentUsd: 10,
  discounts: { g6e: 0.3 },
  start: '2026-11-01T00:00:00Z',
  end: '2027-11-01T00:00:00Z',
};
/** A Capacity Block nobody owns or drew on: its cost is charged to no team. */
const BLOCK: Commitment = {
  kind: 'capacity-block',
  id: 'cr-0c1d2e3f4a5b6c7d8',
  instanceType: 'p5.48xlarge',
  region: 'us-east-1',
  availabilityZone: 'us-east-1b',
  count: 1,
  priceUsd: 720,
  start: '2026-11-03T00:00:00Z',
  end: '2026-11-04T00:00:00Z',
};

const usage = (over: Partial<LedgerUsage>): LedgerUsage => ({
  kind: 'usage',
  instanceId: 'i-1',
  jobId: 'job-1',
  allocationId: 'a-1',
  team: 'vision',
  project: 'detector',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'p5.48xlarge',
  purchaseOption: 'on-demand',
  unitPriceUsdPerHour: 0,
  onDemandPriceUsdPerHour: 55.04,
  commitment: { id: ODCR.id, kind: 'capacity-reservation', effectiveUnitPriceUsdPerHour: 55.04 },
  startedAt: '2026-11-03T00:00:00Z',
  stoppedAt: '2026-11-03T10:00:00Z',
  interrupted: false,
  ...over,
});

const LEDGER: LedgerRecord[] = [
  // vision holds one reserved instance for 10 h, nlp the other for 6 h: 16 of the 48 reserved hours.
  usage({}),
  usage({
    instanceId: 'i-2',
    jobId: 'job-2',
    team: 'nlp',
    project: 'llm',
    stoppedAt: '2026-11-03T06:00:00Z',
  }),
  // A spot job of vision's beside them, on no commitment.
  usage({
    instanceId: 'i-3',
    jobId: 'job-3',
    purchaseOption: 'spot',
    unitPriceUsdPerHour: 20,
    commitment: undefined,
    startedAt: '2026-11-03T12:00:00Z',
    stoppedAt: '2026-11-03T14:00:00Z',
  }),
];
// exactOptionalPropertyTypes: the spot line has no commitment key at all.
delete (LEDGER[2] as { commitment?: unknown }).commitment;

describe('cost report with commitments', () => {
  it('shows list, effective and committed cost, and charges each commitment’s unused part to teams', async () => {
    const report = await buildCostReport(LEDGER, {
      ...DAY,
      groupBy: 'team',
      commitments: [ODCR, PLAN, BLOCK],
    });
    const team = (name: string) => report.teams.find((t) => t.team === name);
    // Hours on the ODCR cost nothing beyond what is paid; finance sees them at the reservation's rate.
    expect(team('vision')).toMatchObject({
      actualUsd: 40,
      listUsd: 10 * 55.04 + 40,
      effectiveUsd: 10 * 55.04 + 40,
      committedUsd: 10 * 55.04,
    });
    expect(team('nlp')).toMatchObject({ actualUsd: 0, listUsd: 6 * 55.04, committedUsd: 6 * 55.04 });
    // The ODCR's 32 idle hours are shared 10 : 6 by the teams that drew on it.
    expect(team('vision')?.committedUnusedUsd).toBe(20 * 55.04);
    expect(team('nlp')?.committedUnusedUsd).toBe(12 * 55.04);
    // The plan was bought for research: its whole day is research's, though research ran nothing.
    expect(team('research')).toMatchObject({ actualUsd: 0, committedUnusedUsd: 240 });
    const lines = new Map((report.commitments ?? []).map((c) => [c.id, c]));
    expect(lines.get(ODCR.id)).toMatchObject({
      committedUsd: 48 * 55.04,
      usedUsd: 16 * 55.04,
      unusedUsd: 32 * 55.04,
      owner: null,
      unassignedUsd: 0,
    });
    expect(lines.get(PLAN.id)).toMatchObject({
      owner: 'research',
      unusedByTeam: [{ team: 'research', usd: 240 }],
    });
    expect(lines.get(BLOCK.id)).toMatchObject({
      committedUsd: 720,
      unusedUsd: 720,
      unassignedUsd: 720,
      unusedByTeam: [],
    });
    // Totals: every unused dollar, the unassigned block included; team rows match their lines.
    expect(micros(report.totals.committedUnusedUsd ?? Number.NaN)).toBe(
      micros(32 * 55.04) + micros(240) + micros(720),
    );
    for (const row of report.rows) expect(row.committedUnusedUsd).toBe(team(row.key)?.committedUnusedUsd);
    expect(report.unlistedCommitmentIds).toEqual([]);
  });

  it('adds to the cent: committed = used + unused, unused = what teams are charged + unassigned', async () => {
    const report = await buildCostReport(LEDGER, {
      ...DAY,
      groupBy: 'team',
      commitments: [ODCR, PLAN, BLOCK],
    });
    for (const c of report.commitments ?? []) {
      expect(micros(c.committedUsd)).toBe(micros(c.usedUsd) + micros(c.unusedUsd));
      const charged = c.unusedByTeam.reduce((s, t) => s + micros(t.usd), 0);
      expect(charged + micros(c.unassignedUsd)).toBe(micros(c.unusedUsd));
    }
    const teams = report.teams.reduce((s, t) => s + micros(t.committedUnusedUsd ?? 0), 0);
    expect(teams + micros(720)).toBe(micros(report.totals.committedUnusedUsd ?? Number.NaN));
  });

  it('leaves the unused part unknown without commitments, and names commitments the file does not list', async () => {
    const bare = await buildCostReport(LEDGER, { ...DAY, groupBy: 'team' });
    expect(bare.commitments).toBeNull();
    expect(bare.totals.committedUnusedUsd).toBeNull();
    // The usage lines alone still say what was drawn.
    expect(bare.totals.committedUsd).toBe(16 * 55.04);
    const partial = await buildCostReport(LEDGER, { ...DAY, groupBy: 'team', commitments: [PLAN] });
    expect(partial.unlistedCommitmentIds).toEqual([ODCR.id]);
    expect(formatCostReportTable(partial)).toContain(
      `Usage drew on commitments not in the commitments file: ${ODCR.id}`,
    );
  });

  it('gives rows of groupings that mix teams no share of the unused part', async () => {
    const report = await buildCostReport(LEDGER, { ...DAY, groupBy: 'instance-type', commitments: [ODCR] });
    expect(report.rows.map((r) => r.committedUnusedUsd)).toEqual([null]);
    expect(report.totals.committedUnusedUsd).toBe(32 * 55.04);
  });

  it('prints the commitment columns and a commitments section in the table, and the columns in the CSV', async () => {
    const report = await buildCostReport(LEDGER, {
      ...DAY,
      groupBy: 'team',
      commitments: [ODCR, PLAN, BLOCK],
    });
    const table = formatCostReportTable(report);
    expect(table).toMatch(/list\s+effective\s+committed\s+unused commit\./);
    expect(table).toContain('Commitments (unused cost charged');
    expect(table).toMatch(
      /cr-0a1b2c3d4e5f60718\s+capacity-reservation\s+2,641\.92\s+880\.64\s+1,761\.28\s+nlp 660\.48, vision 1,100\.80/,
    );
    expect(table).toMatch(
      /cr-0c1d2e3f4a5b6c7d8\s+capacity-block\s+720\.00\s+0\.00\s+720\.00\s+unassigned 720\.00/,
    );
    const [header = '', ...rows] = costReportCsvLines(report);
    const cols = header.split(',');
    const research = rows.find((r) => r.startsWith('research,'))?.split(',') ?? [];
    expect(research[cols.indexOf('committedUnusedUsd')]).toBe('240');
    expect(research[cols.indexOf('actualUsd')]).toBe('0');
  });
});

describe('apportionMicros', () => {
  it('splits exactly, each part within one micro-dollar of its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000_000_000 }), { minLength: 1, maxLength: 8 }),
        (total, ws) => {
          const weights = new Map(ws.map((w, i) => [`t${i}`, w]));
          const parts = apportionMicros(total, weights);
          const sum = ws.reduce((a, b) => a + b, 0);
          if (sum === 0 || total === 0) return parts.size === 0;
          const given = [...parts.values()].reduce((a, b) => a + b, 0);
          if (given !== total) return false;
          // |part − total·w/sum| < 1, in exact integers: |part·sum − total·w| < sum.
          return ws.every((w, i) => {
            const diff = BigInt(parts.get(`t${i}`) ?? 0) * BigInt(sum) - BigInt(total) * BigInt(w);
            return (diff < 0n ? -diff : diff) < BigInt(sum);
          });
        },
      ),
    );
  });
});
