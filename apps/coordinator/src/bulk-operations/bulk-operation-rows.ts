import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '#postgres';
import type { SagaStatus } from '#saga-core';
import { InvalidCursorError, InvalidSagaQueryError } from '../application/saga-errors.js';
import type { SagaSummary } from '../application/saga-queries.js';
import {
  SUMMARY_COLUMNS,
  toSummary,
  type SummaryRow,
} from '../persistence/saga-queries.postgres.js';
import { sagaQuerySql, type QueryCatalog } from '../saga-query/saga-query.js';

/** What a bulk operation does to each saga: cancel it, resume it, or retry one of its steps. */
export type BulkAction = 'cancel' | 'resume' | 'retry';

/** The most sagas one operation may act on: a query matching more must be narrowed. */
export const MAX_BULK_TARGETS = 100_000;

/** How many refusals an operation keeps to show (the count covers them all). */
const KEPT_REFUSALS = 20;

/** The statuses each action applies to: other sagas the query matches are left out. */
export const ELIGIBLE: Record<BulkAction, readonly SagaStatus[]> = {
  cancel: ['running'],
  resume: ['stuck'],
  retry: ['running', 'compensating', 'stuck'],
};

/** A bulk operation as asked for. */
export interface BulkRequest {
  readonly action: BulkAction;
  readonly query: string;
  readonly reason: string;
  /** The step to retry (`retry` only). */
  readonly stepId?: string;
}

/** What a dry run found: how many sagas the action would touch, and what the query selects. */
export interface BulkPreview {
  readonly dryRun: true;
  readonly action: BulkAction;
  readonly query: string;
  /** The sagas the query selects whose status the action applies to. */
  readonly matched: number;
  /** Every saga the query selects, by status (those the action skips included). */
  readonly byStatus: Partial<Record<SagaStatus, number>>;
  /** Up to 10 of the matched sagas, newest first. */
  readonly sample: readonly SagaSummary[];
}

/** A bulk operation and its progress. */
export interface BulkOperationView {
  readonly operationId: string;
  readonly action: BulkAction;
  readonly query: string;
  readonly reason: string;
  readonly stepId: string | null;
  readonly actor: string;
  /** `running` until every target is acted on (`done`) or an operator stops it (`stopped`). */
  readonly status: 'running' | 'done' | 'stopped';
  readonly matched: number;
  readonly applied: number;
  /** Sagas the engine refused (they had moved on since the query, e.g. completed). */
  readonly refused: number;
  /** Not yet acted on (on a stopped operation: never will be). */
  readonly remaining: number;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** The first refusals, with the engine's reason. */
  readonly refusals: readonly { readonly sagaId: string; readonly reason: string }[];
}

/** The query's condition, with the action's statuses, numbering parameters from `first`. */
function targetCondition(request: BulkRequest, catalog: QueryCatalog, first: number) {
  let filter;
  try {
    filter = sagaQuerySql(request.query, catalog, first);
  } catch (error) {
    throw error instanceof InvalidSagaQueryError ? error.forField('query') : error;
  }
  const statuses = `$${first + filter.params.length}::text[]`;
  return {
    query: filter,
    eligible: `(${filter.where}) AND s.status = ANY(${statuses})`,
    params: [...filter.params, ELIGIBLE[request.action]],
  };
}

