import type { Database } from '#postgres';
import { DEAD_LETTER_COLUMNS, toDeadLetterView, type DeadLetterRow } from './dead-letter-rows.js';
import { NO_SEALING, type DeadLetterSealer } from './dead-letter-sealer.js';
import type { DeadLetterListQuery, DeadLetterPage, DeadLetterView } from './dead-letter-views.js';

/** Reads recorded dead letters: one by id, or a page newest first (cursor = last id seen). */
export class DeadLetterQueries {
  constructor(
    private readonly database: Database,
    private readonly sealer: DeadLetterSealer = NO_SEALING,
  ) {}

  /** The dead letter with that id (a decimal string), or undefined; `reveal`: see toDeadLetterView. */
  async get(id: string, reveal = false): Promise<DeadLetterView | undefined> {
    const [row] = await this.database.query<DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = $1::bigint`,
      [id],
    );
    return row === undefined ? undefined : toDeadLetterView(row, this.sealer, reveal);
  }

  /** A page, newest first; the HTTP layer has bounded `limit` and checked `cursor` is an id. */
  async list(query: DeadLetterListQuery, reveal = false): Promise<DeadLetterPage> {
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (query.topic !== undefined) where.push(`topic = ${param(query.topic)}`);
    if (query.originalTopic !== undefined) {
      where.push(`original_topic = ${param(query.originalTopic)}`);
    }
    if (query.replayed !== undefined) {
      where.push(query.replayed ? 'replayed_at IS NOT NULL' : 'replayed_at IS NULL');
    }
    if (query.cursor !== undefined) where.push(`id < ${param(query.cursor)}::bigint`);
    const rows = await this.database.query<DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY dead_letters.id DESC LIMIT ${param(query.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
    return {
      items: page.map((row) => toDeadLetterView(row, this.sealer, reveal)),
      nextCursor: more ? page.at(-1)!.id : null,
    };
  }
}
