// Backends terminated under the SQL runner (pg_terminate_backend, as a failover or an operator
// does): a transaction that loses its connection fails or runs again, the process lives on.
import { PoolDatabase } from '#postgres';
import { terminateBackends, urlWithApplicationName } from '../../support/database-sessions.js';
import { uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('backends terminated under the SQL runner', () => {
  const applicationName = uniqueName('pgkill');
  let database: PoolDatabase;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    database = PoolDatabase.connect({ url: urlWithApplicationName(applicationName), poolSize: 4 });
    await database.open();
  });

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await database.close();
  });

  afterEach(() => {
    expect(uncaught).toEqual([]);
  });

  it('runs a transaction again when its backend was terminated before the commit', async () => {
    let attempts = 0;
    const rows = await database.transaction(async (sql) => {
      attempts++;
      await sql.query('SELECT 1');
      // The connection of this very transaction ends while it is checked out.
      if (attempts === 1) expect(await terminateBackends([applicationName])).toBeGreaterThan(0);
      return sql.query<{ one: number }>('SELECT 1 AS one');
    });
    expect(rows).toEqual([{ one: 1 }]);
    expect(attempts).toBe(2);
  });

  it('survives idle connections terminated in the pool', async () => {
    await Promise.all([1, 2, 3].map(() => database.query('SELECT pg_sleep(0.05)')));
    expect(await terminateBackends([applicationName])).toBeGreaterThan(0);
    await waitFor('a query to succeed after the sweep', async () =>
      (await database.query<{ one: number }>('SELECT 1 AS one').catch(() => []))[0]?.one === 1
        ? true
        : undefined,
    );
  });

  it('ends every transaction of a load swept by terminations, each committed or failed', async () => {
    let stop = false;
    let committed = 0;
    let failed = 0;
    const worker = async () => {
      while (!stop) {
        await database
          .transaction(async (sql) => {
            await sql.query('SELECT pg_sleep(0.005)');
            return sql.query('SELECT 1');
          })
          .then(
            () => committed++,
            () => failed++,
          );
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    let killed = 0;
    let sweeps = 0;
    // Sweeps until 20 backends died under the load, and transactions still commit after them.
    await waitFor(
      '20 backends terminated under load',
      async () => {
        killed += await terminateBackends([applicationName]);
        sweeps++;
        return killed >= 20 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    const before = committed;
    await waitFor('transactions to commit after the sweeps', () => committed >= before + 20, {
      timeoutMs: 30_000,
    });
    stop = true;
    await Promise.all(workers);
    console.log(
      `terminations: ${killed} backends in ${sweeps} sweeps; ${committed} committed, ${failed} failed`,
    );
  });
});
