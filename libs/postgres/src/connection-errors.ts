/** A query that got no answer within the pool's query timeout; its connection was dropped. */
export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError';
}

/**
 * SQLSTATEs of a connection the server ended or refused (class 08, and 57P01–57P03, 25P03), or
 * on which it refuses every write (25006: a standby, which a writer's address may lead to for a
 * while after a failover; a new connection may reach the writer). The coordinator's own
 * read-only transactions (operators' queries) never write.
 */
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '25P03', '25006']);
/**
 * What node-postgres and the socket say when the connection died under a query; and TypeORM,
 * whose query runner lets its connection go when the connection fails (a backend terminated while
 * a data source initializes: it then queries a runner already released).
 */
const LOST_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Query runner already released',
];
/**
 * What node-postgres says when no connection could be had in time (opening one, or waiting for
 * a free one in the pool): unavailable, but not worth an immediate retry (each waited the whole
 * connect timeout).
 */
const CONNECT_TIMEOUT_MESSAGES = [
  'timeout expired',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
];
/**
 * Socket and name-resolution errors: the connection died or could not be made (a host name that
 * does not resolve during a failover, a network down), so nothing of the transaction was sent.
 */
const LOST_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** The server gave up on a statement or a lock: busy, not broken. */
const TIMEOUT_SQLSTATES = new Set(['57014', '55P03']);
/** Class 53, insufficient resources (too many connections, disk full, out of memory). */
const SHORT_OF_RESOURCES = '53';

/**
 * True when `error` says the connection was lost, ended by the server or refused (not when
 * opening one timed out: see isDatabaseUnavailable): the transaction did not commit (unless the loss came during the COMMIT itself) and running it
 * again on another connection is safe.
 */
export function isConnectionLoss(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (code.startsWith('08') || LOST_SQLSTATES.has(code))) return true;
  if (code !== undefined && LOST_ERRNOS.has(code)) return true;
  const message = messageOf(error);
  if (CONNECT_TIMEOUT_MESSAGES.some((timeout) => message.startsWith(timeout))) return false;
  return LOST_MESSAGES.some((lost) => message.startsWith(lost));
}

/**
 * True when the database is unreachable, too slow to answer or short of resources (a lost
 * connection, a client-side query timeout, a statement or lock timeout, too many clients, a
 * full disk): the caller should try again later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isConnectionLoss(error)) return true;
  if (causeChain(error).some((link) => link instanceof DatabaseTimeoutError)) return true;
  const message = messageOf(error);
  if (CONNECT_TIMEOUT_MESSAGES.some((timeout) => message.startsWith(timeout))) return true;
  const code = codeOf(error);
  return code !== undefined && (TIMEOUT_SQLSTATES.has(code) || code.startsWith(SHORT_OF_RESOURCES));
}

/** True for node-postgres's own "no answer within query_timeout" error. */
export function isQueryReadTimeout(error: unknown): boolean {
  return causeChain(error).some(
    (link) => (link as { message?: unknown }).message === 'Query read timeout',
  );
}

function codeOf(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  for (const link of causeChain(error)) {
    const message = (link as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return '';
}

/** The error, TypeORM's `driverError` under it and the `cause`s, outermost first. */
function causeChain(error: unknown): object[] {
  const chain: object[] = [];
  let link: unknown = error;
  while (typeof link === 'object' && link !== null && chain.length < 5 && !chain.includes(link)) {
    chain.push(link);
    const next = link as { driverError?: unknown; cause?: unknown };
    link = next.driverError ?? next.cause;
  }
  return chain;
}
