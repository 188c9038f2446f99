import type { Database } from '#postgres';
import type { HistoryEntry } from '../application/saga-queries.js';
import { auditLinesOf } from './audit-lines.js';

/** A line of the audit log with its position, the cursor to read on from. */
export interface AuditRecord extends HistoryEntry {
  /** Increasing within a saga's log (the row id, as text). */
  readonly seq: string;
}

/** A page of a saga's audit log, oldest first; `nextCursor` is null on the last page. */
export interface AuditPage {
  readonly sagaId: string;
  readonly items: readonly AuditRecord[];
  readonly nextCursor: string | null;
}

/** Reads a saga's audit log (append-only, in the order it was written). */
export class PostgresSagaAudit {
  constructor(private readonly database: Database) {}

  /** Up to `limit` lines after `after` (a `seq`); undefined when the saga does not exist. */
  async page(sagaId: string, limit: number, after?: string): Promise<AuditPage | undefined> {
    const rows = await this.database.query<{
      exists: boolean;
      seq: string | null;
      at: Date | null;
      event_type: string;
      from_status: string | null;
      to_status: string;
      step_id: string | null;
      attempt: number | null;
      actor: string | null;
      applied: boolean;
      detail: string;
    }>(
      // One statement: the saga's existence and the page from one snapshot.
      `SELECT EXISTS (SELECT 1 FROM sagas WHERE id = $1) AS exists, a.id::text AS seq, a.at,
         a.event_type, a.from_status, a.to_status, a.step_id, a.attempt, a.actor, a.applied, a.detail
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT * FROM ${auditLinesOf('$1', '$2::bigint')} lines
         ORDER BY id LIMIT $3) a ON true`,
      [sagaId, after ?? '0', limit + 1],
    );
    if (!rows[0]?.exists) return undefined;
    const items = rows
      .filter((row) => row.seq !== null)
      .map((row) => ({
        seq: row.seq!,
        at: new Date(row.at!).toISOString(),
        eventType: row.event_type,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        stepId: row.step_id,
        attempt: row.attempt,
        actor: row.actor,
        applied: row.applied,
        detail: row.detail,
      }));
    const page = items.slice(0, limit);
    return {
      sagaId,
      items: page,
      nextCursor: items.length > limit ? page[page.length - 1]!.seq : null,
    };
  }
}
