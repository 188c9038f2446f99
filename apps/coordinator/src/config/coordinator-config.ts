import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { logEnvironment, type LogLevel } from '#logging';
import { databaseTimeoutsOf, type DatabaseTimeouts } from '#postgres';
import type { ReadFile } from '#messaging';
import {
  resilienceConfig,
  resilienceEnvironmentSchema,
  type ResilienceConfig,
} from './resilience-config.js';
import {
  retentionConfig,
  retentionEnvironmentSchema,
  retentionProblems,
  type RetentionConfig,
} from './retention-config.js';
import {
  startupEnvironmentSchema,
  startupTimeouts,
  type StartupTimeouts,
} from './startup-config.js';
import {
  securityConfigOf,
  securityEnvironmentSchema,
  type SecurityConfig,
} from './security-config.js';
import { hotPathTuning, tuningEnvironmentSchema, type HotPathTuning } from './tuning-config.js';
import { boundedInt, flag, optionalText } from './env-fields.js';
import { databaseEnvironmentSchema, withDatabaseUrlFile } from './database-config.js';
import { consoleConfig, consoleEnvironmentSchema, type ConsoleConfig } from './console-config.js';

/** How log lines look: `pretty` (coloured, for people), `json`, or `auto` (pretty on a terminal). */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

const environmentSchema = z
  .object({
    LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
    PORT: boundedInt(0, 65_535, 3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    KAFKA_BROKERS: optionalText(
      z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]'),
    ),
    KAFKA_SESSION_TIMEOUT_MS: boundedInt(6_000, 300_000, 10_000),
    KAFKA_REBALANCE_TIMEOUT_MS: boundedInt(1_000, 300_000, 15_000),
    KAFKA_CLIENT_ID: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'expected letters, digits, . _ or -')
      .default('saga-coordinator'),
    EMBEDDED_DATA_DIR: optionalText(z.string().min(1)),
    RUN_MIGRATIONS: flag(true),
    TOPIC_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{0,100}$/, "expected letters, digits, '.', '_' or '-'")
      .default(''),
    TOPIC_PARTITIONS: boundedInt(1, 1_000, 6),
    CONSUMER_GROUP: z
      .string()
      .regex(/^[\w.-]{1,200}$/, 'expected letters, digits, . _ or -')
      .default('saga-coordinator'),
    TIME_SCALE: z.coerce.number().positive().max(1_000).default(1),
    OUTBOX_LANES: boundedInt(1, 1_024, 16),
    RELAY_POLL_MS: boundedInt(10, 60_000, 500),
    RELAY_GRACE_MS: boundedInt(0, 3_600_000, 5_000),
    TIMER_POLL_MS: boundedInt(10, 60_000, 200),
    SAMPLE_PARTICIPANTS: flag(false),
    ALLOW_PARTIAL_EMBEDDED: flag(false),
    SAGA_DEFINITIONS_DIR: optionalText(z.string().min(1)),
    DEFINITIONS_POLL_MS: boundedInt(50, 60_000, 500),
    RAMP_CHECK_MS: boundedInt(100, 3_600_000, 5_000),
    RAMP_FALLBACK_MARGIN: z.coerce.number().min(0).max(1).default(0.2),
    RAMP_FALLBACK_MIN_SAGAS: boundedInt(1, 1_000_000, 20),
    STUCK_AFTER_MS: boundedInt(1_000, 7 * 24 * 3_600_000, 15 * 60_000),
    ...logEnvironment,
  })
  .extend(databaseEnvironmentSchema.shape)
  .extend(resilienceEnvironmentSchema.shape)
  .extend(retentionEnvironmentSchema.shape)
  .extend(startupEnvironmentSchema.shape)
  .extend(tuningEnvironmentSchema.shape)
  .extend(securityEnvironmentSchema.shape)
  .extend(consoleEnvironmentSchema.shape);

/** How registered definitions reach every instance, and when a ramp is rolled back. */
export interface DefinitionsConfig {
  /** How often each instance reads the definitions and routes registered elsewhere (ms). */
  readonly pollMs: number;
  /** How often the ramps are judged (ms). */
  readonly rampCheckMs: number;
  /** A ramp is rolled back when its failure share exceeds the active version's by more (0.2: 20 points). */
  readonly rampFallbackMargin: number;
  /** The ramping version's ended sagas needed before it is judged. */
  readonly rampFallbackMinSagas: number;
}

