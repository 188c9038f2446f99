import type { JsonValue } from '#contracts';
import type { SagaRegistry, SagaStatus, StepState } from '#saga-core';
import type { Database, SqlRunner } from '#postgres';
import { z } from 'zod';
import { InvalidCursorError } from '../application/saga-errors.js';
import { withinQueryBound } from './bounded-query.js';
import { queryCatalog, sagaQuerySql } from '../saga-query/saga-query.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import { auditLinesOf } from './audit-lines.js';
import type {
  HistoryEntry,
  SagaListQuery,
  SagaPage,
  SagaQueries,
  SagaSummary,
  SagaView,
  SagaViewOptions,
  StepView,
} from '../application/saga-queries.js';

/** The list's page size bounds; the HTTP layer refuses anything else before it gets here. */
const MAX_LIMIT = 200;

/** Where a page ends: the creation time (UTC, microseconds, as Postgres keeps it) and id of its last saga. */
export interface SagaCursor {
  readonly createdAt: string;
  readonly id: string;
}

const cursorSchema = z.strictObject({
  v: z.literal(1),
  t: z.string().regex(/^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
  id: z.guid(),
});

/** Encodes a cursor as opaque base64url text. */
export function encodeSagaCursor(cursor: SagaCursor): string {
  const json = JSON.stringify({ v: 1, t: cursor.createdAt, id: cursor.id });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodeSagaCursor}; throws {@link InvalidCursorError} for anything else. */
export function decodeSagaCursor(text: string): SagaCursor {
  if (!/^[A-Za-z0-9_-]{1,500}$/.test(text)) throw new InvalidCursorError();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const parsed = cursorSchema.safeParse(decoded);
  // A well-formed but impossible time (Feb 31) would make Postgres fail: refuse it here.
  if (!parsed.success || !isRealTime(parsed.data.t)) throw new InvalidCursorError();
  return { createdAt: parsed.data.t, id: parsed.data.id };
}

function isRealTime(iso: string): boolean {
  const time = new Date(iso);
  return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 23) === iso.slice(0, 23);
}

/** The columns of a saga's summary, as {@link SUMMARY_COLUMNS} selects them. */
export interface SummaryRow {
  id: string;
  saga_type: string;
  saga_version: number;
  status: SagaStatus;
  idempotency_key: string;
  created_at: Date;
  updated_at: Date;
}

interface ListRow extends SummaryRow {
  created_key: string;
}

interface ViewRow extends SummaryRow {
  traceparent: string | null;
  state: Partial<Record<'input' | 'context' | 'cause' | 'reason' | 'steps', unknown>>;
  /** The next wake-up of each step that has a pending timer (ISO time), by step id. */
  wakeups: Record<string, string> | null;
  history: Array<HistoryEntry>;
}

/** The columns a {@link SagaSummary} is read from (see toSummary). */
export const SUMMARY_COLUMNS = `id, saga_type, saga_version, status, idempotency_key, created_at, updated_at`;

/**
 * The most audit lines `GET /sagas/:id` shows, the latest: a step retried for days (after the
 * pivot, without end) would otherwise make every view read its whole log.
 */
export const HISTORY_LINES = 500;

// One statement, so the saga, its steps (in its state) and its history come from one snapshot.
const VIEW_SQL = `
  SELECT ${SUMMARY_COLUMNS}, state, trace_context->>'traceparent' AS traceparent,
    -- The pending timer (retry or reply timeout) is the truth: it carries the time scale.
    (SELECT json_object_agg(w.step_id, to_timestamp(w.due_ms / 1000)) FROM (
        -- A step's timer is keyed stepId:kind:attempt (saga-timers.ts); the deadline is not.
        SELECT substring(t.key FROM '^([^:]+):[^:]+:[0-9]+$') AS step_id,
          min((t.value->>'dueAt')::float8) AS due_ms
        FROM jsonb_each(s.timers) t WHERE t.key ~ '^[^:]+:[^:]+:[0-9]+$' GROUP BY 1) w)
      AS wakeups,
    -- The latest lines, and one more to tell whether earlier ones were left out.
    COALESCE((SELECT json_agg(json_build_object(
        'at', a.at, 'eventType', a.event_type, 'fromStatus', a.from_status,
        'toStatus', a.to_status, 'stepId', a.step_id, 'attempt', a.attempt,
        'actor', a.actor, 'applied', a.applied, 'detail', a.detail) ORDER BY a.id)
      FROM (SELECT * FROM ${auditLinesOf('s.id')} l ORDER BY l.id DESC LIMIT ${HISTORY_LINES + 1}) a),
      '[]') AS history
  FROM sagas s WHERE s.id = $1`;

/**
 * {@link SagaQueries} on the coordinator's Postgres tables, in raw SQL. Steps are listed in the
 * definition's declaration order when the registry knows the saga's version (jsonb does not keep
 * the key order of `state.steps`), else in the order of `state.steps`.
 */
export class PostgresSagaQueries implements SagaQueries {
  constructor(
    private readonly database: Database,
    private readonly registry?: Pick<SagaRegistry, 'get' | 'list'>,
    /** Opens or redacts sensitive fields; without it, input and context are shown as stored. */
    private readonly sensitive?: SensitiveData,
  ) {}

