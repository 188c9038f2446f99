/** Records and bytes per second, over the last second. */
export interface Rate {
  readonly records: number;
  readonly bytes: number;
}

const SLICES = 10;
const SLICE_MS = 1_000 / SLICES;

/**
 * How fast records come in: what was counted over the last second, in ten slices of 100 ms
 * (the current slice included, so a burst counts at once and is forgotten a second later; the
 * window is 0.9 to 1 s long, so a steady rate reads up to a tenth low).
 * Times are in ms on a monotonic clock (a time earlier than the last counts in the current
 * slice).
 */
export class ArrivalRate {
  private readonly records = new Float64Array(SLICES);
  private readonly bytes = new Float64Array(SLICES);
  /** The number of the slice last counted into (time ÷ slice length). */
  private slice = Number.NEGATIVE_INFINITY;

  add(nowMs: number, records: number, bytes: number): void {
    if (!this.advance(nowMs)) return;
    const index = sliceIndex(this.slice);
    this.records[index]! += records;
    this.bytes[index]! += bytes;
  }

  perSecond(nowMs: number): Rate {
    this.advance(nowMs);
    let records = 0;
    let bytes = 0;
    for (let index = 0; index < SLICES; index += 1) {
      records += this.records[index]!;
      bytes += this.bytes[index]!;
    }
    return { records, bytes };
  }

  /**
   * Empties the slices that have passed since the last count, up to the current one; false
   * (and nothing changed) for a time that is not a finite number.
   */
  private advance(nowMs: number): boolean {
    if (!Number.isFinite(nowMs)) return false;
    const current = Math.floor(nowMs / SLICE_MS);
    if (current <= this.slice) return true;
    const passed = Math.min(current - this.slice, SLICES);
    for (let step = 1; step <= passed; step += 1) {
      const index = sliceIndex(current - passed + step);
      this.records[index] = 0;
      this.bytes[index] = 0;
    }
    this.slice = current;
    return true;
  }
}

/** Where slice `n` is kept (n may be negative). */
function sliceIndex(n: number): number {
  return ((n % SLICES) + SLICES) % SLICES;
}
