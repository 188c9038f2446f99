import type { SqlRunner } from '#postgres';

/**
 * The session's `idle_in_transaction_session_timeout` in ms (0: none), read as a column of a
 * statement the transaction runs anyway: `SELECT ..., ${IDLE_LIMIT_MS} AS idle_limit_ms`.
 */
export const IDLE_LIMIT_MS = `(extract(epoch FROM current_setting('idle_in_transaction_session_timeout')::interval) * 1000)::float8`;

/**
 * Runs `work` with `sql`, a transaction's runner, and keeps the transaction from being ended as
 * idle (`idle_in_transaction_session_timeout`, `idleLimitMs`) while `work` waits on something
 * else, a broker: a `SELECT 1` a third of that limit after the last statement ended, for as long
 * as `work` runs (a wait that outlasts the limit is the caller's to bound). The statements of
 * `work` go through the runner given to it, one at a time with the keep-alive's (a connection
 * takes one at a time). A keep-alive that fails is ignored: the connection is lost, and the next
 * statement of `work` fails so. A limit of 0 (none) needs no keep-alive.
 */
export async function keepingAlive<T>(
  sql: SqlRunner,
  idleLimitMs: number,
  work: (sql: SqlRunner) => Promise<T>,
): Promise<T> {
  if (!(idleLimitMs > 0)) return work(sql);
  const periodMs = Math.max(1, Math.floor(idleLimitMs / 3));
  let last: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const schedule = () => {
    clearTimeout(timer);
    if (done) return;
    timer = setTimeout(() => {
      inTurn(() => sql.query('SELECT 1')).catch(() => undefined);
    }, periodMs);
  };
  // Each statement waits for the one before; the timer counts from the last one's end.
  const inTurn = <R>(run: () => Promise<R>): Promise<R> => {
    clearTimeout(timer);
    const result = last.then(run);
    last = result.then(schedule, schedule);
    return result;
  };
  schedule();
  try {
    return await work({
      ...sql,
      query: <Row>(text: string, parameters?: unknown[]) =>
        inTurn(() => sql.query<Row>(text, parameters)),
    });
  } finally {
    done = true;
    clearTimeout(timer);
    await last;
  }
}
