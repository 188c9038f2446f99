/**
 * Holds a load generator at a count the test chooses: `wait(index)` resolves once `release`
 * let through an index above it. Kills then happen after counts that are sure to be reached
 * (every released saga gets started), with more load still to come, instead of at a level of
 * load the machine may or may not reach in time.
 */
export class LoadGate {
  private released: number;
  private waiters: { index: number; resolve: () => void }[] = [];

  /** @param initially how many indices (0 … initially-1) pass at once. */
  constructor(initially: number) {
    this.released = initially;
  }

  /** How many indices pass now. */
  get limit(): number {
    return this.released;
  }

  /** Lets indices below `upTo` pass (never fewer than before). */
  release(upTo: number): void {
    this.released = Math.max(this.released, upTo);
    const ready = this.waiters.filter((waiter) => waiter.index < this.released);
    this.waiters = this.waiters.filter((waiter) => waiter.index >= this.released);
    ready.forEach((waiter) => waiter.resolve());
  }

  /** Resolves once `index` may pass. */
  wait(index: number): Promise<void> {
    if (index < this.released) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ index, resolve }));
  }
}