/** Counts what an operation would touch, without touching anything. */
export async function previewBulk(
  sql: SqlRunner,
  request: BulkRequest,
  catalog: QueryCatalog,
): Promise<BulkPreview> {
  const condition = targetCondition(request, catalog, 1);
  const counts = await sql.query<{ status: SagaStatus; count: string }>(
    `SELECT s.status, count(*) AS count FROM sagas s WHERE ${condition.query.where} GROUP BY 1`,
    [...condition.query.params],
  );
  const sample = await sql.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM sagas s WHERE ${condition.eligible}
     ORDER BY s.created_at DESC, s.id DESC LIMIT 10`,
    condition.params,
  );
  const byStatus = Object.fromEntries(counts.map((row) => [row.status, Number(row.count)]));
  const eligible = new Set<string>(ELIGIBLE[request.action]);
  const matched = counts
    .filter((row) => eligible.has(row.status))
    .reduce((total, row) => total + Number(row.count), 0);
  return {
    dryRun: true,
    action: request.action,
    query: request.query,
    matched,
    byStatus,
    sample: sample.map(toSummary),
  };
}

/**
 * The sagas an operation will act on: those its query selects now, in a status the action
 * applies to. Throws InvalidSagaQueryError naming `query` when they are more than
 * {@link MAX_BULK_TARGETS}.
 */
export async function selectBulkTargets(
  sql: SqlRunner,
  request: BulkRequest,
  catalog: QueryCatalog,
): Promise<string[]> {
  const condition = targetCondition(request, catalog, 1);
  const rows = await sql.query<{ id: string }>(
    `SELECT s.id FROM sagas s WHERE ${condition.eligible} LIMIT ${MAX_BULK_TARGETS + 1}`,
    condition.params,
  );
  if (rows.length > MAX_BULK_TARGETS) {
    throw new InvalidSagaQueryError(
      `the query matches more than ${MAX_BULK_TARGETS} sagas: narrow it`,
      undefined,
      'query',
    );
  }
  return rows.map((row) => row.id);
}

/** Records an operation and its targets (from {@link selectBulkTargets}) in the caller's transaction. */
export async function insertBulkOperation(
  sql: SqlRunner,
  request: BulkRequest,
  actor: string,
  targets: readonly string[],
): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO bulk_operations (id, action, query, step_id, reason, actor, status, matched)
     VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)`,
    [
      id,
      request.action,
      request.query,
      request.stepId ?? null,
      request.reason,
      actor,
      targets.length,
    ],
  );
  await sql.query(
    `INSERT INTO bulk_operation_targets (operation_id, saga_id) SELECT $1, unnest($2::uuid[])`,
    [id, targets],
  );
  return id;
}

/** Whether any operation is running (one index probe). */
export async function anyBulkRunning(sql: SqlRunner): Promise<boolean> {
  const rows = await sql.query(`SELECT 1 FROM bulk_operations WHERE status = 'running' LIMIT 1`);
  return rows.length > 0;
}

/** A chunk of one running operation's targets, taken off its list in the caller's transaction. */
export interface ClaimedChunk {
  readonly operationId: string;
  readonly action: BulkAction;
  readonly stepId: string | null;
  readonly reason: string;
  readonly actor: string;
  readonly sagaIds: readonly string[];
}

/**
 * Takes up to `limit` targets of the oldest running operation, skipping those another instance
 * holds; undefined when there is none to take. The caller's transaction acts on them and
 * records the outcome: a rollback puts them back.
 */
export async function claimChunk(sql: SqlRunner, limit: number): Promise<ClaimedChunk | undefined> {
  const [operation] = await sql.query<OperationRow>(
    `SELECT ${OPERATION_COLUMNS} FROM bulk_operations
     WHERE status = 'running' ORDER BY created_at LIMIT 1`,
  );
  if (operation === undefined) return undefined;
  const taken = await sql.query<{ saga_id: string }>(
    `DELETE FROM bulk_operation_targets t USING (
       SELECT saga_id FROM bulk_operation_targets WHERE operation_id = $1
       ORDER BY saga_id LIMIT $2 FOR UPDATE SKIP LOCKED) c
     WHERE t.operation_id = $1 AND t.saga_id = c.saga_id
     RETURNING t.saga_id`,
    [operation.id, limit],
  );
  if (taken.length === 0) {
    // Nothing left to take: done once no other transaction holds any of its targets.
    await sql.query(
      `UPDATE bulk_operations SET status = 'done', finished_at = now()
       WHERE id = $1 AND status = 'running'
         AND NOT EXISTS (SELECT 1 FROM bulk_operation_targets WHERE operation_id = $1)`,
      [operation.id],
    );
    return undefined;
  }
  return {
    operationId: operation.id,
    action: operation.action,
    stepId: operation.step_id,
    reason: operation.reason,
    actor: operation.actor,
    sagaIds: taken.map((row) => row.saga_id).sort(),
  };
}

