import { type PricedOptions, poolOf, poolTeamKey } from './candidates.js';
import type { JobClass } from './job-classes.js';
import type { MilpModel, MilpRow, MilpSolution } from './milp.js';
import type { Candidate } from './plan.js';

/** A job class as the planner sees it: its candidates and the subset the solver chooses among. */
export interface ClassSlot {
  readonly id: number;
  readonly cls: JobClass;
  readonly size: number;
  /** Every feasible option, cheapest first (what the decision record counts and shows). */
  readonly options: PricedOptions;
  /**
   * Candidates left after dominance pruning: they define the class's fair-share demand. A greedy
   * fill over them places exactly what one over every option would: a pruned candidate fits only
   * where the cheaper one with fewer vCPUs in its pool fits too.
   */
  readonly model: readonly Candidate[];
  /**
   * The columns the solver sees: `model` without candidates that can never fit their pool, and,
   * when the team's budget cannot bind, nothing costlier than the cheapest candidate in an
   * unlimited pool (that one is always available and uses nothing anyone else needs).
   */
  readonly cols: readonly Candidate[];
}

/** A class in one solve: how many of its jobs must (`lower`) and may (`upper`) be placed. */
export interface ModelEntry {
  readonly slot: ClassSlot;
  readonly lower: number;
  readonly upper: number;
  /** True for the tier being admitted: each placed job earns the admission reward. */
  readonly fresh: boolean;
  /** True when the tier's fair-share caps apply to this class. */
  readonly contender: boolean;
}

/** What the rows of a model need from the plan input. */
export interface ModelLimits {
  /** vCPU limit of a candidate's pool, `null` when unlimited. */
  readonly quota: (cand: Candidate) => number | null;
  /** USD a team may still spend, `null` when its budget cannot bind. */
  readonly budget: (team: string) => number | null;
  /**
   * Units left in a commitment (instances, or USD per hour of a Savings Plan); `null` when the
   * plan knows no such commitment. @default no commitments
   */
  readonly commitment?: (id: string) => number | null;
}

/**
 * A set of classes whose placed jobs must add up to between `lower` and `upper`: an earlier tier's
 * jobs of one team, whose count is settled while which of them run stays open.
 */
export interface ModelGroup {
  readonly name: string;
  readonly lower: number;
  readonly upper: number;
  readonly slotIds: ReadonlySet<number>;
}

export interface ClassColumn {
  readonly entry: ModelEntry;
  readonly cand: Candidate;
}

interface RowAcc {
  cols: number[];
  coefs: number[];
  limit: number;
}

const addTo = (rows: Map<string, RowAcc>, key: string, limit: number, col: number, coef: number) => {
  let row = rows.get(key);
  if (row === undefined) {
    row = { cols: [], coefs: [], limit };
    rows.set(key, row);
  }
  row.cols.push(col);
  row.coefs.push(coef);
};

const upperRows = (prefix: string, rows: Map<string, RowAcc>): MilpRow[] =>
  [...rows].map(([key, r]) => ({
    name: `${prefix}:${key}`,
    lower: Number.NEGATIVE_INFINITY,
    upper: r.limit,
    cols: r.cols,
    coefs: r.coefs,
  }));

/**
 * Builds the aggregated MILP: an integer column n[class, candidate] counts the class's jobs on the
 * candidate, with `lower ≤ Σ n ≤ upper` per class. Quota, budget and fair-share rows weigh each
 * column by one job's vCPUs or cost, so the model has the per-job model's optimum (jobs of a class
 * are interchangeable) with one column per class × candidate instead of per job × candidate.
 *
 * The objective is the per-job one summed over a class: admitting a job of the fresh tier is worth
 * 1; then a team's rank, in units small enough that all ranks never outweigh one admission; then
 * cost, scaled so that all costs never outweigh one step of rank.
 */
