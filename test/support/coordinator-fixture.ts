import { PoolDatabase, quoteIdentifier } from '#postgres';
import {
  loadCoordinatorConfig,
  type CoordinatorConfig,
} from '../../apps/coordinator/src/config/coordinator-config.js';
import type { CoordinatorRuntime } from '../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../apps/coordinator/src/runtime/coordinator-core.module.js';
import { createSampleSagaRegistry } from '../../apps/coordinator/src/sagas/saga-catalog.js';
import { KafkaTransport } from '#messaging';
import {
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipants,
  type SampleParticipantsOptions,
} from '../../apps/sample-participants/src/sample-participants.js';
import { databaseUrl, kafkaBrokers, uniqueName } from './services.js';
import { TEST_SECURITY_ENV } from './test-credentials.js';
import { waitFor } from './wait-for.js';

/** An isolated environment on the real services: its own database schema and topic prefix. */
export interface CoordinatorEnvironment {
  readonly schema: string;
  readonly topicPrefix: string;
  /** The environment variables a coordinator process of this environment needs. */
  readonly env: Record<string, string>;
  config(overrides?: Record<string, string>): CoordinatorConfig;
  /** A connection to the environment's schema, for assertions. */
  readonly db: PoolDatabase;
  dispose(): Promise<void>;
}

/** Where an environment lives: by default, the shared Kafka and Postgres of the test run. */
export interface EnvironmentServices {
  readonly brokers?: string[];
  readonly databaseUrl?: string;
}

/** Creates a fresh schema and topic prefix on the real Postgres and Kafka. */
export async function createEnvironment(
  name: string,
  services: EnvironmentServices = {},
): Promise<CoordinatorEnvironment> {
  const schema = uniqueName(name);
  const topicPrefix = `${schema}.`;
  const url = services.databaseUrl ?? databaseUrl();
  const env = {
    KAFKA_BROKERS: (services.brokers ?? kafkaBrokers()).join(','),
    DATABASE_URL: url,
    DATABASE_SCHEMA: schema,
    TOPIC_PREFIX: topicPrefix,
    TOPIC_PARTITIONS: '3',
    RELAY_POLL_MS: '100',
    TIMER_POLL_MS: '50',
    ...TEST_SECURITY_ENV,
  };
  const admin = PoolDatabase.connect({ url, poolSize: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  } finally {
    await admin.close();
  }
  const db = PoolDatabase.connect({ url, schema, poolSize: 2 });
  await db.open();
  return {
    schema,
    topicPrefix,
    env,
    db,
    config: (overrides = {}) => loadCoordinatorConfig({ ...env, ...overrides }),
    async dispose() {
      await db.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
      await db.close();
    },
  };
}

/** Starts a coordinator runtime in this process on the environment. */
export async function startCoordinator(
  environment: CoordinatorEnvironment,
  overrides: Record<string, string> = {},
): Promise<CoordinatorRuntime> {
  const runtime = await createCoordinatorRuntime({
    config: environment.config(overrides),
    registry: createSampleSagaRegistry(),
  });
  await runtime.start();
  return runtime;
}

/**
 * The sample participants on Kafka in this process, with their own transport (closed by their
 * `stop`); `options` go to startSampleParticipants (which participants, fault injection, logger).
 */
export async function startKafkaParticipants(
  environment: CoordinatorEnvironment,
  options: Omit<SampleParticipantsOptions, 'consumerFactory' | 'publisher' | 'topicPrefix'> = {},
): Promise<SampleParticipants & { transport: KafkaTransport }> {
  const transport = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'test-participants' });
  await transport.administrator.ensureTopics(sampleParticipantTopics(environment.topicPrefix, 3));
  const participants = await startSampleParticipants({
    consumerFactory: () => transport.createConsumer(),
    publisher: transport.publisher,
    topicPrefix: environment.topicPrefix,
    ...options,
  });
  return {
    ...participants,
    transport,
    async stop() {
      await participants.stop();
      await transport.close();
    },
  };
}

/** Waits until every listed saga has one of the `statuses`; resolves with the rows. */
export async function waitForSagas(
  db: PoolDatabase,
  sagaIds: readonly string[],
  statuses: readonly string[],
  timeoutMs = 60_000,
): Promise<{ id: string; status: string }[]> {
  return waitFor(
    `${sagaIds.length} saga(s) to reach ${statuses.join('/')}`,
    async () => {
      const rows = await db.query<{ id: string; status: string }>(
        `SELECT id, status FROM sagas WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify(sagaIds)],
      );
      return rows.length === sagaIds.length && rows.every((row) => statuses.includes(row.status))
        ? rows
        : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}
