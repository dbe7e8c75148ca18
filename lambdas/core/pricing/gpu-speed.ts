import type { GpuModel } from '../jobs/gpu-model.js';

/**
 * Relative throughput per accelerator, used to turn a job's `estimatedHours` on its reference model
 * into hours on another model. The default is each device's peak dense (non-sparse) 16-bit tensor
 * throughput in TFLOPS, from the vendor's public data sheets; devices without 16-bit tensor units use
 * their FP32 peak. Peak ratios overstate real speed-ups for memory-bound work, so the table is
 * configurable: pass measured ratios for your own workloads.
 *
 * Sources (vendor data sheets): NVIDIA H100 SXM / H200 (989 dense BF16), B200 (2,250), B300 (2,250
 * dense BF16, Blackwell Ultra), GB200 (2,500 per GPU, NVL72 sheet), A100 (312), L40S (362), L4 (121),
 * A10G (AWS G5 page: ~70, lower-clocked A10), RTX PRO 6000 Blackwell Server (~500), RTX PRO 4500
 * Blackwell (~200), T4 / T4g (65), V100 SXM2 (125), K80 (4.4 FP32 per GK210 die, as AWS counts GPUs),
 * M60 (4.8 FP32 per GPU), GRID K520 (2.4 FP32 per GPU), Radeon Pro V520 (14.7 FP32); AWS Trainium
 * (190 BF16 per chip), Trainium2 (667), Inferentia2 (190), Inferentia (64 FP16), Qualcomm Cloud AI 100
 * Standard (~150 FP16).
 */
export const DEFAULT_GPU_SPEED: Readonly<Record<GpuModel, number>> = Object.freeze({
  GB200: 2500,
  B300: 2250,
  B200: 2250,
  H200: 989,
  H100: 989,
  'A100-80GB': 312,
  'A100-40GB': 312,
  L40S: 362,
  L4: 121,
  A10G: 70,
  RTXPRO6000: 500,
  RTXPRO4500: 200,
  T4: 65,
  T4g: 65,
  'V100-32GB': 125,
  'V100-16GB': 125,
  K80: 4.4,
  M60: 4.8,
  K520: 2.4,
  RadeonProV520: 14.7,
  Trainium2: 667,
  Trainium: 190,
  Inferentia2: 190,
  Inferentia: 64,
  QualcommAI100: 150,
});

export type GpuSpeedTable = Readonly<Record<GpuModel, number>>;

/** How many times faster `model` runs than `reference` (1 = same speed). */
export const relativeSpeed = (table: GpuSpeedTable, model: GpuModel, reference: GpuModel): number =>
  table[model] / table[reference];
