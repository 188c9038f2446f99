import type { Database, SqlRunner } from '#postgres';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { withoutClientTracing } from '#tracing';
import { UnsealError } from '../security/field-cipher.js';
import {
  DeadLetterNotFoundError,
  DeadLetterNotReplayableError,
  ReplayPublishError,
} from './dead-letter-errors.js';
import { replayTopicProblem, toReplayMessage } from './dead-letter-record.js';
import {
  DEAD_LETTER_COLUMNS,
  originalValue,
  toDeadLetterView,
  type DeadLetterRow,
} from './dead-letter-rows.js';
import { NO_SEALING, type DeadLetterSealer } from './dead-letter-sealer.js';
import { unescapedRow } from './dead-letter-text.js';
import { REPLAYABLE_ORIGIN_SQL } from './dead-letter-topics.js';
import type { DeadLetterView, ReplayAnswer } from './dead-letter-views.js';

/** Options of {@link DeadLetterReplayer}. */
export interface DeadLetterReplayerOptions {
  /** Dead letters republished per publish call and transaction in a bulk replay (default 100). */
  readonly chunkSize?: number;
  /** Most dead letters one bulk replay republishes; the answer says when more wait (default 1000). */
  readonly maxPerCall?: number;
}

/**
 * Republishes dead letters to their original topic, the one their dead-letter topic belongs to
 * (never one their `dlq-original-topic` header names otherwise: such a dead letter is refused,
 * and a bulk replay leaves it alone): original key, value and headers, without the `dlq-*`
 * ones, its trace context included. A row is marked replayed (time, actor, count) in the same transaction that holds its
 * row lock, and only once the broker acknowledged the publish: a failed publish rolls back and
 * the dead letter stays replayable. Once republished, a message is an ordinary
 * message again: the consumers validate and dedupe it as any other.
 */
export class DeadLetterReplayer {
  private readonly chunkSize: number;
  private readonly maxPerCall: number;

  constructor(
    private readonly database: Database,
    private readonly publisher: MessagePublisher,
    options: DeadLetterReplayerOptions = {},
    private readonly sealer: DeadLetterSealer = NO_SEALING,
  ) {
    this.chunkSize = options.chunkSize ?? 100;
    this.maxPerCall = options.maxPerCall ?? 1_000;
  }

  /** Replays one dead letter, replayed before or not; resolves with it as now recorded. */
  async replayOne(id: string, actor: string, reveal = false): Promise<DeadLetterView> {
    return this.database.transaction(async (sql) => {
      const [row] = await sql.query<DeadLetterRow>(
        `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = $1::bigint FOR UPDATE`,
        [id],
      );
      if (row === undefined) throw new DeadLetterNotFoundError(id);
      const misdirected = replayTopicProblem(unescapedOrigin(row));
      if (misdirected !== undefined) {
        throw new DeadLetterNotReplayableError(
          `dead letter ${id} cannot be replayed: ${misdirected}`,
        );
      }
      if (row.value_truncated) {
        throw new DeadLetterNotReplayableError(
          `dead letter ${id} cannot be replayed: its value was cut, or left out as too large for its dead-letter topic`,
        );
      }
      if (row.bytes_replaced) {
        throw new DeadLetterNotReplayableError(
          `dead letter ${id} cannot be replayed: its key, value or a header held bytes that are not valid UTF-8, stored as U+FFFD; a replay would send other bytes than the original, which its consumer refused for that reason; have its sender send it again as UTF-8`,
        );
      }
      if (row.value_redacted) {
        throw new DeadLetterNotReplayableError(
          row.value === null
            ? `dead letter ${id} cannot be replayed: its value was dropped when it was dead-lettered, as it could not be checked for sensitive fields; send the request again`
            : `dead letter ${id} cannot be replayed: its sensitive fields were redacted when it was dead-lettered; send it again with its real values`,
        );
      }
      const [message] = this.replayMessages([row]);
      if (message instanceof UnsealError) {
        throw new DeadLetterNotReplayableError(
          `dead letter ${id} cannot be replayed now: its sealed value does not open (${message.message}); restore its key to the keyring`,
        );
      }
      await this.publish([message!]);
      const [updated] = await markReplayed(sql, [row.id], actor);
      return toDeadLetterView(updated!, this.sealer, reveal);
    });
  }

