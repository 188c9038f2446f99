// An operator's saga query on the real Postgres, under statement and client query timeouts
// shorter than its own 10 s bound: the server cuts it off first, at the operator's statement
// timeout, so it is answered as the caller's to narrow (a 400), not as a database that did not
// answer (a 503), and no backend goes on running it.
import { DatabaseTimeoutError, DEFAULT_DATABASE_TIMEOUTS, PoolDatabase } from '#postgres';
import { InvalidSagaQueryError } from '../../../apps/coordinator/src/application/saga-errors.js';
import { withinQueryBound } from '../../../apps/coordinator/src/persistence/bounded-query.js';
import { urlWithApplicationName } from '../../support/database-sessions.js';
import { uniqueName } from '../../support/services.js';

describe('a saga query under short database timeouts', () => {
  const applicationName = uniqueName('query_bound');
  let database: PoolDatabase;

  beforeAll(async () => {
    database = PoolDatabase.connect({
      url: urlWithApplicationName(applicationName),
      poolSize: 2,
      timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, statementTimeoutMs: 300, queryTimeoutMs: 800 },
    });
    await database.open();
  });

  afterAll(() => database.close());

  it("is cut off by the server at the operator's statement timeout, as the caller's to narrow", async () => {
    const slow = withinQueryBound(database, 'q', (sql) => sql.query(`SELECT pg_sleep(3)`));
    const error = await slow.catch((failure: unknown) => failure);
    expect(error).not.toBeInstanceOf(DatabaseTimeoutError);
    expect(error).toBeInstanceOf(InvalidSagaQueryError);
    expect(error).toMatchObject({ field: 'q', message: expect.stringContaining('0.3 s') });
    const [running] = await database.query<{ sleeping: number }>(
      `SELECT count(*)::int AS sleeping FROM pg_stat_activity
        WHERE application_name = $1 AND state = 'active'
          AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()`,
      [applicationName],
    );
    expect(running?.sleeping).toBe(0);
  });
});