export const buildClassModel = (
  entries: readonly ModelEntry[],
  limits: ModelLimits,
  objective: 'admit' | 'cost',
  fairCaps: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map(),
  teamRank: ReadonlyMap<string, number> = new Map(),
  groups: readonly ModelGroup[] = [],
): { model: MilpModel; columns: ClassColumn[] } => {
  const columns: ClassColumn[] = [];
  const rows: MilpRow[] = [];
  const poolRows = new Map<string, RowAcc>();
  const budgetRows = new Map<string, RowAcc>();
  const fairRows = new Map<string, RowAcc>();
  const commitmentRows = new Map<string, RowAcc>();
  let jobs = 0;
  let costScale = 1;
  for (const e of entries) {
    jobs += e.upper;
    costScale += e.upper * e.slot.cols.reduce((m, c) => Math.max(m, c.expectedCostUsd), 0);
  }
  for (const entry of entries) {
    const team = entry.slot.cls.team;
    const budget = limits.budget(team);
    const caps = entry.contender ? fairCaps : undefined;
    const classCols: number[] = [];
    for (const cand of entry.slot.cols) {
      const col = columns.length;
      columns.push({ entry, cand });
      classCols.push(col);
      const pool = poolOf(cand);
      const limit = limits.quota(cand);
      if (limit !== null) addTo(poolRows, pool, limit, col, cand.vcpus);
      if (budget !== null) addTo(budgetRows, team, budget, col, cand.expectedCostUsd);
      const cap = caps?.get(pool)?.get(team);
      if (cap !== undefined) addTo(fairRows, poolTeamKey(pool, team), cap, col, cand.vcpus);
      const drawn = cand.commitment;
      const left = drawn === undefined ? null : (limits.commitment?.(drawn.id) ?? 0);
      if (drawn !== undefined && left !== null) addTo(commitmentRows, drawn.id, left, col, drawn.units);
    }
    rows.push({
      name: `assign:${entry.slot.id}`,
      lower: entry.lower,
      upper: entry.upper,
      cols: classCols,
      coefs: classCols.map(() => 1),
    });
  }
  for (const g of groups) {
    const cols: number[] = [];
    columns.forEach(({ entry }, i) => {
      if (g.slotIds.has(entry.slot.id)) cols.push(i);
    });
    rows.push({ name: `group:${g.name}`, lower: g.lower, upper: g.upper, cols, coefs: cols.map(() => 1) });
  }
  rows.push(
    ...upperRows('quota', poolRows),
    ...upperRows('budget', budgetRows),
    ...upperRows('fair', fairRows),
    ...upperRows('commitment', commitmentRows),
  );

  const n = columns.length;
  const colCost = new Float64Array(n);
  const colUpper = new Float64Array(n);
  const unit = 1 / ((jobs + 1) * (teamRank.size + 1));
  columns.forEach(({ entry, cand }, i) => {
    colUpper[i] = entry.upper;
    if (objective === 'cost') colCost[i] = cand.expectedCostUsd;
    else if (!entry.fresh) colCost[i] = -(cand.expectedCostUsd / costScale) * unit;
    else
      colCost[i] =
        1 + (teamRank.get(entry.slot.cls.team) ?? 0) * unit - (cand.expectedCostUsd / costScale) * unit;
  });
  return {
    model: {
      sense: objective === 'cost' ? 'minimize' : 'maximize',
      colCost,
      colLower: new Float64Array(n),
      colUpper,
      integer: new Array<boolean>(n).fill(true),
      rows,
    },
    columns,
  };
};

/** A class's placement: how many of its jobs run on each candidate. */
export type ClassPlacement = Map<number, Array<{ cand: Candidate; count: number }>>;

/** Reads integer counts per class and candidate from a solution. */
export const countsOf = (columns: readonly ClassColumn[], sol: MilpSolution): ClassPlacement => {
  const out: ClassPlacement = new Map();
  columns.forEach(({ entry, cand }, i) => {
    const count = Math.round(sol.x[i] ?? 0);
    if (count <= 0) return;
    const list = out.get(entry.slot.id);
    if (list === undefined) out.set(entry.slot.id, [{ cand, count }]);
    else list.push({ cand, count });
  });
  return out;
};

/** Jobs of a class placed in total. */
export const placedCount = (placement: ClassPlacement, id: number): number =>
  (placement.get(id) ?? []).reduce((s, p) => s + p.count, 0);