/** The coordinator's configuration, read from the environment once at start-up. */
export interface CoordinatorConfig {
  readonly port: number;
  readonly host: string;
  /** Kafka bootstrap servers; absent: the in-process transport (embedded mode). */
  readonly kafkaBrokers?: string[];
  readonly kafkaClientId: string;
  /**
   * Silence after which the broker evicts a consumer, and how long a rebalance waits for members
   * (ms). Short: a crashed instance's partitions move to the others that much sooner.
   */
  readonly kafkaSessionTimeoutMs: number;
  readonly kafkaRebalanceTimeoutMs: number;
  /** Postgres connection string; absent: the embedded Postgres (PGlite). */
  readonly databaseUrl?: string;
  readonly databaseSchema: string;
  readonly databasePoolSize: number;
  /** The connections' `application_name` in `pg_stat_activity` (`DATABASE_APPLICATION_NAME`). */
  readonly databaseApplicationName: string;
  /** Connect, statement, lock, idle-in-transaction and client query timeouts, TCP keep-alive. */
  readonly databaseTimeouts: DatabaseTimeouts;
  /** A migration's longest wait for a table lock (`DATABASE_MIGRATION_LOCK_TIMEOUT_MS`), ms. */
  readonly databaseMigrationLockTimeoutMs: number;
  /** Where the embedded Postgres keeps its files; absent: in memory. */
  readonly embeddedDataDir?: string;
  /** Apply pending migrations at start-up (default true). */
  readonly runMigrations: boolean;
  /** Prepended to every topic name, e.g. `staging.`. */
  readonly topicPrefix: string;
  /** Partitions of the topics the coordinator creates. */
  readonly topicPartitions: number;
  readonly consumerGroup: string;
  /** Multiplies every timer delay (tests and demos run real timeouts faster). */
  readonly timeScale: number;
  readonly outboxLanes: number;
  readonly relayPollMs: number;
  /**
   * How old an unsent outbox row must be before the relay publishes it: younger rows are the
   * fast path's of the instance that wrote them (ms).
   */
  readonly relayGraceMs: number;
  readonly timerPollMs: number;
  /** Run the sample participants in this process (always on with the in-process transport). */
  readonly sampleParticipants: boolean;
  /**
   * A directory of saga definition documents (`*.json`, `*.yaml`, `*.yml`) loaded at start-up
   * beside the built-in ones (`SAGA_DEFINITIONS_DIR`; default none).
   */
  readonly definitionsDirectory?: string;
  /** Definitions registered over the API, and the fall-back of their ramps (see DefinitionsConfig). */
  readonly definitions: DefinitionsConfig;
  /** Circuit breakers and back-pressure. */
  readonly resilience: ResilienceConfig;
  /** What expires when, and the set-aside of outbox rows that can never be sent. */
  readonly retention: RetentionConfig;
  /** A saga not terminal whose row has not changed for this long (ms) is listed as idle in `GET /sagas/stuck`. */
  readonly stuckAfterMs: number;
  /** Authentication, limits, encryption keys, Kafka TLS and SASL. */
  readonly security: SecurityConfig;
  /** How long each start-up phase may take (see StartupTimeouts). */
  readonly startup: StartupTimeouts;
  /** Batch sizes and fetch waits of the hot path (see HotPathTuning). */
  readonly tuning: HotPathTuning;
  /** The operator console at `/ui` (see ConsoleConfig). */
  readonly console: ConsoleConfig;
  /** Least severe level written to the JSON logs (`LOG_LEVEL`, default `info`). */
  readonly logLevel: LogLevel;
  /**
   * Extra fields hidden in logs and span attributes, besides each saga definition's `sensitive`
   * paths (`LOG_REDACT_PATHS`, dotted paths, `*` for any key, comma-separated; default none).
   */
  readonly logRedactPaths: readonly string[];
  /** How log lines look (`LOG_FORMAT`, default `auto`: pretty when stdout is a terminal, JSON otherwise). */
  readonly logFormat: (typeof LOG_FORMATS)[number];
}

