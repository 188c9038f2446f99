import { Listeners } from './listeners.js';

/**
 * In-process hints that a committed decision left work behind: a timer that falls due at a
 * given time, or held commands that may be released. Hints only: the timer poller and the
 * capacity monitor also poll, so a lost hint (or another instance's commit) costs latency,
 * never correctness. (Outbox rows need no hint: the fast path publishes them after the commit.)
 */
export class WorkSignals {
  private readonly timers = new Listeners<number>();
  private readonly held = new Listeners<void>();

  /**
   * Calls `listener` with the due time of each timer committed, in epoch ms on this process's
   * clock (the timer itself is due on the database's).
   */
  onTimer(listener: (dueAt: number) => void): void {
    this.timers.subscribe(listener);
  }

  /** Calls `listener` when commands were held, or outcomes came in that may let them go. */
  onHeldWork(listener: () => void): void {
    this.held.subscribe(listener);
  }

  heldWorkChanged(): void {
    this.held.emit();
  }

  timerCommitted(dueAt: number): void {
    this.timers.emit(dueAt);
  }
}
