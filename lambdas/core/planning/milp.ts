/**
 * A mixed-integer linear program in the solver-neutral form the planner builds: rows are sparse
 * (column index, coefficient) lists. The engine sits behind the `MilpSolver` port so the core stays
 * free of WebAssembly loading and can be tested against any engine.
 */
export interface MilpModel {
  readonly sense: 'minimize' | 'maximize';
  readonly colCost: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  /** True for integer columns; omitted or all-false for an LP. */
  readonly integer?: readonly boolean[];
  readonly rows: readonly MilpRow[];
}

export interface MilpRow {
  readonly name: string;
  readonly lower: number;
  readonly upper: number;
  readonly cols: readonly number[];
  readonly coefs: readonly number[];
}

export type MilpStatus = 'optimal' | 'infeasible' | 'time-limit' | 'other';

export interface MilpSolution {
  readonly status: MilpStatus;
  readonly objective: number;
  readonly x: Float64Array;
  /** The engine's proven bound on the optimum (MIP dual bound), when it reports one. */
  readonly bound: number | null;
  /** Engine-specific status text, for the record. */
  readonly detail: string;
}

export interface MilpSolveOptions {
  /** Wall-clock limit in seconds; the engine returns its best solution so far. */
  readonly timeLimitSeconds?: number;
  /** Relative MIP gap at which the engine may stop. */
  readonly relativeGap?: number;
}

/** Port: solves a model. Implementations must be deterministic for the same model. */
export interface MilpSolver {
  readonly name: string;
  solve(model: MilpModel, options?: MilpSolveOptions): MilpSolution;
}
