/**
 * What the cost report needs to know about an instance type's accelerators: their model and how
 * many one instance has. Ledger records name the instance type only, and this room may not read
 * the price book (pricing/), so the caller hands the report a lookup; it changes no dollar, it
 * only says which GPUs the recorded hours ran on.
 */
export interface InstanceAccelerators {
  /** Normalised model name, e.g. `H100`, `A100-80GB`, `L4` (see jobs/gpu-model.ts). */
  readonly gpuModel: string;
  /** Accelerators per instance; fractional for partial GPUs (g6f). */
  readonly gpuCount: number;
}

/** An instance type's accelerators, or `undefined` when the lookup does not know the type. */
export type AcceleratorsOf = (instanceType: string) => InstanceAccelerators | undefined;

/** The `gpu-model` row key of usage on an instance type the lookup does not know. */
export const UNKNOWN_GPU_MODEL = '(unknown model)';
