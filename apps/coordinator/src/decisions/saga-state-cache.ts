import { isTerminal } from '#saga-core';
import type { StoredSaga } from '../persistence/saga-rows.js';

/**
 * The latest committed state of the sagas this instance decided last, at most `capacity` of
 * them (the least recently used go first; an ended saga at once). An entry is a guess: a
 * decision made on it is written with its version check, and fails, writing nothing, if another
 * instance or path moved the saga meanwhile. It lets a reply's decision skip reading and
 * locking the row. Only states known to be committed go in: one whose commit is in doubt is
 * forgotten, never kept.
 */
export class SagaStateCache {
  private readonly entries = new Map<string, StoredSaga>();

  constructor(readonly capacity: number) {}

  /** The sagas of `sagaIds`, or undefined unless every one of them is here. */
  all(sagaIds: readonly string[]): Map<string, StoredSaga> | undefined {
    if (this.capacity === 0 || sagaIds.length === 0) return undefined;
    const found = new Map<string, StoredSaga>();
    for (const sagaId of sagaIds) {
      const saga = this.entries.get(sagaId);
      if (saga === undefined) return undefined;
      found.set(sagaId, saga);
    }
    for (const [sagaId, saga] of found) {
      // Map order is insertion order: moving an entry to the end marks it recently used.
      this.entries.delete(sagaId);
      this.entries.set(sagaId, saga);
    }
    return found;
  }

  /** Keeps committed states; an ended saga's is dropped (nothing waits on it). */
  remember(sagas: Iterable<StoredSaga>): void {
    if (this.capacity === 0) return;
    for (const saga of sagas) {
      const sagaId = saga.state.sagaId;
      this.entries.delete(sagaId);
      if (!isTerminal(saga.state)) this.entries.set(sagaId, saga);
    }
    for (const sagaId of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(sagaId);
    }
  }

  forget(sagaIds: Iterable<string>): void {
    for (const sagaId of sagaIds) this.entries.delete(sagaId);
  }

  get size(): number {
    return this.entries.size;
  }
}
