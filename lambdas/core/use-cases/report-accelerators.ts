import type { AcceleratorsOf } from '../accounting/instance-accelerators.js';
import type { PriceBook } from '../pricing/offer.js';

/**
 * The GPU model and count of each instance type a price book offers, as the cost report's
 * GPU-hours and `--group-by gpu-model` read them. Accounting does not read pricing, so the
 * callers (the CLI with the bundled book, the report Lambda with the stored one) hand it over.
 */
export const acceleratorsOfBook = (book: PriceBook): AcceleratorsOf => {
  const byType = new Map<string, { gpuModel: string; gpuCount: number }>();
  for (const o of book.offers)
    if (!byType.has(o.instanceType))
      byType.set(o.instanceType, { gpuModel: o.gpuModel, gpuCount: o.gpuCount });
  return (instanceType) => byType.get(instanceType);
};
