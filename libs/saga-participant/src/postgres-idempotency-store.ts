import type { Database, SqlRunner } from '#postgres';
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
 * the key itself).
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
          try {
            if (this.dedupe) {
              const stored = await claim(sql, key, commandType);
              if (stored !== undefined) return { outcome: stored, duplicate: true };
              if (closes) await close(sql, closes, commandType);
            }
            const outcome = await work({ transaction: sql, onRollback: changes.register });
            if (!isFinal(outcome)) changes.rollBack();
            else if (this.dedupe) await store(sql, key, outcome);
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

async function store(sql: SqlRunner, key: string, outcome: FinalOutcome): Promise<void> {
  await sql.query(
    `UPDATE participant_idempotency SET outcome = $2, replied_at = now() WHERE idempotency_key = $1`,
    [key, JSON.stringify(outcome)],
  );
}
