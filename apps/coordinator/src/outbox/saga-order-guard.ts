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
   * unsent row outside this instance's published set. Rows of no saga (breaker events, route
   * changes) keep their order by topic and key the same way: a breaker's `closed` never
   * overtakes its `opened` whose send failed.
   */
  async publishable<T extends QueuedRow>(batch: readonly T[]): Promise<T[]> {
    // Each group's last row in the batch: every unsent row of the group below it must be in the
    // batch itself (it goes first, in id order) or published already.
    const inBatch = new Set(batch.map((queued) => queued.id));
    const lastOfGroup = new Map<string, T>();
    // Groups with an earlier row that may still be unsent: those are read again.
    const doubtful = new Set<string>();
    for (const queued of batch) {
      const group = groupOf(queued);
      lastOfGroup.set(group, queued);
      // A row of no saga does not know its earlier rows: its group is always read.
      const known = queued.unsentBefore?.every(
        (id) => inBatch.has(id) || this.publishedUnmarked.has(id),
      );
      if (known !== true || queued.sagaId === null) doubtful.add(group);
    }
    if (doubtful.size === 0) return [...batch];
    const held = await this.heldGroups(
      [...doubtful].map((group) => lastOfGroup.get(group)!),
      inBatch,
    );
    if (held.size === 0) return [...batch];
    return batch.filter((queued) => !held.has(groupOf(queued)));
  }

  /**
   * The groups (groupOf) among those of `lastRows` with an earlier row unsent, not in the batch
   * nor published here.
   */
  private async heldGroups(
    lastRows: readonly QueuedRow[],
    inBatch: ReadonlySet<string>,
  ): Promise<Set<string>> {
    this.checking = true;
    try {
      const parts: string[] = [];
      const parameters: string[] = [];
      const ofSagas = lastRows.filter((queued) => queued.sagaId !== null);
      if (ofSagas.length > 0) {
        parameters.push(
          JSON.stringify(ofSagas.map((queued) => ({ saga_id: queued.sagaId, last: queued.id }))),
        );
        parts.push(`SELECT o.saga_id::text AS grp, o.id::text AS id
          FROM jsonb_to_recordset($${parameters.length}::jsonb) AS x(saga_id uuid, last bigint)
          JOIN outbox o ON o.saga_id = x.saga_id AND o.sent_at IS NULL AND o.id < x.last`);
      }
      const ofNone = lastRows.filter((queued) => queued.sagaId === null);
      if (ofNone.length > 0) {
        parameters.push(
          JSON.stringify(
            ofNone.map((queued) => ({
              grp: groupOf(queued),
              topic: queued.row.topic,
              key: queued.row.key,
              last: queued.id,
            })),
          ),
        );
        parts.push(`SELECT x.grp, o.id::text AS id
          FROM jsonb_to_recordset($${parameters.length}::jsonb)
            AS x(grp text, topic text, key text, last bigint)
          JOIN outbox o ON o.saga_id IS NULL AND o.sent_at IS NULL AND o.id < x.last
            AND o.topic = x.topic AND o.message_key = x.key`);
      }
      const earlier = await this.database.query<{ grp: string; id: string }>(
        parts.join(' UNION ALL '),
        parameters,
      );
      return new Set(
        earlier
          .filter((row) => !inBatch.has(row.id) && !this.publishedUnmarked.has(row.id))
          .map((row) => row.grp),
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

/** What a row keeps its order within: its saga, or for a row of no saga its topic and key. */
export function groupOf(queued: Pick<QueuedRow, 'sagaId' | 'row'>): string {
  return queued.sagaId ?? `none:${queued.row.topic}:${queued.row.key}`;
}
