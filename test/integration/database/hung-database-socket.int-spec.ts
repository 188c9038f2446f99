// A connection whose socket stops answering without closing (a half-open TCP connection, a hung
// network path): the server's statement_timeout cannot fire, so the client's own bound must.
import { PoolDatabase } from '#postgres';
import { urlWithApplicationName } from '../../support/database-sessions.js';
import { startFreezableProxy, type FreezableProxy } from '../../support/freezable-proxy.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

describe('a database socket that hangs', () => {
  let proxy: FreezableProxy;
  let database: PoolDatabase;

  let url: URL;
  /** A pool through the proxy whose own bound on a query is `queryTimeoutMs`. */
  const connect = (queryTimeoutMs: number) =>
    PoolDatabase.connect({
      url: url.toString(),
      poolSize: 2,
      timeouts: {
        connectTimeoutMs: 1_000,
        statementTimeoutMs: 500,
        lockTimeoutMs: 500,
        idleInTransactionTimeoutMs: 2_000,
        queryTimeoutMs,
        keepAlive: true,
        keepAliveInitialDelayMs: 1_000,
      },
    });

  beforeAll(async () => {
    const real = new URL(databaseUrl());
    proxy = await startFreezableProxy({ host: real.hostname, port: Number(real.port || 5432) });
    url = new URL(urlWithApplicationName(uniqueName('hung')));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    database = connect(1_000);
    await database.open();
  });

  afterAll(async () => {
    proxy.unfreeze();
    await database.close();
    await proxy.close();
  });

  const selectOne = () =>
    database.transaction((sql) => sql.query<{ one: number }>('SELECT 1 AS one'));

  it('fails a transaction with a clear timeout and drops its connection', async () => {
    expect(await selectOne()).toEqual([{ one: 1 }]);
    proxy.freeze();
    await expect(selectOne()).rejects.toThrow(/did not answer within 1000 ms/);
    // The frozen connection is not handed out again: the next transaction gets a new one.
    const opened = proxy.connections();
    expect(await selectOne()).toEqual([{ one: 1 }]);
    expect(proxy.connections()).toBe(opened + 1);
    proxy.unfreeze();
    expect(await selectOne()).toEqual([{ one: 1 }]);
  }, 15_000);

  it('drops a connection whose plain query timed out instead of handing it out again', async () => {
    expect(await database.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    proxy.freeze();
    await expect(database.query('SELECT 1 AS one')).rejects.toThrow(
      /did not answer within 1000 ms/,
    );
    for (let i = 0; i < 4; i++) {
      expect(await database.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    }
    proxy.unfreeze();
  }, 15_000);

  it('stops a statement the server runs too long with the server-side statement timeout', async () => {
    // The client's own bound far past the statement's 2 s: only the server's 500 ms can stop it,
    // however late its answer arrives on a busy machine.
    const patient = connect(30_000);
    await patient.open();
    try {
      await expect(patient.transaction((sql) => sql.query('SELECT pg_sleep(2)'))).rejects.toThrow(
        /statement timeout/,
      );
      expect(await patient.transaction((sql) => sql.query('SELECT 1 AS one'))).toEqual([
        { one: 1 },
      ]);
    } finally {
      await patient.close();
    }
  }, 45_000);
});
