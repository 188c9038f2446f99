// A participant in another language: the Java shipping participant of examples/java-participant
// (written from docs/CONTRACT.md alone, plain Kafka client, its own idempotency store in
// Postgres) serves the order saga's shipping step next to the TypeScript inventory, payment and
// notification participants. 200 sagas, one in ten refused by the payment: every saga ends as
// it must, no effect is applied twice, and the conformance kit's command passes the Java
// participant. The jar is built by `npm test` (scripts/test.sh runs Maven).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Database, quoteIdentifier } from '#postgres';
import { silentParticipantLogger } from '#saga-participant';
import type { CoordinatorRuntime } from '../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import {
  appliedEffects,
  effectsAgainstOutcomes,
  effectsAppliedTwice,
  type AppliedEffect,
} from '../support/order-invariants.js';
import { orderPlans } from '../support/saga-load.js';
import { databaseUrl, kafkaBrokers } from '../support/services.js';
import { startProcess, type ServiceProcess } from '../support/service-process.js';
import { readTopics } from '../support/topic-reader.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const JAR = 'examples/java-participant/target/java-participant.jar';
const SAGAS = 200;

describe('the Java shipping participant', () => {
  let environment: CoordinatorEnvironment;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let java: ServiceProcess;
  let coordinator: CoordinatorRuntime;
  let javaSchema: string;

  beforeAll(async () => {
    assertJarBuilt();
    environment = await createEnvironment('e2e_java');
    javaSchema = `${environment.schema}_java`;
    // Shipping is the Java participant's.
    participants = await startKafkaParticipants(environment, {
      logger: silentParticipantLogger,
      only: ['inventory', 'payment', 'notification'],
    });
    java = startProcess('java', ['-jar', JAR], {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      DATABASE_URL: databaseUrl(),
      TOPIC_PREFIX: environment.topicPrefix,
      DB_SCHEMA: javaSchema,
    });
    await waitFor(
      'the Java participant to join its group',
      () => {
        if (java.hasExited()) throw new Error(`the Java participant exited: ${java.output()}`);
        return java.output().includes('java-participant ready') || undefined;
      },
      { timeoutMs: 60_000 },
    );
    coordinator = await startCoordinator(environment, { TIME_SCALE: '0.1' });
  }, 120_000);

  /** Starts an order saga per plan; their ids, in the plans' order. */
  const startAll = async (plans: ReturnType<typeof orderPlans>) =>
    (
      await Promise.all(
        plans.map((plan) =>
          coordinator.decisions.start({
            sagaType: 'order',
            idempotencyKey: plan.idempotencyKey,
            input: plan.input,
          }),
        ),
      )
    ).map((saga) => saga.sagaId);

  afterAll(async () => {
    await coordinator?.stop();
    await java?.stop();
    await participants?.stop();
    await environment?.db.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(javaSchema)} CASCADE`);
    await environment?.dispose();
  });

  it('takes part in 200 order sagas: each ends as it must, no effect twice', async () => {
    const plans = orderPlans('java', SAGAS);
    const ids = await startAll(plans);
    const ended = await waitForSagas(environment.db, ids, ['completed', 'compensated'], 180_000);

    const statusOf = new Map(ended.map((saga) => [saga.id, saga.status]));
    const wrong = plans.filter((plan, i) => statusOf.get(ids[i]!) !== plan.expected);
    expect(wrong.map((plan) => plan.idempotencyKey)).toEqual([]);
    expect(plans.filter((plan) => plan.expected === 'compensated')).toHaveLength(SAGAS / 10);

    const effects = [
      ...appliedEffects(participants!.ledgers),
      ...(await javaShipments(environment.db, javaSchema)),
    ];
    expect(effectsAppliedTwice(effects)).toEqual([]);
    expect(effectsAgainstOutcomes(ended, effects)).toEqual([]);
  }, 240_000);

  it('passes the conformance kit, run as a user runs it', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'dist/apps/conformance/src/main.js',
        '--participant',
        'shipping',
        '--brokers',
        kafkaBrokers().join(','),
        '--topic-prefix',
        environment.topicPrefix,
        // A saga that compensates shipping, so that duties 3 and 4 are checked too.
        '--definitions',
        'examples/definitions',
        '--inputs',
        'test/fixtures/conformance-inputs.json',
      ],
      { env: { PATH: process.env.PATH ?? '' } },
    ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the kit failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`);
    });
    expect(stdout).toContain('0 failed: CONFORMS');
    expect(stdout).toContain('PASS  late-command-refused (duty 4) on shipment v1 / ship');
    expect(stdout).toContain('PASS  compensation-of-unknown-key (duty 3) on shipment v1 / ship');
  }, 120_000);

  it('dead-letters a command too large to dead-letter whole, stripped, and goes on', async () => {
    const commands = `${environment.topicPrefix}shipping.commands`;
    // Under the broker's 1 MiB for itself; its dead letter, with the dlq-* headers, over the
    // producer's max.request.size (1,048,576 bytes): refused as too large on every retry.
    await participants!.transport.publisher.publish([
      { topic: commands, key: 'too-large', headers: {}, value: 'x'.repeat(1_048_400) },
    ]);
    await waitFor(
      'its stripped dead letter',
      async () =>
        (await readTopics([`${commands}.dlq`])).some(
          (record) =>
            record.key === 'too-large' &&
            record.headers['dlq-value-truncated'] === 'true' &&
            record.value === null,
        ) || undefined,
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    // Its partitions went on: new sagas end as they must.
    const plans = orderPlans('java-after', 6);
    const ended = await waitForSagas(
      environment.db,
      await startAll(plans),
      ['completed', 'compensated'],
      60_000,
    );
    expect(ended.map((saga) => saga.status).sort()).toEqual(
      plans.map((plan) => plan.expected).sort(),
    );
  }, 180_000);

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await java.stop('SIGTERM')).toBe(0);
  }, 60_000);
});

/** Throws unless the jar exists and is newer than every source of it (a stale jar tests old code). */
function assertJarBuilt(): void {
  const rebuild = 'npm test builds it (or: mvn -q -f examples/java-participant/pom.xml package)';
  if (!existsSync(JAR)) throw new Error(`${JAR} is missing: ${rebuild}`);
  const built = statSync(JAR).mtimeMs;
  const sources = readdirSync('examples/java-participant', { recursive: true, encoding: 'utf8' })
    .filter((path) => !path.startsWith('target') && /\.(java|xml|properties)$/.test(path))
    .map((path) => join('examples/java-participant', path));
  const newer = sources.filter((path) => statSync(path).mtimeMs > built);
  if (newer.length > 0) throw new Error(`${JAR} is older than ${newer.join(', ')}: ${rebuild}`);
}

/** The shipments the Java participant applied, as ledger entries (one row per applied effect). */
async function javaShipments(db: Database, schema: string): Promise<AppliedEffect[]> {
  const rows = await db.query<{ idempotency_key: string; command_type: string; at: Date }>(
    `SELECT idempotency_key, command_type, applied_at AS at FROM ${quoteIdentifier(schema)}.effects`,
  );
  return rows.map((row) => ({
    participant: 'shipping',
    idempotencyKey: row.idempotency_key,
    commandType: row.command_type,
    at: new Date(row.at).toISOString(),
  }));
}
