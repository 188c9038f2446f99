import type { Clock } from '../ports/clock.port.js';

/** A clock that only moves when told to, so tests run in virtual time and never sleep. */
export class VirtualClock implements Clock {
  private current: number;

  /** Starts at `start` epoch ms (default 0). */
  constructor(start = 0) {
    this.current = start;
  }

  /** The current virtual time in epoch ms. */
  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` (≥ 0) and returns the new time. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    this.current += ms;
    return this.current;
  }

  /** Moves time forward to `at` if it lies ahead; never moves it back. */
  advanceTo(at: number): number {
    this.current = Math.max(this.current, at);
    return this.current;
  }
}
