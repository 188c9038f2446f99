import type { PurgeTask, SqlRunner } from '#postgres';
import { auditPartitionTasks, type AuditPartitioning } from './audit-partitions.js';

/** How long each kind of row is kept, in ms (see docs/CONFIGURATION.md, "Retention"). */
export interface RetentionPeriods {
  /** Finished sagas (completed, compensated) since their last change, with their audit. */
  readonly sagaMs: number;
  /** Dead letters, since they were recorded. */
  readonly deadLetterMs: number;
  /** Outbox rows, since they were sent. */
  readonly outboxMs: number;
}

const seconds = (ms: number) => ms / 1000;

/**
 * The coordinator's retention: finished sagas and everything about them (held commands and the
 * step rows of earlier versions by cascade; their audit lines, by partition (see
 * audit-partitions.ts) or, outside a period's partition, row by row, which the audit's trigger
 * allows only for sagas that no longer exist; their unsent outbox rows), dead letters, sent
 * outbox rows, ended bulk operations and the breakers' log, each by age. Stuck and live sagas
 * are never touched.
 */
export function coordinatorPurgeTasks(
  periods: RetentionPeriods,
  audit: Omit<AuditPartitioning, 'sagaRetentionMs'>,
): PurgeTask[] {
  const auditPeriods = auditPartitionTasks({ ...audit, sagaRetentionMs: periods.sagaMs });
  // In the order they run; each keeps its lock key from one release to the next.
  return [
    // First: the coming periods' partitions must not wait behind a long round.
    { ...auditPeriods.made, lockKey: 5 },
    {
      name: 'sagas',
      lockKey: 0,
      deleteBatch: (sql, limit) => deleteFinishedSagas(sql, limit, periods.sagaMs),
    },
    // Timers an earlier release left in its table (timers now live in their saga's row) for
    // sagas gone: by hand, or by an earlier release's retention.
    {
      name: 'orphanTimers',
      lockKey: 1,
      deleteBatch: (sql, limit) =>
        count(
          sql,
          `DELETE FROM timers WHERE id IN (
             SELECT t.id FROM timers t
             WHERE NOT EXISTS (SELECT 1 FROM sagas s WHERE s.id = t.saga_id) LIMIT $1)
           RETURNING 1`,
          [limit],
        ),
    },
    {
      ...expireByAge('deadLetters', 'dead_letters', 'id', 'recorded_at', periods.deadLetterMs),
      lockKey: 2,
    },
    // A bulk operation is the audit of what it did: kept as long as the sagas' own audit.
    {
      ...expireByAge('bulkOperations', 'bulk_operations', 'id', 'finished_at', periods.sagaMs),
      lockKey: 3,
    },
    // A command a reply timeout still counts from stays (one hashed scan of the timers of the
    // sagas that have some, through their wake-up index).
    {
      ...expireByAge('outbox', 'outbox', 'id', 'sent_at', periods.outboxMs, {
        keep: `id IN (SELECT (t.value->>'outboxId')::bigint FROM sagas s
          CROSS JOIN LATERAL jsonb_each(s.timers) t
          WHERE s.wake_at IS NOT NULL AND t.value ? 'outboxId'
        UNION ALL SELECT command_outbox_id FROM timers WHERE command_outbox_id IS NOT NULL)`,
      }),
      lockKey: 4,
    },
    // After the sagas: the lines of those it deleted are not carried.
    { ...auditPeriods.dropped, lockKey: 6 },
    // The breakers' changes of state, kept as long as the sagas' audit. Append-only: its
    // trigger lets a DELETE through only in a retention transaction.
    {
      ...withRetentionOn(
        expireByAge('breakerLog', 'participant_breaker_log', 'id', 'at', periods.sagaMs),
      ),
      lockKey: 7,
    },
  ];
}

/** `task`, its deletes run with `saga.retention` on: an append-only table's trigger allows them. */
function withRetentionOn(task: PurgeTask): PurgeTask {
  return {
    ...task,
    deleteBatch: async (sql, limit) => {
      await sql.query(`SET LOCAL saga.retention = 'on'`);
      return task.deleteBatch(sql, limit);
    },
  };
}

/**
 * A task that deletes, oldest first, the rows of `table` whose `column` (a time) is older than
 * `periodMs`, except those `keep` names; `key` identifies a row. Names are this file's constants.
 */
function expireByAge(
  name: string,
  table: string,
  key: string,
  column: string,
  periodMs: number,
  { keep }: { keep?: string } = {},
): PurgeTask {
  return {
    name,
    deleteBatch: (sql, limit) =>
      count(
        sql,
        `DELETE FROM ${table} WHERE ${key} IN (
           SELECT ${key} FROM ${table} WHERE ${column} < now() - make_interval(secs => $1)
             ${keep === undefined ? '' : `AND NOT (${keep})`}
           ORDER BY ${column} LIMIT $2)
         RETURNING 1`,
        [seconds(periodMs), limit],
      ),
  };
}

/**
 * Deletes up to `limit` sagas finished longer ago than `periodMs` (locked rows are skipped: a
 * decision, or the audit task carrying their lines, holds them), then their audit lines outside
 * the periods' partitions (those go with their partition; see the AuditPartitions migration)
 * and their outbox rows; resolves with the sagas deleted. No decision writes a row for them afterwards: each one's statement checks the
 * version of every saga it writes for, and fails when the saga is gone.
 */
async function deleteFinishedSagas(
  sql: SqlRunner,
  limit: number,
  periodMs: number,
): Promise<number> {
  const gone = await sql.query<{ id: string }>(
    `DELETE FROM sagas WHERE id IN (
       SELECT id FROM sagas
       WHERE status IN ('completed', 'compensated')
         AND updated_at < now() - make_interval(secs => $1)
         -- Implied (a saga changes only after it was created); lets (status, created_at) serve.
         AND created_at < now() - make_interval(secs => $1)
       LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [seconds(periodMs), limit],
  );
  if (gone.length === 0) return 0;
  const ids = JSON.stringify(gone.map((row) => row.id));
  // The audit trigger lets a DELETE through only here, and only for sagas deleted above.
  await sql.query(`SET LOCAL saga.retention = 'on'`);
  // Their lines outside the periods' partitions, in one statement.
  await sql.query(
    `WITH gone AS (SELECT value::uuid AS id FROM jsonb_array_elements_text($1::jsonb)),
       kept AS (DELETE FROM saga_audit_kept WHERE saga_id IN (SELECT id FROM gone)),
       unfiled AS (DELETE FROM saga_audit_unfiled WHERE saga_id IN (SELECT id FROM gone))
     DELETE FROM saga_audit_legacy WHERE saga_id IN (SELECT id FROM gone)`,
    [ids],
  );
  // Their sent rows go with the outbox's own retention; unsent ones (set aside, or waiting
  // behind one) are few, found through the index of unsent rows.
  await sql.query(
    `DELETE FROM outbox WHERE sent_at IS NULL
       AND saga_id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
    [ids],
  );
  return gone.length;
}

async function count(sql: SqlRunner, statement: string, parameters: unknown[]): Promise<number> {
  return (await sql.query(statement, parameters)).length;
}
