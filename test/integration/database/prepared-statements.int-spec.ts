// Statements run in a transaction are prepared: parsed and planned once per connection, not at
// every run; a process that runs many distinct texts prepares a bounded number of them.
import { DataSource } from 'typeorm';
import { inTransaction, MAX_NAMED_STATEMENTS, type SqlRunner } from '#postgres';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import { databaseUrl } from '../../support/services.js';

/** The statements this connection holds prepared, with how often each ran. */
function preparedStatements(sql: SqlRunner) {
  return sql.query<{ name: string; statement: string; runs: number }>(
    `SELECT name, statement, (generic_plans + custom_plans)::int AS runs
     FROM pg_prepared_statements ORDER BY name`,
  );
}

describe('statements prepared by the SQL runner', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    // One connection, so every transaction below sees what the earlier ones prepared.
    dataSource = new DataSource(postgresDataSourceOptions({ url: databaseUrl(), poolSize: 1 }));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('parses a statement once per connection and runs it again by name', async () => {
    const text = 'SELECT $1::int * 2 AS doubled';
    for (let n = 1; n <= 7; n++) {
      const rows = await inTransaction(dataSource, (sql) => sql.query(text, [n]));
      expect(rows).toEqual([{ doubled: n * 2 }]);
    }
    const prepared = await inTransaction(dataSource, preparedStatements);
    expect(prepared.filter((statement) => statement.statement === text)).toEqual([
      { name: expect.stringMatching(/^saga_statement_\d+$/), statement: text, runs: 7 },
    ]);
  });

  it('runs every distinct text, preparing no more than the bound', async () => {
    const texts = Array.from(
      { length: MAX_NAMED_STATEMENTS + 10 },
      (_, k) => `SELECT $1::int + ${k} AS sum`,
    );
    const sums = await inTransaction(dataSource, async (sql) =>
      Promise.all(texts.map(async (text) => (await sql.query<{ sum: number }>(text, [1]))[0]?.sum)),
    );
    expect(sums).toEqual(texts.map((_, k) => k + 1));
    const prepared = await inTransaction(dataSource, preparedStatements);
    expect(prepared).toHaveLength(MAX_NAMED_STATEMENTS);
  });
});
