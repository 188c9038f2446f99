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

/** Terminates the backends of named sessions, from one connection of its own. */
export interface BackendTerminator {
  /**
   * Terminates every backend of the current database whose application_name is one of
   * `applicationNames`; resolves with how many it ended, by name.
   */
  terminate(applicationNames: readonly string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Opens a {@link BackendTerminator} on `databaseUrl()`. */
export async function openBackendTerminator(): Promise<BackendTerminator> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  return {
    async terminate(applicationNames) {
      const { rows } = await admin.query<{ name: string; ended: number }>(
        `SELECT application_name AS name, count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS ended
           FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND application_name = ANY($1)
          GROUP BY application_name`,
        [applicationNames],
      );
      return Object.fromEntries(
        applicationNames.map((name) => [name, rows.find((row) => row.name === name)?.ended ?? 0]),
      );
    },
    close: () => admin.end(),
  };
}

/** Terminates the backends named `applicationNames` once; resolves with how many it ended. */
export async function terminateBackends(applicationNames: readonly string[]): Promise<number> {
  const terminator = await openBackendTerminator();
  try {
    const ended = await terminator.terminate(applicationNames);
    return Object.values(ended).reduce((sum, n) => sum + n, 0);
  } finally {
    await terminator.close();
  }
}
