import type { Highs, InitOptions } from 'highs';
import * as highsModule from 'highs';
import type {
  MilpModel,
  MilpSolution,
  MilpSolveOptions,
  MilpSolver,
  MilpStatus,
} from '../core/planning/milp.js';

// The package ships CommonJS-flavoured typings for an ES module build; the loader is the default export.
const loadHighs = (highsModule as unknown as { default: (options?: InitOptions) => Promise<Highs> }).default;

let runtime: Promise<Highs> | undefined;

/** Loads the HiGHS WebAssembly runtime once per process (cold start) and reuses it. */
const loadRuntime = (): Promise<Highs> => {
  if (runtime === undefined)
    runtime = loadHighs().then((highs) => {
      warmUp(new HighsMilpSolver(highs));
      return highs;
    });
  return runtime;
};

/**
 * Solves a small LP and MILP of the planner's shape once at load. The engine's WebAssembly is
 * compiled lazily, function by function, on first call; doing it here moves that cost into the
 * cold start (a Lambda's init phase) instead of the first plan.
 */
const warmUp = (solver: HighsMilpSolver): void => {
  const classes = 12;
  const perClass = 4;
  const n = classes * perClass;
  const colCost = new Float64Array(n);
  const rows: MilpModel['rows'][number][] = [];
  const pools = [0, 1, 2].map(() => ({ cols: [] as number[], coefs: [] as number[] }));
  for (let k = 0; k < classes; k++) {
    const cols: number[] = [];
    for (let j = 0; j < perClass; j++) {
      const col = k * perClass + j;
      colCost[col] = 10 + ((k * 7 + j * 13) % 17) + j * 3;
      cols.push(col);
      const pool = pools[j % 3];
      pool?.cols.push(col);
      pool?.coefs.push(4 + (k % 5) * 4);
    }
    rows.push({
      name: `assign:${k}`,
      lower: 3 + (k % 3),
      upper: 3 + (k % 3),
      cols,
      coefs: cols.map(() => 1),
    });
  }
  pools.forEach((p, i) => {
    rows.push({
      name: `quota:${i}`,
      lower: Number.NEGATIVE_INFINITY,
      upper: 150 + i * 10,
      cols: p.cols,
      coefs: p.coefs,
    });
  });
  const model: MilpModel = {
    sense: 'minimize',
    colCost,
    colLower: new Float64Array(n),
    colUpper: new Float64Array(n).fill(6),
    integer: new Array<boolean>(n).fill(false),
    rows,
  };
  solver.solve(model);
  solver.solve({ ...model, integer: new Array<boolean>(n).fill(true) }, { relativeGap: 0.001 });
};

const statusOf = (code: number): MilpStatus => {
  if (code === 7) return 'optimal';
  if (code === 8) return 'infeasible';
  if (code === 13) return 'time-limit';
  return 'other';
};

/** Converts the row-wise sparse model to compressed sparse rows. */
const toCsr = (model: MilpModel) => {
  const starts = new Int32Array(model.rows.length + 1);
  let nnz = 0;
  for (const row of model.rows) nnz += row.cols.length;
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  model.rows.forEach((row, i) => {
    starts[i] = k;
    for (let e = 0; e < row.cols.length; e++) {
      indices[k] = row.cols[e] ?? 0;
      values[k] = row.coefs[e] ?? 0;
      k++;
    }
  });
  starts[model.rows.length] = k;
  return { starts, indices, values };
};

/** `MilpSolver` backed by HiGHS compiled to WebAssembly (the `highs` package). */
export class HighsMilpSolver implements MilpSolver {
  readonly name = 'highs';

  constructor(private readonly highs: Highs) {}

  /** Loads the engine (once per process) and returns a solver bound to it. */
  static async create(): Promise<HighsMilpSolver> {
    return new HighsMilpSolver(await loadRuntime());
  }

  solve(model: MilpModel, options: MilpSolveOptions = {}): MilpSolution {
    const h = this.highs;
    const numCols = model.colCost.length;
    const numRows = model.rows.length;
    if (numCols === 0) {
      return { status: 'optimal', objective: 0, x: new Float64Array(0), bound: 0, detail: 'empty model' };
    }
    const inf = h.infinity;
    const clamp = (v: number) =>
      v === Number.POSITIVE_INFINITY ? inf : v === Number.NEGATIVE_INFINITY ? -inf : v;
    const csr = toCsr(model);
    const isMip = model.integer?.some(Boolean) ?? false;
    return h.withModel((m) => {
      m.passModel({
        numCols,
        numRows,
        sense:
          model.sense === 'maximize'
            ? h.constants.objectiveSense.maximize
            : h.constants.objectiveSense.minimize,
        colCost: model.colCost,
        colLower: model.colLower.map(clamp),
        colUpper: model.colUpper.map(clamp),
        rowLower: model.rows.map((r) => clamp(r.lower)),
        rowUpper: model.rows.map((r) => clamp(r.upper)),
        matrix: { format: 'csr', numRows, numCols, ...csr },
        ...(isMip ? { integrality: (model.integer ?? []).map((b) => (b ? 1 : 0)) } : {}),
      });
      m.options.set('output_flag', false);
      // Parallel search would make results depend on timing; the plan must be reproducible.
      m.options.set('random_seed', 0);
      if (options.timeLimitSeconds !== undefined) m.options.set('time_limit', options.timeLimitSeconds);
      if (options.relativeGap !== undefined) m.options.set('mip_rel_gap', options.relativeGap);
      const run = m.run();
      const status = statusOf(run.modelStatus);
      if (status === 'infeasible' || status === 'other') {
        return {
          status,
          objective: Number.NaN,
          x: new Float64Array(numCols),
          bound: null,
          detail: `HiGHS status ${run.modelStatus}`,
        };
      }
      const solution = m.getSolution();
      const objective = Number(m.info.get('objective_function_value'));
      const bound = isMip ? Number(m.info.get('mip_dual_bound')) : objective;
      return {
        status,
        objective,
        x: Float64Array.from(solution.colValue),
        bound: Number.isFinite(bound) ? bound : null,
        detail: `HiGHS status ${run.modelStatus}`,
      };
    });
  }
}
