export {
  DatabaseTimeoutError,
  isConnectionLoss,
  isDatabaseUnavailable,
} from './connection-errors.js';
export {
  DEFAULT_DATABASE_TIMEOUTS,
  poolTimeoutOptions,
  type DatabaseTimeouts,
  type StatementTimeouts,
} from './connection-settings.js';
export { dataErrorReason, sqlStateOf } from './data-errors.js';
export { Database } from './database.js';
export { quoteIdentifier, searchPathOption } from './identifiers.js';
export {
  DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  releaseMigrationLock,
  takeMigrationLock,
  type MigrationLock,
} from './migration-lock.js';
export { PoolDatabase, type PoolSettings } from './pool-database.js';
export {
  RetentionLoop,
  type PurgeTask,
  type RetentionLoopOptions,
  type TaskOutcome,
} from './retention-loop.js';
export { retryWhileUnavailable } from './retry-while-unavailable.js';
export {
  createSchemaIfMissing,
  failingOnCancel,
  MigrationCancelledError,
  schemaExists,
  type SchemaConnection,
} from './schema-setup.js';
export { SingleConnectionDatabase } from './single-connection-database.js';
export {
  isLostRace,
  MAX_NAMED_STATEMENTS,
  prepared,
  type SqlRunner,
  type TransactionOptions,
} from './sql-runner.js';
export { databaseTimeoutEnvironment, databaseTimeoutsOf } from './timeout-environment.js';
