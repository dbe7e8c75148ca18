import type { GpuModel } from '../jobs/gpu-model.js';

/**
 * Vendor and marketing words that carry no identity: "NVIDIA GRID K520" and "k520" are one device.
 * "qualcomm" and "radeon" are kept because they are part of the model's own name.
 */
const NOISE_WORDS = new Set(['nvidia', 'amd', 'aws', 'grid', 'tesla', 'gpu', 'server', 'grace', 'blackwell']);

/** Names that identify exactly one model, keyed by the compact form (lower case, letters and digits only). */
const EXACT: Readonly<Record<string, GpuModel>> = {
  gb200: 'GB200',
  b300: 'B300',
  b200: 'B200',
  h200: 'H200',
  h100: 'H100',
  a10080gb: 'A100-80GB',
  a10040gb: 'A100-40GB',
  l40s: 'L40S',
  l4: 'L4',
  a10g: 'A10G',
  rtxpro6000: 'RTXPRO6000',
  rtxpro4500: 'RTXPRO4500',
  t4: 'T4',
  t4g: 'T4g',
  v10032gb: 'V100-32GB',
  v10016gb: 'V100-16GB',
  k80: 'K80',
  m60: 'M60',
  k520: 'K520',
  radeonprov520: 'RadeonProV520',
  trainium2: 'Trainium2',
  trainium: 'Trainium',
  inferentia2: 'Inferentia2',
  inferentia: 'Inferentia',
  qualcommai100: 'QualcommAI100',
};

/** A100 parts are 40 or 80 GB, so anything from 60 GiB up is the 80 GB part. */
const A100_80GB_MIN_GIB = 60;
/** V100 parts are 16 or 32 GB, so anything from 24 GiB up is the 32 GB part. */
const V100_32GB_MIN_GIB = 24;

const compact = (name: string): string =>
  name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '' && !NOISE_WORDS.has(word))
    .join('');

/**
 * Maps a raw accelerator name, as AWS or a catalogue spells it, to one of {@link GPU_MODELS}.
 *
 * Names that cover two memory sizes (bare "A100", "V100") are split by the memory per device;
 * when that memory is unknown the answer is `undefined`, never a guess. Fractional L4 parts
 * (g6f, gr6f) are still L4. Unknown names give `undefined` so the caller can report and skip them.
 *
 * @example normaliseGpuModel('a100', 80) // 'A100-80GB'
 * @example normaliseGpuModel('NVIDIA GRID K520', null) // 'K520'
 */
export const normaliseGpuModel = (
  acceleratorName: string,
  memoryPerDeviceGiB: number | null,
): GpuModel | undefined => {
  const key = compact(acceleratorName);
  const exact = EXACT[key];
  if (exact !== undefined) return exact;
  const memory =
    memoryPerDeviceGiB !== null && Number.isFinite(memoryPerDeviceGiB) ? memoryPerDeviceGiB : null;
  if (memory === null) return undefined;
  if (key === 'a100') return memory >= A100_80GB_MIN_GIB ? 'A100-80GB' : 'A100-40GB';
  if (key === 'v100') return memory >= V100_32GB_MIN_GIB ? 'V100-32GB' : 'V100-16GB';
  return undefined;
};
