/**
 * Remembers since when each outbox row has failed with a never-sendable code, so that a row is
 * set aside only once its failure has lasted `persistMs` (a topic being created right now is
 * not poison). In memory: after a restart the wait starts again, which only delays.
 */
export class SendFailureTracker {
  private readonly since = new Map<string, number>();

  constructor(private readonly persistMs: number) {}

  /** Records a never-sendable failure of the row at `now` (ms); true once it has lasted long enough. */
  persisted(rowId: string, now: number): boolean {
    const first = this.since.get(rowId) ?? now;
    this.since.set(rowId, first);
    return now - first >= this.persistMs;
  }

  /** Whether the row has failed so before (and was neither sent nor set aside since). */
  has(rowId: string): boolean {
    return this.since.has(rowId);
  }

  /** Forgets a row (sent, or set aside). */
  forget(rowId: string): void {
    this.since.delete(rowId);
  }
}
