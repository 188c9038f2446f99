import type { Admin } from 'kafkajs';
import type pg from 'pg';

/**
 * Counters the bench reads from the shared services: database transactions, Postgres backends
 * and Kafka messages. The Postgres server and the machine may be shared with other work, so
 * everything is narrowed to the bench run's databases (named after its run id).
 */

/**
 * Transactions committed or rolled back in the run's databases (every database whose name
 * contains `runId`). Backends publish these counts at most once a second, and an idle backend
 * can hold its last second back until it works again: read it after a pause, and see the
 * counts as accurate to about a second of load.
 */
export async function countTransactions(db: pg.Client, runId: string): Promise<number> {
  const result = await db.query<{ n: string | null }>(
    `SELECT sum(xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database
      WHERE strpos(datname, $1) > 0`,
    [runId],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * The Postgres processes that work for the run: the backends connected to its databases, and
 * the server's own background processes (WAL writer, checkpointer, background writer, ...),
 * which every client shares. Backends of other databases are left out.
 */
export async function runBackendPids(db: pg.Client, runId: string): Promise<number[]> {
  const result = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE pid <> pg_backend_pid()
        AND (strpos(datname, $1) > 0 OR (datname IS NULL AND backend_type <> 'client backend'))`,
    [runId],
  );
  return result.rows.map((row) => row.pid);
}

/** Messages ever written to `topics`: the sum of their partitions' high watermarks. */
export async function countMessages(admin: Admin, topics: readonly string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) total += Number(partition.high);
  }
  return total;
}