/** Thrown when the environment holds a wrong value; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; values are never echoed (they may hold secrets). */
export function loadCoordinatorConfig(
  environment: Record<string, string | undefined>,
  readFile: ReadFile = (path) => readFileSync(path, 'utf8'),
): CoordinatorConfig {
  const problems: string[] = [];
  const parsed = environmentSchema.safeParse(withDatabaseUrlFile(environment, readFile, problems));
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
    throw configError(problems);
  }
  const env = parsed.data;
  const shape = {
    embedded: !env.DATABASE_URL && !env.KAFKA_BROKERS,
    persistentData: Boolean(env.DATABASE_URL ?? env.EMBEDDED_DATA_DIR),
  };
  // One of the two left out (a variable misspelt, or dropped by an overlay) would run half the
  // embedded mode beside a real other half: real sagas' commands sent to the in-process broker
  // and answered by the sample participants, or real topics read by a coordinator whose sagas
  // live in memory. Refused, but where a test asks for it.
  if (Boolean(env.DATABASE_URL) !== Boolean(env.KAFKA_BROKERS) && !env.ALLOW_PARTIAL_EMBEDDED) {
    const [set, unset] = env.DATABASE_URL
      ? ['DATABASE_URL', 'KAFKA_BROKERS']
      : ['KAFKA_BROKERS', 'DATABASE_URL'];
    problems.push(
      `${unset}: required with ${set} (set both for real use, neither for the embedded mode)`,
    );
  }
  if (!env.DATABASE_URL && !env.RUN_MIGRATIONS) {
    problems.push(
      'RUN_MIGRATIONS: false needs DATABASE_URL (the embedded database is migrated by its own process)',
    );
  }
  problems.push(...retentionProblems(env));
  const security = securityConfigOf(env, shape, readFile, problems);
  const databaseTimeouts = databaseTimeoutsOf(env, problems);
  if (problems.length > 0) throw configError(problems);
  return {
    port: env.PORT,
    host: env.HOST,
    ...(env.KAFKA_BROKERS ? { kafkaBrokers: env.KAFKA_BROKERS.split(',') } : {}),
    kafkaClientId: env.KAFKA_CLIENT_ID,
    kafkaSessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
    kafkaRebalanceTimeoutMs: env.KAFKA_REBALANCE_TIMEOUT_MS,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    databaseSchema: env.DATABASE_SCHEMA,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databaseApplicationName: env.DATABASE_APPLICATION_NAME,
    databaseTimeouts,
    databaseMigrationLockTimeoutMs: env.DATABASE_MIGRATION_LOCK_TIMEOUT_MS,
    ...(env.EMBEDDED_DATA_DIR ? { embeddedDataDir: env.EMBEDDED_DATA_DIR } : {}),
    runMigrations: env.RUN_MIGRATIONS,
    topicPrefix: env.TOPIC_PREFIX,
    topicPartitions: env.TOPIC_PARTITIONS,
    consumerGroup: env.CONSUMER_GROUP,
    timeScale: env.TIME_SCALE,
    outboxLanes: env.OUTBOX_LANES,
    relayPollMs: env.RELAY_POLL_MS,
    relayGraceMs: env.RELAY_GRACE_MS,
    timerPollMs: env.TIMER_POLL_MS,
    sampleParticipants: env.SAMPLE_PARTICIPANTS || !env.KAFKA_BROKERS,
    ...(env.SAGA_DEFINITIONS_DIR ? { definitionsDirectory: env.SAGA_DEFINITIONS_DIR } : {}),
    definitions: {
      pollMs: env.DEFINITIONS_POLL_MS,
      rampCheckMs: env.RAMP_CHECK_MS,
      rampFallbackMargin: env.RAMP_FALLBACK_MARGIN,
      rampFallbackMinSagas: env.RAMP_FALLBACK_MIN_SAGAS,
    },
    resilience: resilienceConfig(env),
    stuckAfterMs: env.STUCK_AFTER_MS,
    retention: retentionConfig(env),
    security,
    startup: startupTimeouts(env),
    tuning: hotPathTuning(env),
    console: consoleConfig(env),
    logLevel: env.LOG_LEVEL,
    logRedactPaths: env.LOG_REDACT_PATHS,
    logFormat: env.LOG_FORMAT,
  };
}

function configError(problems: readonly string[]): ConfigError {
  return new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}
