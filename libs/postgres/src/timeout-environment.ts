import { z } from 'zod';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from './connection-settings.js';

const ms = (max: number, fallback: number) =>
  z.coerce.number().int().min(0).max(max).default(fallback);
const HOUR = 3_600_000;
const defaults = DEFAULT_DATABASE_TIMEOUTS;

/**
 * The database timeouts of the environment, read the same way by the coordinator and the
 * participants (names, units and defaults in docs/CONFIGURATION.md; 0 turns a limit off).
 */
export const databaseTimeoutEnvironment = {
  DATABASE_CONNECT_TIMEOUT_MS: ms(HOUR, defaults.connectTimeoutMs),
  DATABASE_STATEMENT_TIMEOUT_MS: ms(24 * HOUR, defaults.statementTimeoutMs),
  DATABASE_LOCK_TIMEOUT_MS: ms(24 * HOUR, defaults.lockTimeoutMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: ms(24 * HOUR, defaults.idleInTransactionTimeoutMs),
  DATABASE_QUERY_TIMEOUT_MS: ms(24 * HOUR, defaults.queryTimeoutMs),
  DATABASE_KEEPALIVE: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .optional()
    .transform((value) =>
      value === undefined ? defaults.keepAlive : value === 'true' || value === '1',
    ),
  DATABASE_KEEPALIVE_INITIAL_DELAY_MS: ms(HOUR, defaults.keepAliveInitialDelayMs),
};

type TimeoutEnvironment = {
  [K in keyof typeof databaseTimeoutEnvironment]: z.output<(typeof databaseTimeoutEnvironment)[K]>;
};

/**
 * The timeouts the parsed environment asks for; adds a problem when the client's query timeout
 * would cut a statement the server still allows (the server's clearer error must come first).
 */
export function databaseTimeoutsOf(env: TimeoutEnvironment, problems: string[]): DatabaseTimeouts {
  const timeouts: DatabaseTimeouts = {
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: env.DATABASE_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    keepAlive: env.DATABASE_KEEPALIVE,
    keepAliveInitialDelayMs: env.DATABASE_KEEPALIVE_INITIAL_DELAY_MS,
  };
  const { queryTimeoutMs, statementTimeoutMs } = timeouts;
  if (queryTimeoutMs > 0 && statementTimeoutMs > 0 && queryTimeoutMs <= statementTimeoutMs) {
    problems.push(
      'DATABASE_QUERY_TIMEOUT_MS: must be longer than DATABASE_STATEMENT_TIMEOUT_MS, or 0',
    );
  }
  return timeouts;
}
