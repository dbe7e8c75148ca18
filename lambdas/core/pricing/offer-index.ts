import type { GpuModel } from '../jobs/gpu-model.js';
import type { Offer } from './offer.js';

const byModelCache = new WeakMap<readonly Offer[], ReadonlyMap<GpuModel, readonly number[]>>();
const bySetCache = new WeakMap<readonly Offer[], Map<string, readonly Offer[]>>();
const byModelRegionCache = new WeakMap<
  readonly Offer[],
  ReadonlyMap<GpuModel, ReadonlyMap<string, readonly number[]>>
>();
const NONE: readonly number[] = [];

const positionsByModel = (offers: readonly Offer[]): ReadonlyMap<GpuModel, readonly number[]> => {
  let index = byModelCache.get(offers);
  if (index === undefined) {
    const built = new Map<GpuModel, number[]>();
    offers.forEach((offer, i) => {
      const list = built.get(offer.gpuModel);
      if (list === undefined) built.set(offer.gpuModel, [i]);
      else list.push(i);
    });
    index = built;
    byModelCache.set(offers, index);
  }
  return index;
};

/**
 * The offers whose accelerator is one of `models`, in the order of `offers`. The index behind it
 * is built once per offer list (a price book is immutable), so planning many jobs against one
 * book scans only the offers of the models each job accepts instead of the whole catalogue.
 */
export const offersWithModels = (
  offers: readonly Offer[],
  models: ReadonlySet<GpuModel>,
): readonly Offer[] => {
  let bySet = bySetCache.get(offers);
  if (bySet === undefined) {
    bySet = new Map();
    bySetCache.set(offers, bySet);
  }
  const key = [...models].sort().join(',');
  const cached = bySet.get(key);
  if (cached !== undefined) return cached;
  const index = positionsByModel(offers);
  const positions: number[] = [];
  for (const model of models) {
    const list = index.get(model);
    if (list !== undefined) for (const p of list) positions.push(p);
  }
  // Original order keeps every downstream tie-break (first deadline miss named) as before.
  positions.sort((a, b) => a - b);
  const found = positions.map((p) => offers[p] as Offer);
  bySet.set(key, found);
  return found;
};

/**
 * Positions in `offers` of the offers of one accelerator model in one region, ascending. Built
 * once per offer list, like `offersWithModels`: a job limited to a few regions then looks at a
 * few of the catalogue's offers instead of all of its models' offers everywhere.
 */
export const offerPositions = (
  offers: readonly Offer[],
  model: GpuModel,
  region: string,
): readonly number[] => {
  let index = byModelRegionCache.get(offers);
  if (index === undefined) {
    const built = new Map<GpuModel, Map<string, number[]>>();
    for (let i = 0; i < offers.length; i++) {
      const offer = offers[i] as Offer;
      let byRegion = built.get(offer.gpuModel);
      if (byRegion === undefined) {
        byRegion = new Map();
        built.set(offer.gpuModel, byRegion);
      }
      const list = byRegion.get(offer.region);
      if (list === undefined) byRegion.set(offer.region, [i]);
      else list.push(i);
    }
    index = built;
    byModelRegionCache.set(offers, index);
  }
  return index.get(model)?.get(region) ?? NONE;
};
