/**
 * In-process hints that a committed decision left work behind: outbox rows to publish, a
 * timer that falls due at a given time, or held commands that may be released. Hints only: the relay and the timer poller also poll,
 * so a lost hint (or another instance's commit) costs latency, never correctness.
 */
export class WorkSignals {
  private readonly outboxListeners: (() => void)[] = [];
  private readonly timerListeners: ((dueAt: number) => void)[] = [];
  private readonly heldListeners: (() => void)[] = [];

  /** Calls `listener` whenever outbox rows were committed. */
  onOutbox(listener: () => void): void {
    this.outboxListeners.push(listener);
  }

  /** Calls `listener` with the due time (epoch ms, database clock) of each timer committed. */
  onTimer(listener: (dueAt: number) => void): void {
    this.timerListeners.push(listener);
  }

  /** Calls `listener` when commands were held, or outcomes came in that may let them go. */
  onHeldWork(listener: () => void): void {
    this.heldListeners.push(listener);
  }

  heldWorkChanged(): void {
    for (const listener of this.heldListeners) listener();
  }

  outboxCommitted(): void {
    for (const listener of this.outboxListeners) listener();
  }

  timerCommitted(dueAt: number): void {
    for (const listener of this.timerListeners) listener(dueAt);
  }
}
