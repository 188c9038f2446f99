import { SagaCapacityError } from '../application/saga-errors.js';
import { Listeners } from '../common/listeners.js';

/**
 * The cap on sagas in flight (running or compensating, counted in the database, so the cap
 * holds across instances). At the cap, HTTP starts are refused with a 429 and the listeners
 * hear `true` (the `saga.start` consumer pauses: starts wait on the topic); below it, `false`.
 * The count is read every poll (see CapacityMonitor) and raised by each start in between, so
 * this instance's burst cannot pass the cap by more than the batch in hand.
 */
export class SagaAdmission {
  private inFlight = 0;
  private full = false;
  /** Starts noted since the count being read began: the read may not see them. */
  private startedDuringRead = 0;
  private readonly changes = new Listeners<boolean>();

  constructor(readonly limit: number) {}

  /** Calls `listener` with `true` when the cap is reached, `false` when there is room again. */
  onChange(listener: (full: boolean) => void): void {
    this.changes.subscribe(listener);
  }

  /** Call before reading the count from the database. */
  beginCount(): void {
    this.startedDuringRead = 0;
  }

  /**
   * The count the database gave since `beginCount`, plus the starts noted meanwhile (which it
   * may have missed: counting them twice errs on the safe side until the next count).
   */
  update(inFlight: number): void {
    this.inFlight = inFlight + this.startedDuringRead;
    this.evaluate();
  }

  /** Sagas started on this instance since the last count. */
  noteStarted(count: number): void {
    this.inFlight += count;
    this.startedDuringRead += count;
    this.evaluate();
  }

  get isFull(): boolean {
    return this.full;
  }

  get count(): number {
    return this.inFlight;
  }

  /** Whether the sagas in flight and `pending` starts more reach the cap. */
  isFullWith(pending: number): boolean {
    return this.inFlight + pending >= this.limit;
  }

  /** Throws the 429 error when the sagas in flight and `pending` starts more reach the cap. */
  assertRoom(pending = 0): void {
    if (this.isFullWith(pending))
      throw SagaCapacityError.atCap(this.inFlight + pending, this.limit);
  }

  private evaluate(): void {
    const full = this.inFlight >= this.limit;
    if (full === this.full) return;
    this.full = full;
    this.changes.emit(full);
  }
}