  async get(sagaId: string, options: SagaViewOptions = {}): Promise<SagaView | undefined> {
    const [row] = await this.database.query<ViewRow>(VIEW_SQL, [sagaId]);
    if (row === undefined) return undefined;
    const state = row.state;
    const saga = { sagaId: row.id, sagaType: row.saga_type, sagaVersion: row.saga_version };
    const shown = (value: unknown): JsonValue =>
      this.sensitive === undefined
        ? ((value ?? null) as JsonValue)
        : this.sensitive.view(saga, (value ?? null) as JsonValue, options.revealSensitive === true);
    return {
      ...toSummary(row),
      traceId: traceIdOf(row.traceparent),
      input: shown(state.input),
      context: shown(state.context),
      cause: (state.cause ?? null) as JsonValue,
      reason: typeof state.reason === 'string' ? state.reason : null,
      steps: this.orderSteps(row),
      // Read newest first, one more than shown: the oldest of them tells of earlier lines.
      history: row.history
        .slice(row.history.length > HISTORY_LINES ? 1 : 0)
        .map((entry) => ({ ...entry, at: toIso(entry.at) })),
      historyTruncated: row.history.length > HISTORY_LINES,
    };
  }

  async list(query: SagaListQuery): Promise<SagaPage> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
    if (query.sagaType !== undefined) where.push(`saga_type = ${param(query.sagaType)}`);
    if (query.createdFrom !== undefined) {
      where.push(`created_at >= ${param(query.createdFrom)}::timestamptz`);
    }
    if (query.createdTo !== undefined) {
      where.push(`created_at < ${param(query.createdTo)}::timestamptz`);
    }
    if (query.q !== undefined) {
      const filter = sagaQuerySql(query.q, queryCatalog(this.registry), params.length + 1);
      params.push(...filter.params);
      where.push(filter.where);
    }
    if (query.cursor !== undefined) {
      const after = decodeSagaCursor(query.cursor);
      where.push(
        `(created_at, id) < (${param(after.createdAt)}::timestamptz, ${param(after.id)}::uuid)`,
      );
    }
    const limit = param(query.limit + 1);
    const read = (sql: SqlRunner) =>
      sql.query<ListRow>(
        `SELECT ${SUMMARY_COLUMNS},
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key
       FROM sagas s ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
        params,
      );
    // Plain filters are bounded too: a status and a type that no saga has together walk an
    // index over the whole table.
    const rows =
      query.q === undefined
        ? await withinQueryBound(
            this.database,
            filterFieldsOf(query),
            read,
            undefined,
            'createdFrom, createdTo',
          )
        : await withinQueryBound(this.database, 'q', read);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const more = rows.length > query.limit && last !== undefined;
    return {
      items: page.map(toSummary),
      nextCursor: more ? encodeSagaCursor({ createdAt: last.created_key, id: last.id }) : null,
    };
  }

  /** The saga's steps, from its state, in the definition's declaration order. */
  private orderSteps(row: ViewRow): StepView[] {
    const steps = (row.state.steps ?? {}) as Record<string, StepState>;
    const declared = this.registry?.get(row.saga_type, row.saga_version)?.steps.map((s) => s.id);
    const order = [...new Set([...(declared ?? []), ...Object.keys(steps)])];
    return order.flatMap((stepId): StepView[] => {
      const step = steps[stepId];
      if (step === undefined) return [];
      const wakeup = row.wakeups?.[stepId];
      return [{ stepId, ...stepProjection(step), nextWakeupAt: wakeup ? toIso(wakeup) : null }];
    });
  }
}

/** The plain filters of the list, besides `q`. */
const LIST_FILTERS = ['status', 'sagaType', 'createdFrom', 'createdTo'] as const;

/** The plain filters a list was given, comma-separated (all of them when it was given none). */
function filterFieldsOf(query: SagaListQuery): string {
  const given = LIST_FILTERS.filter((field) => query[field] !== undefined);
  return (given.length > 0 ? given : LIST_FILTERS).join(', ');
}

/** A saga's summary from its row. */
export function toSummary(row: SummaryRow): SagaSummary {
  return {
    sagaId: row.id,
    sagaType: row.saga_type,
    sagaVersion: row.saga_version,
    status: row.status,
    idempotencyKey: row.idempotency_key,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** What the step view shows of a step's state: status, current attempt, last outcome. */
function stepProjection(step: StepState): Omit<StepView, 'stepId' | 'nextWakeupAt'> {
  const shown = (attempt: number, lastOutcome: unknown) => ({
    status: step.status,
    attempt,
    lastOutcome: (lastOutcome ?? null) as JsonValue | null,
  });
  switch (step.status) {
    case 'pending':
    case 'skipped':
      return shown(0, null);
    case 'running':
    case 'compensating':
      return shown(step.attempt, null);
    case 'backing-off':
    case 'compensation-backing-off':
      return shown(step.attempt, step.lastOutcome);
    case 'succeeded':
      return shown(step.attempts, { status: 'success' });
    case 'failed':
      return shown(step.attempts, step.outcome);
    case 'compensation-exhausted':
      return shown(step.attempts, step.lastOutcome);
    case 'outcome-unknown':
    case 'compensated':
      return shown(step.attempts, null);
  }
}

/** The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), if it is one. */
function traceIdOf(traceparent: string | null): string | null {
  const traceId = traceparent?.split('-')[1];
  return traceId !== undefined && /^[0-9a-f]{32}$/.test(traceId) ? traceId : null;
}

/** A time from pg (Date), from Postgres JSON (ISO with offset) or epoch ms, as ISO UTC. */
function toIso(value: Date | string | number): string {
  return new Date(value).toISOString();
}
