import { type Database, type PurgeTask, RetentionLoop } from '#postgres';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from './idempotency-store.js';

/** Options of {@link idempotencyRetention}; times in ms. */
export interface IdempotencyRetentionOptions {
  /**
   * How long an answered idempotency record is kept (default 7 days). A duplicate or late
   * command that arrives later than this is no longer recognised: keep it well above the
   * longest time a command may wait on the broker or in a retry.
   */
  readonly retentionMs?: number;
  /** Records deleted per transaction (default 500). */
  readonly batchSize?: number;
  /** Pause between two batches (default 100). */
  readonly batchPauseMs?: number;
  /** Pause between two rounds (default 60 000). */
  readonly intervalMs?: number;
  /** Told about failed rounds (default: nothing). */
  readonly onError?: (error: unknown) => void;
}

/** First key of the participant kit's advisory locks. */
const LOCK_NAMESPACE = 7_101;

/** The task that deletes answered idempotency records older than `retentionMs`. */
export function idempotencyPurgeTask(retentionMs: number): PurgeTask {
  return {
    name: 'idempotency',
    async deleteBatch(sql, limit) {
      const deleted = await sql.query(
        `DELETE FROM participant_idempotency WHERE idempotency_key IN (
           SELECT idempotency_key FROM participant_idempotency
           WHERE replied_at IS NOT NULL AND replied_at < now() - make_interval(secs => $1)
           ORDER BY replied_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1`,
        [retentionMs / 1000, limit],
      );
      return deleted.length;
    },
  };
}

/**
 * The background job that expires a participant's idempotency records (table
 * `participant_idempotency` of the schema `database` points at), in small batches, one
 * instance at a time; call `start()` and, on shutdown, `stop()`; `runOnce()` runs a round now.
 */
export function idempotencyRetention(
  database: Database,
  options: IdempotencyRetentionOptions = {},
): RetentionLoop {
  return new RetentionLoop(
    database,
    [idempotencyPurgeTask(options.retentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS)],
    {
      lockNamespace: LOCK_NAMESPACE,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.batchPauseMs === undefined ? {} : { batchPauseMs: options.batchPauseMs }),
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    },
  );
}