  /**
   * Replays the dead letters never replayed (those of `originalTopic` only, when given; those
   * after id `after` only, when given), oldest first, in chunks; stops after taking
   * `maxPerCall` (replayed, or passed by as unopenable). Ones whose value was cut or redacted, or
   * whose bytes were replaced, are left alone, and so are those whose recorded original topic is not the one their
   * dead-letter topic belongs to (see replayTopicProblem). When more wait, the answer's
   * `resumeAfter` is the last id taken: a call given it goes on past the ones passed by, so
   * a thousand that do not open hold no later one back. On a failed publish, the chunks
   * already acknowledged stay replayed and the error says how many.
   */
  async replayPending(
    actor: string,
    originalTopic?: string,
    after?: string,
  ): Promise<ReplayAnswer> {
    const replayed: string[] = [];
    const unopenable: string[] = [];
    let position = after ?? '0';
    // Every dead letter taken counts against the bound, those that do not open too.
    while (replayed.length + unopenable.length < this.maxPerCall) {
      const limit = Math.min(this.chunkSize, this.maxPerCall - replayed.length - unopenable.length);
      let chunk: ReplayedChunk;
      try {
        chunk = await this.replayChunk(actor, limit, position, originalTopic);
      } catch (error) {
        if (error instanceof ReplayPublishError && replayed.length > 0) {
          throw new ReplayPublishError(
            `${error.message} (${replayed.length} dead letter(s) were replayed before it)`,
          );
        }
        throw error;
      }
      replayed.push(...chunk.replayed);
      unopenable.push(...chunk.unopenable);
      // Fewer than asked for: none left but those a concurrent replay holds (it replays them).
      if (chunk.taken < limit) return { replayed, more: false, unopenable, resumeAfter: null };
      position = chunk.lastId;
    }
    const more = await this.hasPending(position, originalTopic);
    return { replayed, more, unopenable, resumeAfter: more ? position : null };
  }

  /**
   * Replays up to `limit` pending dead letters after id `after`, in one transaction; one whose
   * value does not open is left pending, and said.
   */
  private replayChunk(
    actor: string,
    limit: number,
    after: string,
    originalTopic?: string,
  ): Promise<ReplayedChunk> {
    return this.database.transaction(async (sql) => {
      const rows = await sql.query<DeadLetterRow>(
        `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters
         WHERE ${pendingFilter(originalTopic, 3)} AND id > $2::bigint
         ORDER BY dead_letters.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        originalTopic === undefined ? [limit, after] : [limit, after, originalTopic],
      );
      const messages = this.replayMessages(rows);
      const unopenable = rows.filter((_, i) => messages[i] instanceof UnsealError);
      const replayable = rows.filter((_, i) => !(messages[i] instanceof UnsealError));
      const ids = replayable.map((row) => String(row.id));
      if (replayable.length > 0) {
        await this.publish(
          messages.filter((m): m is OutgoingMessage => !(m instanceof UnsealError)),
        );
        await markReplayed(sql, ids, actor);
      }
      return {
        taken: rows.length,
        lastId: rows.at(-1)?.id ?? after,
        replayed: ids,
        unopenable: unopenable.map((row) => String(row.id)),
      };
    });
  }

  private async hasPending(after: string, originalTopic?: string): Promise<boolean> {
    const rows = await this.database.query<unknown>(
      `SELECT 1 FROM dead_letters
       WHERE ${pendingFilter(originalTopic, 2)} AND id > $1::bigint LIMIT 1`,
      originalTopic === undefined ? [after] : [after, originalTopic],
    );
    return rows.length > 0;
  }

  /** Each row's message to replay, or the UnsealError of a row whose sealed value does not open. */
  private replayMessages(rows: readonly DeadLetterRow[]): (OutgoingMessage | UnsealError)[] {
    return rows.map((stored) => {
      const row = unescapedRow(stored);
      let value: string | null;
      try {
        value = originalValue(stored, this.sealer);
      } catch (error) {
        if (error instanceof UnsealError) return error;
        throw error;
      }
      // Throws for a row whose original topic disagrees with its dead-letter topic's; the
      // pending filter keeps those out of a bulk replay.
      return toReplayMessage({
        topic: row.topic,
        originalTopic: row.original_topic,
        key: row.message_key,
        headers: row.headers,
        value,
      });
    });
  }

  private async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    try {
      // The replay continues the trace its message carries: the Kafka client's instrumentation
      // would give it a new one.
      await withoutClientTracing(() => this.publisher.publish(messages));
    } catch {
      // The cause may name brokers or carry message content: it stays out of the answer.
      throw new ReplayPublishError(
        'the broker did not acknowledge the replay; the dead letter(s) stay replayable: try again',
      );
    }
  }
}

/** What one chunk of a bulk replay did: rows taken, replayed, and left as their value does not open. */
interface ReplayedChunk {
  readonly taken: number;
  /** The id of the last row taken (the position given when none was). */
  readonly lastId: string;
  readonly replayed: string[];
  readonly unopenable: string[];
}

function pendingFilter(originalTopic: string | undefined, parameter: number): string {
  const topic = originalTopic === undefined ? '' : ` AND original_topic = $${parameter}`;
  return `replayed_at IS NULL AND NOT value_truncated AND NOT value_redacted AND NOT bytes_replaced AND ${REPLAYABLE_ORIGIN_SQL}${topic}`;
}

/** The row's dead-letter topic and original topic as they were received (see unescapedRow). */
function unescapedOrigin(stored: DeadLetterRow): { topic: string; originalTopic: string } {
  const row = unescapedRow(stored);
  return { topic: row.topic, originalTopic: row.original_topic };
}

function markReplayed(sql: SqlRunner, ids: readonly string[], actor: string) {
  return sql.query<DeadLetterRow>(
    `UPDATE dead_letters
     SET replayed_at = now(), replayed_by = $2, replay_count = replay_count + 1
     WHERE id = ANY($1::bigint[]) RETURNING ${DEAD_LETTER_COLUMNS}`,
    [ids, actor],
  );
}
