import type { Database } from '#postgres';
import type { OutboxRow } from '../persistence/saga-rows.js';

/** A committed outbox row waiting in the fast path's queue. */
export interface QueuedRow {
  /** The row's id (bigint as text): ids of one saga grow in the order it was decided. */
  readonly id: string;
  readonly sagaId: string | null;
  readonly row: OutboxRow;
  /**
   * The ids of its saga's rows that were unsent when it was written (read in the same
   * statement: writeDecision); absent when not known.
   */
  readonly unsentBefore?: readonly string[];
}

/**
 * Keeps each saga's messages in the order they were decided when the fast path publishes: a
 * saga's rows may go only if none of its earlier rows is still unsent, whoever wrote them (a
 * send that failed here, another instance's decision, a row the relay has not taken yet).
 * Rows this instance published but has not removed or marked sent yet count as sent. A saga held back
 * here is left whole to the relay, which publishes a lane's rows in id order.
 *
 * Why: a compensation that overtakes its own command reaches the participant first, finds
 * nothing to undo, and the command is applied afterwards, never to be undone.
 *
 * A row that says which earlier rows were unsent when it was written is judged without a query
 * when each of them is in the batch or published here: rows only ever go from unsent to sent
 * (or removed, which reads as sent), and no earlier row of its saga can have appeared since: its
saga was locked, or its version checked, when the row was written, and every write of a saga's
rows moves that version. Only the others are read again.
 */
export class SagaOrderGuard {
  /** Ids published by this instance whose removal or sent mark has not committed yet. */
  private readonly publishedUnmarked = new Set<string>();
  /** Ids marked while a check was reading: dropped from the set once it has decided. */
  private markedDuringCheck: string[] = [];
  private checking = false;

  constructor(private readonly database: Database) {}

  /**
   * The rows of `batch` (in id order) that may be published now: those of sagas with no earlier
   * unsent row outside this instance's published set. Rows of no saga always may.
   */
  async publishable<T extends QueuedRow>(batch: readonly T[]): Promise<T[]> {
    // Each saga's last row in the batch: every unsent row of the saga below it must be in the
    // batch itself (it goes first, in id order) or published already.
    const inBatch = new Set(batch.map((queued) => queued.id));
    const lastOfSaga = new Map<string, T>();
    // Sagas with an earlier row that may still be unsent: those are read again.
    const doubtful = new Set<string>();
    for (const queued of batch) {
      if (queued.sagaId === null) continue;
      lastOfSaga.set(queued.sagaId, queued);
      const known = queued.unsentBefore?.every(
        (id) => inBatch.has(id) || this.publishedUnmarked.has(id),
      );
      if (known !== true) doubtful.add(queued.sagaId);
    }
    if (doubtful.size === 0) return [...batch];
    const held = await this.heldSagas(
      [...doubtful].map((sagaId) => lastOfSaga.get(sagaId)!),
      inBatch,
    );
    if (held.size === 0) return [...batch];
    return batch.filter((queued) => queued.sagaId === null || !held.has(queued.sagaId));
  }

  /** The sagas among those of `lastRows` with an earlier row unsent, not in the batch nor published here. */
  private async heldSagas(
    lastRows: readonly QueuedRow[],
    inBatch: ReadonlySet<string>,
  ): Promise<Set<string>> {
    this.checking = true;
    try {
      const earlier = await this.database.query<{ saga_id: string; id: string }>(
        `SELECT o.saga_id::text AS saga_id, o.id::text AS id
         FROM jsonb_to_recordset($1::jsonb) AS x(saga_id uuid, last bigint)
         JOIN outbox o ON o.saga_id = x.saga_id AND o.sent_at IS NULL AND o.id < x.last`,
        [JSON.stringify(lastRows.map((queued) => ({ saga_id: queued.sagaId, last: queued.id })))],
      );
      return new Set(
        earlier
          .filter((row) => !inBatch.has(row.id) && !this.publishedUnmarked.has(row.id))
          .map((row) => row.saga_id),
      );
    } finally {
      this.checking = false;
      this.forget(this.markedDuringCheck);
      this.markedDuringCheck = [];
    }
  }

  /** Notes rows this instance has just published (the broker acknowledged them). */
  published(ids: readonly string[]): void {
    for (const id of ids) this.publishedUnmarked.add(id);
  }

  /**
   * Notes that the sent mark of `ids` has committed (or failed: the rows then look unsent and
   * hold their sagas back until the relay has published them again, in order).
   */
  marked(ids: readonly string[]): void {
    // A check reading now may have seen these rows unsent: keep them until it has decided.
    if (this.checking) this.markedDuringCheck.push(...ids);
    else this.forget(ids);
  }

  private forget(ids: readonly string[]): void {
    for (const id of ids) this.publishedUnmarked.delete(id);
  }
}