/** Adds a chunk's outcome to its operation's counts, keeping the first refusals. */
export async function recordChunk(
  sql: SqlRunner,
  chunk: ClaimedChunk,
  refused: ReadonlyMap<string, string>,
): Promise<void> {
  const refusals = [...refused].map(([sagaId, reason]) => ({ sagaId, reason }));
  await sql.query(
    `UPDATE bulk_operations SET
       applied = applied + $2, refused = refused + $3,
       refusals = CASE WHEN jsonb_array_length(refusals) >= ${KEPT_REFUSALS} THEN refusals
         ELSE (SELECT COALESCE(jsonb_agg(r), '[]') FROM (
           SELECT r FROM jsonb_array_elements(refusals || $4::jsonb) r LIMIT ${KEPT_REFUSALS}) k)
         END
     WHERE id = $1`,
    [
      chunk.operationId,
      chunk.sagaIds.length - refused.size,
      refused.size,
      JSON.stringify(refusals),
    ],
  );
}

/**
 * Takes one target off its operation without acting on it, counted as refused with `reason`:
 * for a saga whose every transaction fails, so that it does not hold up the others.
 */
export async function skipTarget(
  sql: SqlRunner,
  chunk: ClaimedChunk,
  sagaId: string,
  reason: string,
): Promise<void> {
  const taken = await sql.query(
    `DELETE FROM bulk_operation_targets WHERE operation_id = $1 AND saga_id = $2 RETURNING 1`,
    [chunk.operationId, sagaId],
  );
  if (taken.length === 0) return;
  await recordChunk(sql, { ...chunk, sagaIds: [sagaId] }, new Map([[sagaId, reason]]));
}

/**
 * Stops a running operation: its remaining targets are dropped (a chunk in hand still ends).
 * False when it was not running.
 */
export async function stopBulkOperation(sql: SqlRunner, operationId: string): Promise<boolean> {
  const stopped = await sql.query<{ id: string }>(
    `UPDATE bulk_operations SET status = 'stopped', finished_at = now()
     WHERE id = $1 AND status = 'running' RETURNING id`,
    [operationId],
  );
  if (stopped.length === 0) return false;
  // A chunk in hand holds its targets (and takes them off itself): skipped, never waited for,
  // since that chunk waits for this operation's row to record its counts.
  await sql.query(
    `DELETE FROM bulk_operation_targets WHERE operation_id = $1 AND saga_id IN (
       SELECT saga_id FROM bulk_operation_targets WHERE operation_id = $1 FOR UPDATE SKIP LOCKED)`,
    [operationId],
  );
  return true;
}

/** One operation, or undefined. */
export async function readBulkOperation(
  sql: SqlRunner,
  operationId: string,
): Promise<BulkOperationView | undefined> {
  const [row] = await sql.query<OperationRow>(
    `SELECT ${OPERATION_COLUMNS} FROM bulk_operations WHERE id = $1`,
    [operationId],
  );
  return row === undefined ? undefined : toView(row);
}

/** A page of operations, newest first; `before` is the last id of the previous page. */
export async function listBulkOperations(
  sql: SqlRunner,
  limit: number,
  before?: string,
): Promise<{ items: BulkOperationView[]; nextCursor: string | null }> {
  const rows = await sql.query<OperationRow>(
    `SELECT ${OPERATION_COLUMNS} FROM bulk_operations
     ${before === undefined ? '' : `WHERE (created_at, id) < (SELECT created_at, id FROM bulk_operations WHERE id = $2)`}
     ORDER BY created_at DESC, id DESC LIMIT $1`,
    before === undefined ? [limit + 1] : [limit + 1, before],
  );
  if (before !== undefined && rows.length === 0) {
    const known = await sql.query(`SELECT 1 FROM bulk_operations WHERE id = $1`, [before]);
    if (known.length === 0) throw new InvalidCursorError();
  }
  const items = rows.slice(0, limit).map(toView);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.operationId ?? null) : null };
}

const OPERATION_COLUMNS = `id, action, query, step_id, reason, actor, status, matched, applied,
  refused, refusals, created_at, finished_at`;

interface OperationRow {
  id: string;
  action: BulkAction;
  query: string;
  step_id: string | null;
  reason: string;
  actor: string;
  status: BulkOperationView['status'];
  matched: number;
  applied: number;
  refused: number;
  refusals: BulkOperationView['refusals'];
  created_at: Date;
  finished_at: Date | null;
}

function toView(row: OperationRow): BulkOperationView {
  return {
    operationId: row.id,
    action: row.action,
    query: row.query,
    reason: row.reason,
    stepId: row.step_id,
    actor: row.actor,
    status: row.status,
    matched: row.matched,
    applied: row.applied,
    refused: row.refused,
    remaining: row.matched - row.applied - row.refused,
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    refusals: row.refusals,
  };
}
