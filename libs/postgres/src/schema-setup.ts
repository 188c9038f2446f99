import { sqlStateOf } from './data-errors.js';
import { quoteIdentifier } from './identifiers.js';

/** What creating or checking a schema needs of a connection (a pool, a TypeORM data source or session). */
export interface SchemaConnection {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * A migration statement was cancelled (SQLSTATE 57014): by an operator (pg_cancel_backend), or by
 * a statement_timeout set on the role or the database, since a migration connection sets none.
 * The transaction rolled back; another try would meet the same end, so none is made.
 */
export class MigrationCancelledError extends Error {
  override name = 'MigrationCancelledError';
  /** Read by retryWhileUnavailable: a cancelled statement is not the database being unavailable. */
  readonly nonRetryable = true;
}

/** Runs `migrate` (its migrations in one transaction); a cancelled statement rejects with a MigrationCancelledError. */
export async function failingOnCancel<T>(migrate: () => Promise<T>): Promise<T> {
  try {
    return await migrate();
  } catch (error) {
    if (sqlStateOf(error) !== '57014') throw error;
    throw new MigrationCancelledError(
      `a migration statement was cancelled (${(error as Error).message}), so nothing was ` +
        `applied and it is not tried again: look for a statement_timeout set on the database ` +
        `role or the database (ALTER ROLE/DATABASE ... SET), or an operator's pg_cancel_backend`,
      { cause: error },
    );
  }
}

/** SQLSTATEs of a CREATE SCHEMA that lost the race to another process creating the same schema. */
const CREATED_MEANWHILE = new Set(['23505', '42P06']);

/**
 * Creates the schema when missing, on a connection already at hand: one whose `search_path`
 * names a schema that does not exist yet still connects, and finds its tables there once the
 * schema is made. It looks first, since Postgres checks the right to create a schema before IF
 * NOT EXISTS: a role that may only use the schema gets by. Safe to repeat, and from several
 * processes at once: the ones that lose the race (23505 from pg_namespace's index, or 42P06)
 * find the schema made.
 */
export async function createSchemaIfMissing(
  connection: SchemaConnection,
  schema: string,
): Promise<void> {
  if (await schemaExists(connection, schema)) return;
  try {
    await connection.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  } catch (error) {
    if (!CREATED_MEANWHILE.has(sqlStateOf(error) ?? '')) throw error;
  }
}

export async function schemaExists(connection: SchemaConnection, schema: string): Promise<boolean> {
  const rows = (await connection.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [
    schema,
  ])) as unknown[];
  return rows.length > 0;
}
