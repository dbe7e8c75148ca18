import type { Clock } from '../core/ports.js';

/**
 * The only time the twin's use-cases see: it stands still while a step runs and moves only when
 * the driver advances it to the next event, so a run is reproducible to the millisecond.
 */
export class SimulatedClock implements Clock {
  #ms: number;

  constructor(startMs: number) {
    if (!Number.isFinite(startMs)) throw new RangeError(`SimulatedClock: start ${startMs} is not an instant`);
    this.#ms = startMs;
  }

  now(): Date {
    return new Date(this.#ms);
  }

  nowMs(): number {
    return this.#ms;
  }

  /** Moves to `ms`; never backwards, because events already delivered cannot be undone. */
  advanceTo(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`SimulatedClock: ${ms} is not an instant`);
    if (ms > this.#ms) this.#ms = ms;
  }
}
