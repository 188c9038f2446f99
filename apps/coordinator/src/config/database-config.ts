import { z } from 'zod';
import {
  DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  databaseTimeoutEnvironment,
  databaseTimeoutsOf,
  type DatabaseTimeouts,
} from '#postgres';
import type { ReadFile } from '#messaging';
import { boundedInt, optionalText } from './env-fields.js';
import { startupEnvironmentSchema } from './startup-config.js';

/** The database part of the environment (names in docs/CONFIGURATION.md). */
export const databaseEnvironmentSchema = z.object({
  DATABASE_URL: optionalText(
    z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// connection string'),
  ),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'expected a lowercase SQL identifier')
    .default('public'),
  DATABASE_POOL_SIZE: boundedInt(1, 200, 10),
  DATABASE_APPLICATION_NAME: z
    .string()
    .regex(/^[\w.:-]{1,63}$/, 'expected 1 to 63 letters, digits, . _ : or -')
    .default('saga-coordinator'),
  ...databaseTimeoutEnvironment,
  DATABASE_MIGRATION_LOCK_TIMEOUT_MS: boundedInt(0, 3_600_000, DEFAULT_MIGRATION_LOCK_TIMEOUT_MS),
});

/**
 * The environment with `DATABASE_URL` read from `DATABASE_URL_FILE` when only the file is named
 * (a mounted secret: the URL holds the password). Pushes a problem, never the file's content,
 * when both are set or the file cannot be read.
 */
export function withDatabaseUrlFile(
  environment: Record<string, string | undefined>,
  readFile: ReadFile,
  problems: string[],
): Record<string, string | undefined> {
  const path = environment.DATABASE_URL_FILE;
  if (path === undefined || path === '') return environment;
  if (environment.DATABASE_URL) {
    problems.push('DATABASE_URL_FILE: set either it or DATABASE_URL, not both');
    return environment;
  }
  let url: string;
  try {
    url = readFile(path).trim();
  } catch {
    problems.push('DATABASE_URL_FILE: cannot be read');
    return environment;
  }
  // Empty would read as unset, and a coordinator would quietly take the embedded database.
  if (url === '') problems.push('DATABASE_URL_FILE: the file is empty');
  return { ...environment, DATABASE_URL: url };
}

/** What the migrate command needs: the database, and how long to wait for it. */
export interface MigrationConfig {
  readonly databaseUrl: string;
  readonly databaseSchema: string;
  readonly databaseApplicationName: string;
  readonly databaseTimeouts: DatabaseTimeouts;
  /** A migration's longest wait for a table lock (`DATABASE_MIGRATION_LOCK_TIMEOUT_MS`), ms. */
  readonly databaseMigrationLockTimeoutMs: number;
  /** Bound of connecting (`STARTUP_DATABASE_TIMEOUT_MS`), ms. */
  readonly connectMs: number;
  /** Bound of migrating, waits behind another migrator included (`STARTUP_MIGRATIONS_TIMEOUT_MS`), ms. */
  readonly migrationsMs: number;
}

/**
 * Reads the migrate command's configuration: only the database and the start-up bounds, so a
 * migration job needs no keys nor broker. Throws with every problem (`NAME: why`, never a value).
 */
export function loadMigrationConfig(
  environment: Record<string, string | undefined>,
  readFile: ReadFile,
): MigrationConfig {
  const problems: string[] = [];
  const resolved = withDatabaseUrlFile(environment, readFile, problems);
  const parsed = databaseEnvironmentSchema
    .extend(startupEnvironmentSchema.shape)
    .safeParse(resolved);
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
    throw new MigrationConfigError(problems);
  }
  const env = parsed.data;
  const databaseTimeouts = databaseTimeoutsOf(env, problems);
  if (env.DATABASE_URL === undefined && problems.length === 0) {
    problems.push(
      'DATABASE_URL: required (or DATABASE_URL_FILE); the embedded database migrates itself at start-up',
    );
  }
  if (problems.length > 0 || env.DATABASE_URL === undefined) {
    throw new MigrationConfigError(problems);
  }
  return {
    databaseUrl: env.DATABASE_URL,
    databaseSchema: env.DATABASE_SCHEMA,
    databaseApplicationName: env.DATABASE_APPLICATION_NAME,
    databaseTimeouts,
    databaseMigrationLockTimeoutMs: env.DATABASE_MIGRATION_LOCK_TIMEOUT_MS,
    connectMs: env.STARTUP_DATABASE_TIMEOUT_MS,
    migrationsMs: env.STARTUP_MIGRATIONS_TIMEOUT_MS,
  };
}

/** The migrate command's configuration is wrong; the message names every bad variable. */
export class MigrationConfigError extends Error {
  override name = 'MigrationConfigError';
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}
