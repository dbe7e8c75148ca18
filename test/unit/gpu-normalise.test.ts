import { describe, expect, it } from 'vitest';
import { GPU_MODELS } from '../../lambdas/core/jobs/gpu-model.js';
import { normaliseGpuModel } from '../../lambdas/core/pricing/gpu-normalise.js';

/**
 * Every distinct (accelerator_name, accelerator_name_raw, memory per device) triple in
 * ../shared/data/aws_gpu_instance_specs.csv, with the model it must map to.
 */
const SPEC_FILE_VALUES: readonly [string, string, number | null, string][] = [
  ['L4', 'l4', 22.352, 'L4'],
  ['L4', 'l4', 11.176, 'L4'],
  ['L4', 'l4', 5.588, 'L4'],
  ['L4', 'l4', 2.794, 'L4'],
  ['A10G', 'a10g', 22.352, 'A10G'],
  ['L40S', 'l40s', 44.703, 'L40S'],
  ['T4', 't4', 16, 'T4'],
  ['T4g', 't4g', 16, 'T4g'],
  ['RTXPRO4500', 'rtx-pro-4500', 32, 'RTXPRO4500'],
  ['RTXPRO6000', 'rtx-pro-server-6000', 96, 'RTXPRO6000'],
  ['RadeonProV520', 'radeon-pro-v520', 8, 'RadeonProV520'],
  ['Inferentia', 'inferentia', 8, 'Inferentia'],
  ['Inferentia2', 'inferentia2', 32, 'Inferentia2'],
  ['M60', 'NVIDIA M60', 8, 'M60'],
  ['M60', 'NVIDIA M60', null, 'M60'],
  ['K80', 'NVIDIA K80', 12, 'K80'],
  ['V100', 'V100', 16, 'V100-16GB'],
  ['V100-32GB', 'v100', 32, 'V100-32GB'],
  ['GB200', 'NVIDIA GB200 Grace Blackwell', 185, 'GB200'],
  ['K520', 'NVIDIA GRID K520', null, 'K520'],
  ['H100', 'h100', 80, 'H100'],
  ['H200', 'h200', 141, 'H200'],
  ['Trainium', 'trainium', 32, 'Trainium'],
  ['Trainium', 'trainium', null, 'Trainium'],
  ['Trainium2', 'trainium2', 96, 'Trainium2'],
  ['QualcommAI100', 'qualcomm-ai100', null, 'QualcommAI100'],
  ['A100', 'a100', 40, 'A100-40GB'],
  ['A100-80GB', 'a100', 80, 'A100-80GB'],
  ['B200', 'b200', 179.062, 'B200'],
  ['B300', 'b300', 268.594, 'B300'],
];

describe('normaliseGpuModel', () => {
  it.each(SPEC_FILE_VALUES)('maps the spec name %s (raw %s, %s GiB) to %s', (name, _raw, memory, model) => {
    expect(normaliseGpuModel(name, memory)).toBe(model);
  });

  it.each(SPEC_FILE_VALUES)(
    'maps the raw spelling of %s ("%s", %s GiB) to %s',
    (_name, raw, memory, model) => {
      expect(normaliseGpuModel(raw, memory)).toBe(model);
    },
  );

  it('maps every canonical model name to itself', () => {
    for (const model of GPU_MODELS) expect(normaliseGpuModel(model, null)).toBe(model);
  });

  it('splits A100 by name or by memory at 60 GiB', () => {
    expect(normaliseGpuModel('NVIDIA A100', 80)).toBe('A100-80GB');
    expect(normaliseGpuModel('a100', 59.9)).toBe('A100-40GB');
    expect(normaliseGpuModel('a100', 60)).toBe('A100-80GB');
    expect(normaliseGpuModel('A100-80GB', null)).toBe('A100-80GB');
  });

  it('splits V100 by name or by memory at 24 GiB', () => {
    expect(normaliseGpuModel('Tesla V100', 16)).toBe('V100-16GB');
    expect(normaliseGpuModel('v100', 32)).toBe('V100-32GB');
    expect(normaliseGpuModel('V100-32GB', null)).toBe('V100-32GB');
  });

  it('does not guess the size of a bare A100 or V100 whose memory is unknown', () => {
    expect(normaliseGpuModel('A100', null)).toBeUndefined();
    expect(normaliseGpuModel('V100', null)).toBeUndefined();
    expect(normaliseGpuModel('A100', Number.NaN)).toBeUndefined();
  });

  it('keeps look-alike names apart', () => {
    expect(normaliseGpuModel('t4g', 16)).toBe('T4g');
    expect(normaliseGpuModel('t4', 16)).toBe('T4');
    expect(normaliseGpuModel('l40s', 44.703)).toBe('L40S');
    expect(normaliseGpuModel('gb200', 185)).toBe('GB200');
    expect(normaliseGpuModel('b200', 179)).toBe('B200');
    expect(normaliseGpuModel('inferentia2', 32)).toBe('Inferentia2');
    expect(normaliseGpuModel('trainium2', 96)).toBe('Trainium2');
  });

  it('returns undefined for accelerators it does not know', () => {
    expect(normaliseGpuModel('Gaudi', 96)).toBeUndefined();
    expect(normaliseGpuModel('Xilinx VU9P', null)).toBeUndefined();
    expect(normaliseGpuModel('', null)).toBeUndefined();
    expect(normaliseGpuModel('A10', 24)).toBeUndefined();
  });
});
