/**
 * A min-heap of timed items. Items due at the same instant come out in the order they were
 * pushed, so the twin never depends on how a sort happens to break ties.
 */
export class EventHeap<T> {
  readonly #items: { readonly at: number; readonly seq: number; readonly value: T }[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  push(at: number, value: T): void {
    const items = this.#items;
    items.push({ at, seq: this.#seq++, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** When the earliest item is due; `Infinity` when empty. */
  peekAt(): number {
    return this.#items[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest item when it is due at or before `at`. */
  popDue(at: number): T | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined || top.at > at) return undefined;
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#before(l, m)) m = l;
        if (r < items.length && this.#before(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top.value;
  }

  #before(a: number, b: number): boolean {
    const x = this.#items[a];
    const y = this.#items[b];
    if (x === undefined || y === undefined) return false;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const items = this.#items;
    const x = items[a];
    const y = items[b];
    if (x === undefined || y === undefined) return;
    items[a] = y;
    items[b] = x;
  }
}
