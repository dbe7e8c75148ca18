import { describe, expect, it } from 'vitest';
import { collectPages, PAGE_SIZE } from '../../lambdas/core/paging.js';
import type { Page, PageRequest } from '../../lambdas/core/ports.js';

/** A listing of `total` numbers served in pages of at most `limit`, with numeric cursors. */
const listing = (total: number) => {
  const requests: PageRequest[] = [];
  const fetch = async (page: PageRequest): Promise<Page<number>> => {
    requests.push(page);
    const from = page.cursor === undefined ? 0 : Number(page.cursor);
    const to = Math.min(total, from + (page.limit ?? PAGE_SIZE));
    const items = Array.from({ length: to - from }, (_, i) => from + i);
    return to < total ? { items, cursor: String(to) } : { items };
  };
  return { fetch, requests };
};

describe('collectPages', () => {
  it('follows the cursor to the end of the listing, in order', async () => {
    const { fetch, requests } = listing(250);
    const items = await collectPages(fetch);
    expect(items).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(requests).toEqual([{ limit: 100 }, { limit: 100, cursor: '100' }, { limit: 100, cursor: '200' }]);
  });

  it('stops at max and never asks for more than max still allows', async () => {
    const { fetch, requests } = listing(250);
    const items = await collectPages(fetch, 130);
    expect(items).toHaveLength(130);
    expect(requests.map((r) => r.limit)).toEqual([100, 30]);
  });

  it('returns nothing for an empty listing after one request', async () => {
    const { fetch, requests } = listing(0);
    expect(await collectPages(fetch)).toEqual([]);
    expect(requests).toHaveLength(1);
  });
});
