import { performance } from 'node:perf_hooks';

/**
 * How far back a reading must be, in ms, to be taken as the database's clock stepped back (an
 * NTP step): less is the readings' jitter, which the clock does not follow back.
 */
export const CLOCK_STEP_BACK_MS = 1_000;

/**
 * The database's clock as this process reads it without asking: a monotonic local clock plus
 * the offset seen at the last reading (a transaction's `now()`, read as it began), never going
 * back past a time it has seen or given, unless a reading says the database's clock stepped
 * back (CLOCK_STEP_BACK_MS): held at the time before the step, every decision would get that
 * one time until the clock caught up, its timers late by the step. Decisions that skip the
 * transaction take their time from it; it is off by the network's delay, and a step of the
 * local wall clock does not move it.
 */
export class DatabaseClock {
  private offset: number | undefined;
  private latest = -Infinity;

  constructor(private readonly local: () => number = monotonicEpochMs) {}

  /** Notes that the database's clock reads `databaseNow` (epoch ms) now. */
  observe(databaseNow: number): void {
    if (!Number.isFinite(databaseNow)) return;
    this.offset = databaseNow - this.local();
    const steppedBack = databaseNow < this.latest - CLOCK_STEP_BACK_MS;
    this.latest = steppedBack ? databaseNow : Math.max(this.latest, databaseNow);
  }

  /** Epoch ms on the database's clock; undefined until one reading was seen. */
  now(): number | undefined {
    if (this.offset === undefined) return undefined;
    this.latest = Math.max(this.latest, Math.floor(this.local() + this.offset));
    return this.latest;
  }
}

/** Epoch ms that only move forward, whatever happens to the wall clock after start-up. */
const monotonicEpochMs = (): number => performance.timeOrigin + performance.now();
