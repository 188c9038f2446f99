import { performance } from 'node:perf_hooks';

/**
 * The database's clock as this process reads it without asking: a monotonic local clock plus
 * the offset seen at the last reading (a transaction's `now()`, read as it began), never going
 * back past a time it has seen or given. Decisions that skip the transaction take their time
 * from it; it is off by the network's delay, and a step of the wall clock does not move it.
 */
export class DatabaseClock {
  private offset: number | undefined;
  private latest = -Infinity;

  constructor(private readonly local: () => number = monotonicEpochMs) {}

  /** Notes that the database's clock reads `databaseNow` (epoch ms) now. */
  observe(databaseNow: number): void {
    if (!Number.isFinite(databaseNow)) return;
    this.offset = databaseNow - this.local();
    this.latest = Math.max(this.latest, databaseNow);
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
