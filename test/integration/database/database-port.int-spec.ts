// The Database port's contract, held by both of its implementations: the pool on the real
// Postgres the coordinator and the kit run on, and PGlite through TypeORM (the embedded mode).
import { DataSource } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import {
  PoolDatabase,
  quoteIdentifier,
  SingleConnectionDatabase,
  type Database,
  type SqlRunner,
} from '#postgres';
import { databaseUrl, uniqueName } from '../../support/services.js';

interface Subject {
  readonly database: Database;
  dispose(): Promise<void>;
}

async function onPostgres(): Promise<Subject> {
  const schema = uniqueName('it_port');
  const admin = PoolDatabase.connect({ url: databaseUrl(), poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  const database = PoolDatabase.connect({ url: databaseUrl(), schema, poolSize: 3 });
  return {
    database,
    async dispose() {
      await database.close();
      await admin.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
      await admin.close();
    },
  };
}

async function onPglite(): Promise<Subject> {
  const database = new SingleConnectionDatabase(
    new DataSource({ type: 'postgres', driver: new PGliteDriver({}).driver }),
  );
  return { database, dispose: () => database.close() };
}

describe.each([
  ['a pool on Postgres', onPostgres],
  ['PGlite, embedded', onPglite],
])('the Database port on %s', (_name, open) => {
  let subject: Subject;
  let database: Database;

  beforeAll(async () => {
    subject = await open();
    database = subject.database;
    expect(database.isOpen).toBe(false);
    await Promise.all([database.open(), database.open()]); // twice at once: both resolve, open
    expect(database.isOpen).toBe(true);
    await database.query(`CREATE TABLE counters (id integer PRIMARY KEY, n integer NOT NULL)`);
    await database.query(`INSERT INTO counters VALUES (1, 0), (2, 0)`);
  });

  afterAll(async () => {
    await subject.dispose();
    expect(database.isOpen).toBe(false);
  });

  it('answers a statement alone with its rows, an UPDATE ... RETURNING included', async () => {
    const rows = await database.query<{ id: number; n: number }>(
      `UPDATE counters SET n = n + 1 WHERE id = $1 RETURNING id, n`,
      [2],
    );
    expect(rows).toEqual([{ id: 2, n: 1 }]);
    expect(await database.query(`UPDATE counters SET n = n WHERE id = 99`)).toEqual([]);
  });

  it('commits a transaction whole, and rolls all of it back when its work throws', async () => {
    await database.transaction(async (sql) => {
      await sql.query(`UPDATE counters SET n = n + 10 WHERE id = 1`);
      await sql.query(`UPDATE counters SET n = n + 10 WHERE id = 2`);
    });
    await expect(
      database.transaction(async (sql) => {
        await sql.query(`UPDATE counters SET n = n + 100 WHERE id = 1`);
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(await database.query(`SELECT id, n FROM counters ORDER BY id`)).toEqual([
      { id: 1, n: 10 },
      { id: 2, n: 11 },
    ]);
  });

  it('rolls back, and still resolves, when `commit` says so', async () => {
    const value = await database.transaction(
      async (sql) => {
        await sql.query(`UPDATE counters SET n = -1`);
        return 'kept out';
      },
      { commit: () => false },
    );
    expect(value).toBe('kept out');
    expect(await database.query(`SELECT id, n FROM counters ORDER BY id`)).toEqual([
      { id: 1, n: 10 },
      { id: 2, n: 11 },
    ]);
  });

  it('refuses a statement sent on a transaction once it has committed or rolled back', async () => {
    // A handler that went on after its work was given up (a Nest timeout, say) must not write
    // outside its transaction, in autocommit or in the next transaction its connection serves.
    const before = await database.query(`SELECT id, n FROM counters ORDER BY id`);
    const kept: SqlRunner[] = [];
    await database.transaction(async (sql) => void kept.push(sql));
    await expect(
      database.transaction(async (sql) => {
        kept.push(sql);
        throw new Error('given up');
      }),
    ).rejects.toThrow('given up');
    await database.transaction(async (sql) => void kept.push(sql), { commit: () => false });

    for (const sql of kept) {
      await expect(sql.query(`UPDATE counters SET n = n + 1000 WHERE id = 1`)).rejects.toThrow(
        'the transaction has ended: no statement may be sent on it',
      );
    }
    expect(await database.query(`SELECT id, n FROM counters ORDER BY id`)).toEqual(before);
  });

  it('begins a transaction read-only, with its own statement timeout, when asked', async () => {
    const settings = await database.transaction(
      async (sql) =>
        sql.query<{ readOnly: string; timeout: string }>(
          `SELECT current_setting('transaction_read_only') AS "readOnly",
             current_setting('statement_timeout') AS timeout`,
        ),
      { readOnly: true, statementTimeoutMs: 1_234 },
    );
    expect(settings).toEqual([{ readOnly: 'on', timeout: '1234ms' }]);
    await expect(
      database.transaction((sql) => sql.query(`UPDATE counters SET n = 0`), { readOnly: true }),
    ).rejects.toThrow('read-only transaction');
    await expect(
      database.transaction((sql) => sql.query('SELECT 1'), { statementTimeoutMs: 0.5 }),
    ).rejects.toThrow('statementTimeoutMs must be a whole number of ms, at least 1: 0.5');
    expect(await database.query(`SELECT id, n FROM counters ORDER BY id`)).toEqual([
      { id: 1, n: 10 },
      { id: 2, n: 11 },
    ]);
  });

  it('runs the whole transaction again when it lost a race, up to maxAttempts', async () => {
    let attempts = 0;
    const lostRace = (sql: SqlRunner) =>
      sql.query(`SELECT CASE WHEN $1::int < 3 THEN saga_lost_race() END`, [attempts]);
    await database.query(`
      CREATE OR REPLACE FUNCTION saga_lost_race() RETURNS integer LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = 'serialization_failure'; END $$`);
    await database.transaction(async (sql) => {
      attempts++;
      await sql.query(`UPDATE counters SET n = n + 1 WHERE id = 1`);
      await lostRace(sql);
    });
    expect(attempts).toBe(3);
    const [row] = await database.query<{ n: number }>(`SELECT n FROM counters WHERE id = 1`);
    expect(row?.n).toBe(11); // the two lost attempts left nothing
    attempts = 0;
    await expect(
      database.transaction(
        async (sql) => {
          attempts++;
          await lostRace(sql);
        },
        { maxAttempts: 2 },
      ),
    ).rejects.toMatchObject({ code: '40001' });
    expect(attempts).toBe(2);
  });

  it('keeps concurrent transactions apart: every increment counts once', async () => {
    const [before] = await database.query<{ n: number }>(`SELECT n FROM counters WHERE id = 2`);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.transaction(async (sql) => {
          const [row] = await sql.query<{ n: number }>(
            `SELECT n FROM counters WHERE id = 2 FOR UPDATE`,
          );
          await sql.query(`UPDATE counters SET n = $1 WHERE id = 2`, [row!.n + 1]);
        }),
      ),
    );
    const [after] = await database.query<{ n: number }>(`SELECT n FROM counters WHERE id = 2`);
    expect(after!.n).toBe(before!.n + 20);
  });
});

describe('a PoolDatabase', () => {
  it('fails to open on a server that is not there, and is not open then', async () => {
    const database = PoolDatabase.connect({
      url: 'postgres://postgres@127.0.0.1:1/none',
      timeouts: {
        connectTimeoutMs: 2_000,
        statementTimeoutMs: 0,
        lockTimeoutMs: 0,
        idleInTransactionTimeoutMs: 0,
        queryTimeoutMs: 0,
        keepAlive: false,
        keepAliveInitialDelayMs: 0,
      },
    });
    await expect(database.open()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(database.isOpen).toBe(false);
    // Twice at once, then again: each resolves once the pool has ended.
    await Promise.all([database.close(), database.close()]);
    await database.close();
  });

  it('names its connections and looks in its schema first', async () => {
    const applicationName = uniqueName('it_port_app');
    const database = PoolDatabase.connect({
      url: databaseUrl(),
      schema: 'some "quoted" schema',
      applicationName,
    });
    try {
      const [row] = await database.query<{ name: string; path: string }>(
        `SELECT current_setting('application_name') AS name, current_setting('search_path') AS path`,
      );
      expect(row).toEqual({ name: applicationName, path: '"some ""quoted"" schema"' });
    } finally {
      await database.close();
    }
  });

  it('lets an application_name in the URL win over the one it is given', async () => {
    const url = new URL(databaseUrl());
    url.searchParams.set('application_name', 'named_in_the_url');
    const database = PoolDatabase.connect({ url: url.toString(), applicationName: 'given' });
    try {
      const [row] = await database.query<{ name: string }>(
        `SELECT current_setting('application_name') AS name`,
      );
      expect(row?.name).toBe('named_in_the_url');
    } finally {
      await database.close();
    }
  });
});
