import { sqlStateOf, type Database, type SqlRunner } from '#postgres';
import type { ReplyOutcome } from '#contracts';
import {
  isFinal,
  type ClosedKey,
  type FinalOutcome,
  type HandlerContext,
  type IdempotencyStore,
  type OnceResult,
} from './idempotency-store.js';
import { RollbackActions } from './rollback-actions.js';

/** Options of the Postgres store. */
export interface PostgresIdempotencyStoreOptions {
  /** False turns deduplication off (tests that prove a checker catches duplicates). Default true. */
  readonly dedupe?: boolean;
}

/**
 * An IdempotencyStore in the participant's own Postgres schema (table `participant_idempotency`,
 * created by ParticipantIdempotencyMigration). The key is claimed, the work's writes are made and
 * the outcome is stored in one transaction: a crash before the commit leaves nothing, one after
 * it leaves both the effect and the outcome. A concurrent copy of the command blocks on the
 * claimed row until that transaction ends, then finds the outcome (or, after a rollback, claims
 * the key itself). The work runs after a savepoint, so that a refusal keeps none of its writes
 * (see runWork).
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  private readonly dedupe: boolean;

  /** @param database an initialized Database whose search_path is the participant's schema. */
  constructor(
    private readonly database: Database,
    options: PostgresIdempotencyStoreOptions = {},
  ) {
    this.dedupe = options.dedupe ?? true;
  }

  async once(
    key: string,
    commandType: string,
    work: (context: HandlerContext) => Promise<ReplyOutcome>,
    closes?: ClosedKey,
  ): Promise<OnceResult> {
    const changes = new RollbackActions();
    try {
      return await this.database.transaction(
        async (sql) => {
          // Run again after a COMMIT that failed (a lost race): what the run before changed in
          // memory did not commit either.
          changes.rollBack();
          try {
            if (this.dedupe) {
              const stored = await claim(sql, key, commandType);
              if (stored !== undefined) return { outcome: stored, duplicate: true };
              if (closes) await close(sql, closes, commandType);
            }
            const outcome = await runWork(sql, work, changes);
            if (outcome.status !== 'success') changes.rollBack(); // it applied nothing
            if (isFinal(outcome) && this.dedupe && !(await storeOutcome(sql, key, outcome))) {
              changes.rollBack();
              return { outcome: SUCCESS_IN_FAILED_TRANSACTION, duplicate: false };
            }
            return { outcome, duplicate: false };
          } catch (error) {
            changes.rollBack(); // the transaction may be run again: from a clean slate
            throw error;
          }
        },
        // A technical error rolls back the handler's writes and the claim: the retry runs afresh.
        { commit: (result) => isFinal(result.outcome) },
      );
    } catch (error) {
      changes.rollBack(); // the commit failed, or its outcome is unknown
      throw error;
    }
  }

  /** The outcome stored under `key`, if any. */
  async find(key: string): Promise<FinalOutcome | undefined> {
    const rows = await this.database.query<{ outcome: FinalOutcome | null }>(
      `SELECT outcome FROM participant_idempotency WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0]?.outcome ?? undefined;
  }
}

/** Claims `key` in the transaction; resolves with the stored outcome when it was claimed before. */
async function claim(
  sql: SqlRunner,
  key: string,
  commandType: string,
): Promise<FinalOutcome | undefined> {
  // Waits on a concurrent claim of the same key until that transaction ends.
  const claimed = await sql.query(
    `INSERT INTO participant_idempotency (idempotency_key, command_type) VALUES ($1, $2)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`,
    [key, commandType],
  );
  if (claimed.length > 0) return undefined;
  const [row] = await sql.query<{ outcome: FinalOutcome | null }>(
    `SELECT outcome FROM participant_idempotency WHERE idempotency_key = $1 FOR UPDATE`,
    [key],
  );
  if (row?.outcome == null) throw new Error(`idempotency key ${key} is claimed without an outcome`);
  return row.outcome;
}

/**
 * Gives `closed.key` its refusal unless it has a record; waits on a transaction that claimed
 * it until that one ends (its command then ran, or rolled back and is refused from now on).
 */
async function close(sql: SqlRunner, closed: ClosedKey, commandType: string): Promise<void> {
  await sql.query(
    `INSERT INTO participant_idempotency (idempotency_key, command_type, outcome, replied_at)
     VALUES ($1, $2, $3, now()) ON CONFLICT (idempotency_key) DO NOTHING`,
    [closed.key, commandType, JSON.stringify(closed.outcome)],
  );
}

/** The savepoint the work runs after; a name no handler is likely to use for its own. */
const WORK_SAVEPOINT = 'saga_participant_work';

/**
 * Runs the work after a savepoint and, when it refuses (`failure`), rolls back to it: a refused
 * step is never compensated (CONTRACT.md, section 6), so a refusal must leave none of its writes
 * behind. That also ends a transaction the work left failed, having caught the error of one of
 * its statements (a unique violation) and refused: the outcome is then stored as with any
 * refusal, where the UPDATE would otherwise fail ("current transaction is aborted") on every
 * redelivery and hold the partition up.
 */
async function runWork(
  sql: SqlRunner,
  work: (context: HandlerContext) => Promise<ReplyOutcome>,
  changes: RollbackActions,
): Promise<ReplyOutcome> {
  await sql.query(`SAVEPOINT ${WORK_SAVEPOINT}`);
  const outcome = await work({ transaction: sql, onRollback: changes.register });
  if (outcome.status === 'failure') await sql.query(`ROLLBACK TO SAVEPOINT ${WORK_SAVEPOINT}`);
  return outcome;
}

/** SQLSTATE 25P02: a statement of the transaction failed, so it takes no more statements. */
const IN_FAILED_SQL_TRANSACTION = '25P02';

/**
 * What a success answers when the work left its transaction failed (it caught the error of one
 * of its statements and went on): its writes cannot commit, so it was not applied. A technical
 * error, retried by the coordinator under the same key, rather than a batch handed over again
 * for ever.
 */
const SUCCESS_IN_FAILED_TRANSACTION: ReplyOutcome = {
  status: 'error',
  code: 'INTERNAL',
  message:
    'the handler answered success after a statement of its transaction failed; nothing was applied',
};

/** Stores the outcome under `key`; false when the work left the transaction failed. */
async function storeOutcome(sql: SqlRunner, key: string, outcome: FinalOutcome): Promise<boolean> {
  try {
    await sql.query(
      `UPDATE participant_idempotency SET outcome = $2, replied_at = now() WHERE idempotency_key = $1`,
      [key, JSON.stringify(outcome)],
    );
    return true;
  } catch (error) {
    if (sqlStateOf(error) === IN_FAILED_SQL_TRANSACTION) return false;
    throw error;
  }
}
