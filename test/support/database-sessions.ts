// Database sessions of one test, told apart by their application_name: other engineers and
// test runs share the database, so a test only ever terminates its own connections.
import pg from 'pg';
import { databaseUrl } from './services.js';

/** `databaseUrl()` (or `url`) with `application_name` set; the URL's name wins over any pool option. */
export function urlWithApplicationName(applicationName: string, url = databaseUrl()): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

/**
 * Terminates every backend of the current database whose application_name is one of
 * `applicationNames`, from a connection of its own; resolves with how many it ended.
 */
export async function terminateBackends(applicationNames: readonly string[]): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND application_name = ANY($1)`,
      [applicationNames],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await admin.end();
  }
}
