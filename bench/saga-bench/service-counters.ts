import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { postmasterPid } from './process-stats.js';

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

/** Rows the run's databases inserted, updated (HOT or not) and deleted; counted like transactions. */
export interface RowWrites {
  readonly inserted: number;
  readonly updated: number;
  /** The updates that touched no index (heap-only tuples); from their tables' statistics. */
  readonly hotUpdated: number;
  readonly deleted: number;
}

/**
 * Rows written in the run's databases. The per-database counts lag like the transactions';
 * the HOT updates come from the tables' own statistics, which only a connection to each
 * database can read, so `hotUpdated` is read through `dbFor` (a connection to a database of
 * the run by name).
 */
export async function countRowWrites(
  db: pg.Client,
  runId: string,
  dbFor: (database: string) => Promise<pg.Client>,
): Promise<RowWrites> {
  const result = await db.query<{ datname: string; ins: string; upd: string; del: string }>(
    `SELECT datname, tup_inserted AS ins, tup_updated AS upd, tup_deleted AS del
       FROM pg_stat_database WHERE strpos(datname, $1) > 0`,
    [runId],
  );
  let hotUpdated = 0;
  for (const row of result.rows) {
    const client = await dbFor(row.datname);
    const hot = await client.query<{ n: string | null }>(
      `SELECT sum(n_tup_hot_upd)::bigint AS n FROM pg_stat_all_tables`,
    );
    hotUpdated += Number(hot.rows[0]?.n ?? 0);
  }
  const sum = (pick: (row: (typeof result.rows)[number]) => string) =>
    result.rows.reduce((total, row) => total + Number(pick(row)), 0);
  return {
    inserted: sum((row) => row.ins),
    updated: sum((row) => row.upd),
    hotUpdated,
    deleted: sum((row) => row.del),
  };
}

/**
 * Bytes of WAL the server has written so far: exact and at once (no statistics lag), but for
 * the whole server, so it counts the run's work only while nothing else writes.
 */
export async function walPosition(db: pg.Client): Promise<bigint> {
  const result = await db.query<{ lsn: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS lsn`,
  );
  return BigInt(result.rows[0]!.lsn.split('.')[0]!);
}

/** The application name of the harness's own connections to the run's databases. */
export const HARNESS_APPLICATION = 'bench-harness';

/**
 * The Postgres processes that work for the run: the backends connected to its databases, and
 * the server's own background processes (WAL writer, checkpointer, background writer, ...),
 * which every client shares. Backends of other databases are left out.
 */
export async function runBackendPids(db: pg.Client, runId: string): Promise<number[]> {
  const result = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE pid <> pg_backend_pid() AND application_name <> $2
        AND (strpos(datname, $1) > 0 OR (datname IS NULL AND backend_type <> 'client backend'))`,
    [runId, HARNESS_APPLICATION],
  );
  return result.rows.map((row) => row.pid);
}

/** The Postgres processes counted for the run: its backends (runBackendPids) and the postmaster. */
export async function runPostgresPids(
  db: pg.Client,
  runId: string,
  serverPids: readonly number[],
): Promise<number[]> {
  const postmaster = postmasterPid(serverPids);
  return [...(await runBackendPids(db, runId)), ...(postmaster ? [postmaster] : [])];
}

/** Messages ever written to `topics`: the sum of their partitions' high watermarks. */
export async function countMessages(admin: Admin, topics: readonly string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) total += Number(partition.high);
  }
  return total;
}
