import { SagaCapacityError } from '../application/saga-errors.js';

/**
 * The cap on sagas in flight (running or compensating, counted in the database, so the cap
 * holds across instances). At the cap, `onChange(true)` pauses the `saga.start` consumer
 * (starts wait on the topic) and HTTP starts are refused with a 429; below it, `onChange(false)`.
 * The count is read every poll and raised by each start in between, so a burst cannot pass
 * the cap by more than the batch in hand.
 */
export class SagaAdmission {
  private inFlight = 0;
  private full = false;

  constructor(
    readonly limit: number,
    private readonly onChange: (full: boolean) => void,
  ) {}

  /** The latest count from the database. */
  update(inFlight: number): void {
    this.inFlight = inFlight;
    this.evaluate();
  }

  /** Sagas started on this instance since the last count. */
  noteStarted(count: number): void {
    this.inFlight += count;
    this.evaluate();
  }

  get isFull(): boolean {
    return this.full;
  }

  get count(): number {
    return this.inFlight;
  }

  /** Throws the 429 error when at the cap. */
  assertRoom(): void {
    if (this.full) throw new SagaCapacityError(this.inFlight, this.limit, 1);
  }

  private evaluate(): void {
    const full = this.inFlight >= this.limit;
    if (full === this.full) return;
    this.full = full;
    this.onChange(full);
  }
}
