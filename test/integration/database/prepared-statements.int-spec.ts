// Statements of the hot path, run in a transaction or on their own, are prepared: parsed and
// planned once per connection, not at every run; other texts are not, and a migration that
// changes what a prepared statement returns costs connections, not an error.
import {
  MAX_NAMED_STATEMENTS,
  PoolDatabase,
  prepared,
  type Database,
  type SqlRunner,
} from '#postgres';
import { databaseUrl, uniqueName } from '../../support/services.js';

/** The statements this connection holds prepared, with how often each ran. */
function preparedStatements(sql: SqlRunner) {
  return sql.query<{ name: string; statement: string; runs: number }>(
    `SELECT name, statement, (generic_plans + custom_plans)::int AS runs
     FROM pg_prepared_statements ORDER BY name`,
  );
}

/** Runs `test` on a pool of `poolSize` connections and a table `(a integer)` holding 1. */
async function withPooledTable(
  poolSize: number,
  test: (pooled: Database, table: string) => Promise<void>,
): Promise<void> {
  const pooled = PoolDatabase.connect({ url: databaseUrl(), poolSize });
  await pooled.open();
  const table = uniqueName('prepared_t');
  try {
    await pooled.query(`CREATE TABLE ${table} (a integer)`);
    await pooled.query(`INSERT INTO ${table} VALUES (1)`);
    await test(pooled, table);
  } finally {
    await pooled.query(`DROP TABLE IF EXISTS ${table}`);
    await pooled.close();
  }
}

describe('statements prepared by the SQL runner', () => {
  let database: PoolDatabase;

  beforeAll(async () => {
    // One connection, so every transaction below sees what the earlier ones prepared.
    database = PoolDatabase.connect({ url: databaseUrl(), poolSize: 1 });
    await database.open();
  });

  afterAll(async () => {
    await database.close();
  });

  it('parses a statement once per connection and runs it again by name', async () => {
    const text = prepared('SELECT $1::int * 2 AS doubled');
    for (let n = 1; n <= 7; n++) {
      const rows = await database.transaction((sql) => sql.query(text, [n]));
      expect(rows).toEqual([{ doubled: n * 2 }]);
    }
    const named = await database.transaction(preparedStatements);
    expect(named.filter((statement) => statement.statement === text)).toEqual([
      { name: expect.stringMatching(/^saga_statement_\d+$/), statement: text, runs: 7 },
    ]);
  });

  it('leaves a text not marked prepared unnamed', async () => {
    const text = 'SELECT $1::int * 3 AS tripled';
    await database.transaction((sql) => sql.query(text, [1]));
    const named = await database.transaction(preparedStatements);
    expect(named.map((statement) => statement.statement)).not.toContain(text);
  });

  it('runs a statement again on a new connection once a migration changed what it returns', async () => {
    // Every connection of the pool holds the statement, prepared before the migration.
    const poolSize = 3;
    await withPooledTable(poolSize, async (pooled, table) => {
      const text = prepared(`SELECT * FROM ${table}`);
      const pidAndRows = async (sql: SqlRunner) => {
        const [row] = await sql.query<{ pid: number }>(
          'SELECT pg_backend_pid() AS pid, pg_sleep(0.05)',
        );
        return { pid: row!.pid, rows: await sql.query<Record<string, unknown>>(text) };
      };
      const all = () =>
        Promise.all(Array.from({ length: poolSize }, () => pooled.transaction(pidAndRows)));
      const before = await all();
      expect(new Set(before.map(({ pid }) => pid)).size).toBe(poolSize);
      expect(before.map(({ rows }) => rows)).toEqual(before.map(() => [{ a: 1 }]));

      await pooled.query(`ALTER TABLE ${table} ADD COLUMN b text DEFAULT 'x'`);
      const after = await pooled.transaction(pidAndRows);
      expect(after.rows).toEqual([{ a: 1, b: 'x' }]);
      expect(before.map(({ pid }) => pid)).not.toContain(after.pid);
      const again = await all();
      expect(again.map(({ rows }) => rows)).toEqual(again.map(() => [{ a: 1, b: 'x' }]));
    });
  });

  it('prepares a marked statement run on its own too, and runs it again once it went stale', async () => {
    await withPooledTable(2, async (pooled, table) => {
      // Slow enough that both connections of the pool run it at once.
      const text = prepared(`SELECT a, pg_sleep(0.05)::text AS slept FROM ${table}`);
      const both = () => Promise.all([pooled.query(text), pooled.query(text)]);
      expect(await both()).toEqual([[{ a: 1, slept: '' }], [{ a: 1, slept: '' }]]);
      const named = await pooled.transaction(preparedStatements);
      expect(named.map((statement) => statement.statement)).toContain(text);

      await pooled.query(`ALTER TABLE ${table} ALTER COLUMN a TYPE bigint`);
      expect(await both()).toEqual([[{ a: '1', slept: '' }], [{ a: '1', slept: '' }]]);
    });
  });

  it('prepares no more texts than the bound, and runs every one', async () => {
    const texts = Array.from({ length: MAX_NAMED_STATEMENTS + 10 }, (_, k) =>
      prepared(`SELECT $1::int + ${k} AS sum`),
    );
    const sums = await database.transaction(async (sql) =>
      Promise.all(texts.map(async (text) => (await sql.query<{ sum: number }>(text, [1]))[0]?.sum)),
    );
    expect(sums).toEqual(texts.map((_, k) => k + 1));
    const named = await database.transaction(preparedStatements);
    expect(named.length).toBeLessThanOrEqual(MAX_NAMED_STATEMENTS);
    expect(named.map((statement) => statement.statement)).toContain(texts[0]);
    expect(named.map((statement) => statement.statement)).not.toContain(texts.at(-1));
  });
});
