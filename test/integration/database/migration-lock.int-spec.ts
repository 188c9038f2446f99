// The migration lock shared by the coordinator and the participant kit: one process migrates a
// schema at a time, the others wait for it within their bound, and the coordinator's key (its
// session's current schema) is the kit's key (the schema's name), as before they shared it.
import pg from 'pg';
import { quoteIdentifier, releaseMigrationLock, takeMigrationLock } from '#postgres';
import { databaseUrl, uniqueName } from '../../support/services.js';

const NAMESPACE = 7_999;

/** One session, its statements answering rows (as a TypeORM query runner's do). */
function sessionOf(client: pg.Client) {
  return {
    query: async (sql: string, parameters?: unknown[]) =>
      (await client.query(sql, parameters)).rows,
  };
}

describe('the migration lock', () => {
  const schema = uniqueName('migration_lock');
  const holder = new pg.Client({ connectionString: databaseUrl() });
  const other = new pg.Client({
    connectionString: databaseUrl(),
    options: `-c search_path=${schema}`,
  });

  const holding = sessionOf(holder);
  const waiting = sessionOf(other);

  beforeAll(async () => {
    await holder.connect();
    await other.connect();
    await holder.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  });

  afterAll(async () => {
    await holder.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
    await holder.end();
    await other.end();
  });

  it('makes another session wait, then give up at its bound, naming the schema', async () => {
    await takeMigrationLock(holding, { namespace: NAMESPACE, schema, until: Date.now() + 1_000 });
    let waits = 0;
    const wait = takeMigrationLock(waiting, {
      namespace: NAMESPACE,
      schema,
      until: Date.now() + 200,
      pollMs: 50,
      onWait: () => void waits++,
    });
    await expect(wait).rejects.toThrow(
      `another process held the migration lock of schema "${schema}" for the whole wait`,
    );
    expect(waits).toBe(1);
    await releaseMigrationLock(holding, { namespace: NAMESPACE, schema });
  });

  it("keys the session's current schema as the schema's name", async () => {
    await takeMigrationLock(holding, { namespace: NAMESPACE, schema, until: Date.now() + 1_000 });
    const bySearchPath = { namespace: NAMESPACE, until: Date.now() + 100, pollMs: 50 };
    await expect(takeMigrationLock(waiting, bySearchPath)).rejects.toThrow(
      'another process held the migration lock for the whole wait',
    );

    await releaseMigrationLock(holding, { namespace: NAMESPACE, schema });
    await takeMigrationLock(waiting, { ...bySearchPath, until: Date.now() + 1_000 });
    await releaseMigrationLock(waiting, { namespace: NAMESPACE });
    const [row] = (
      await holder.query(`SELECT count(*)::int AS held FROM pg_locks
       WHERE locktype = 'advisory' AND classid = ${NAMESPACE}`)
    ).rows as { held: number }[];
    expect(row!.held).toBe(0);
  });
});
