/**
 * Normalised accelerator model names. AWS and the upstream catalogues spell the same device many
 * ways ("a100", "NVIDIA A100", "A100-80GB"); jobs and offers use only these names, so a job that
 * asks for `A100-80GB` never lands on a 40 GB part.
 */
export const GPU_MODELS = [
  'GB200',
  'B300',
  'B200',
  'H200',
  'H100',
  'A100-80GB',
  'A100-40GB',
  'L40S',
  'L4',
  'A10G',
  'RTXPRO6000',
  'RTXPRO4500',
  'T4',
  'T4g',
  'V100-32GB',
  'V100-16GB',
  'K80',
  'M60',
  'K520',
  'RadeonProV520',
  'Trainium2',
  'Trainium',
  'Inferentia2',
  'Inferentia',
  'QualcommAI100',
] as const;

export type GpuModel = (typeof GPU_MODELS)[number];

/** Accelerators that are not CUDA GPUs are kept as their own kinds: a CUDA job never lands on them by accident. */
export type AcceleratorKind = 'gpu' | 'neuron' | 'other';

export const isGpuModel = (value: string): value is GpuModel =>
  (GPU_MODELS as readonly string[]).includes(value);
