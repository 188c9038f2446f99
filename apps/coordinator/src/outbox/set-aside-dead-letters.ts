import type { SqlRunner } from '#postgres';
import { MAX_DEAD_LETTER_VALUE_BYTES } from '../common/dead-letter-limits.js';
import { rowHeaders } from '../persistence/outbox-headers.js';
import type { StoredOutboxRow } from './set-aside-rows.js';

/** A row set aside that was moved to the dead letters. */
export interface DeadLetteredRow {
  readonly id: string;
  readonly sagaId: string | null;
  readonly topic: string;
  /** The id of its dead letter. */
  readonly deadLetterId: string;
  /** How many times it was tried again after it was first set aside. */
  readonly tries: number;
  /** Why it could not be sent, as it was set aside for. */
  readonly cause: string;
}

interface SpentRow extends StoredOutboxRow {
  set_aside_reason: string | null;
  set_aside_at: Date;
  set_aside_retries: number;
}

/**
 * Moves to the dead letters the rows set aside at least `afterMs` ago that stop no saga (of no
 * saga: breaker events; of a saga that ended, or is gone) and were tried again `retries` times
 * already (see releaseUnheldSetAside): their cause was not fixed meanwhile. Each is deleted from
 * the outbox, so the rows that waited behind it go, and recorded in `dead_letters` as if read
 * from `<topic>.dlq`, with no partition nor offset (it never reached Kafka): its key, headers
 * and value as the relay would have sent them, its reason, and when it last failed. From there
 * an operator replays it once the cause is fixed (POST /dead-letters/:id/replay). Such rows are
 * events, never sealed: a payload sealed whole (a command of a saga deleted by hand) stays sealed.
 * A row of a saga still running (its state does not open, so it was not marked stuck) holds
 * that saga: it is left to be tried again. Call inside a transaction; resolves with the rows moved.
 */
export async function deadLetterSpentSetAside(
  sql: SqlRunner,
  afterMs: number,
  retries: number,
): Promise<DeadLetteredRow[]> {
  const spent = await sql.query<SpentRow>(
    `DELETE FROM outbox o
     WHERE o.set_aside_at IS NOT NULL AND o.set_aside_at <= now() - make_interval(secs => $1)
       AND coalesce(o.set_aside_retries, 0) >= $2
       AND NOT EXISTS (SELECT 1 FROM sagas s
         WHERE s.id = o.saga_id AND s.status NOT IN ('completed', 'compensated'))
     RETURNING o.id::text AS id, o.saga_id::text AS saga_id, o.topic, o.message_key, o.headers,
       o.headers_from, o.payload, o.set_aside_reason, o.set_aside_at,
       coalesce(o.set_aside_retries, 0) AS set_aside_retries`,
    [afterMs / 1000, retries],
  );
  const moved: DeadLetteredRow[] = [];
  for (const row of spent.sort((a, b) => Number(a.id) - Number(b.id))) {
    const cause = row.set_aside_reason ?? 'no reason recorded';
    const tries = row.set_aside_retries;
    const reason = `never sent (set aside, then tried again ${tries} times): ${cause}`;
    const value = JSON.stringify(row.payload);
    const fits = Buffer.byteLength(value, 'utf8') <= MAX_DEAD_LETTER_VALUE_BYTES;
    const [recorded] = await sql.query<{ id: string }>(
      `INSERT INTO dead_letters (topic, original_topic, message_key, headers, value,
         value_truncated, reason, failed_at)
       VALUES ($1 || '.dlq', $1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
      [
        row.topic,
        row.message_key,
        JSON.stringify(sentHeaders(row)),
        fits ? value : null,
        !fits,
        reason,
        row.set_aside_at,
      ],
    );
    const { id, saga_id: sagaId, topic } = row;
    moved.push({ id, sagaId, topic, deadLetterId: recorded!.id, tries, cause });
  }
  return moved;
}

/**
 * The row's headers as the relay would have sent them; the stored ones alone when its payload
 * does not give the rest (a rule of a later release): a dead letter is recorded all the same.
 */
function sentHeaders(row: SpentRow): Record<string, string> {
  try {
    return rowHeaders(row.headers_from, row.headers, row.payload);
  } catch {
    return row.headers;
  }
}
