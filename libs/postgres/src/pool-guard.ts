import type { Pool, PoolClient } from 'pg';

const guarded = new WeakSet<Pool>();
const listening = new WeakSet<PoolClient>();

/** What node-postgres keeps private about a client; read to drop one that cannot be reused. */
interface ClientInternals {
  _getActiveQuery?: () => unknown;
  _queryable?: boolean;
}

/**
 * Makes a node-postgres pool survive its connections dying (idempotent): every client gets an
 * `'error'` listener for its whole life, so an error while it is checked out (the backend was
 * terminated, the socket reset) fails its queries instead of crashing the process; and a
 * client given back with a query still waiting for its answer (the query timeout fired on a
 * socket that no longer answers) is dropped, never handed out again. Errors of idle clients
 * reach the pool's own `'error'` listeners (PoolSettings' `onIdleError`), logged once there.
 */
export function guardPool(pool: Pool): void {
  if (guarded.has(pool)) return;
  guarded.add(pool);
  pool.on('acquire', (client) => {
    if (listening.has(client)) return;
    listening.add(client);
    // The query in hand rejects with the error; its caller reports it.
    client.on('error', () => undefined);
  });
  pool.on('release', (_error: Error | undefined, client: PoolClient) => {
    const internals = client as unknown as ClientInternals;
    // pg-pool reads the flag right after this event and ends the client (destroying its socket).
    if (internals._getActiveQuery?.() != null) internals._queryable = false;
  });
}
