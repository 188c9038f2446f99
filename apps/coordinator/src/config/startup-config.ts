import { z } from 'zod';
import { boundedInt } from './env-fields.js';

/** How long each start-up phase may take before the process gives up with a clear error, in ms. */
export interface StartupTimeouts {
  /** Connecting to Postgres (and creating the schema): `STARTUP_DATABASE_TIMEOUT_MS`, default 30 000. */
  readonly databaseMs: number;
  /** Applying the migrations (waits on other instances' migration locks): `STARTUP_MIGRATIONS_TIMEOUT_MS`, default 120 000. */
  readonly migrationsMs: number;
  /** Creating or checking the topics: `STARTUP_TOPICS_TIMEOUT_MS`, default 60 000. */
  readonly topicsMs: number;
  /**
   * Consumers joining their groups (a join after a crash waits out the dead member's session):
   * past it an error line says so and the consumers keep trying, readiness down meanwhile:
   * `STARTUP_CONSUMERS_TIMEOUT_MS`, default 90 000.
   */
  readonly consumersMs: number;
  /** Listening on HTTP: `STARTUP_HTTP_TIMEOUT_MS`, default 30 000. */
  readonly httpMs: number;
}

/** A phase's timeout: 100 ms to an hour. */
const timeout = (fallback: number) => boundedInt(100, 3_600_000, fallback);

/** The start-up part of the environment (names in docs/CONFIGURATION.md). */
export const startupEnvironmentSchema = z.object({
  STARTUP_DATABASE_TIMEOUT_MS: timeout(30_000),
  STARTUP_MIGRATIONS_TIMEOUT_MS: timeout(120_000),
  STARTUP_TOPICS_TIMEOUT_MS: timeout(60_000),
  STARTUP_CONSUMERS_TIMEOUT_MS: timeout(90_000),
  STARTUP_HTTP_TIMEOUT_MS: timeout(30_000),
});

/** Builds the start-up timeouts from the parsed environment. */
export function startupTimeouts(env: z.infer<typeof startupEnvironmentSchema>): StartupTimeouts {
  return {
    databaseMs: env.STARTUP_DATABASE_TIMEOUT_MS,
    migrationsMs: env.STARTUP_MIGRATIONS_TIMEOUT_MS,
    topicsMs: env.STARTUP_TOPICS_TIMEOUT_MS,
    consumersMs: env.STARTUP_CONSUMERS_TIMEOUT_MS,
    httpMs: env.STARTUP_HTTP_TIMEOUT_MS,
  };
}
