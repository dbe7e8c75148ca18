import type { Page, PageRequest } from './ports.js';

/** Items per page the use cases ask for. */
export const PAGE_SIZE = 100;

/**
 * Reads a paged listing to its end, or until `max` items: each request carries the previous
 * page's cursor, and never asks for more than `max` still allows.
 */
export const collectPages = async <T>(
  fetch: (page: PageRequest) => Promise<Page<T>>,
  max: number = Number.POSITIVE_INFINITY,
): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch({
      limit: Math.min(PAGE_SIZE, max - items.length),
      ...(cursor === undefined ? {} : { cursor }),
    });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && items.length < max);
  return items;
};
