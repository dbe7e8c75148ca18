import type { Clock } from '../../lambdas/core/ports.js';

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #ms: number;

  constructor(start = '2026-03-01T12:00:00.000Z') {
    this.#ms = Date.parse(start);
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves time forward; returns the new instant as ISO. */
  advance(ms: number): string {
    this.#ms += ms;
    return this.now().toISOString();
  }

  set(iso: string): void {
    this.#ms = Date.parse(iso);
  }
}
