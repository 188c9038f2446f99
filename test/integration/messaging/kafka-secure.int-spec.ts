// The kafkajs transport against a real broker listener that takes only SCRAM-SHA-512 over TLS
// (deploy/local/kafka-start.sh with KAFKA_SECURE_PORT; this test starts and stops that broker
// itself, on free ports of its own): the settings of KAFKA_SSL_CA_FILE and KAFKA_SASL_* get a
// message through; a wrong password and an untrusted certificate are refused.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IncomingMessage } from '#saga-core';
import { loadCoordinatorConfig } from '../../../apps/coordinator/src/config/coordinator-config.js';
import { kafkaSecurityOptions, KafkaTransport } from '#messaging';
import { brokerReadiness } from '../../../apps/coordinator/src/health/dependency-checks.js';
import { freePort } from '../../support/private-broker.js';
import { uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

const run = promisify(execFile);
const repo = process.cwd();
const user = 'coordinator';
const password = `scram-${uniqueName('pw')}`;

describe('Kafka over SCRAM-SHA-512 and TLS', () => {
  let brokerEnv: NodeJS.ProcessEnv;
  let broker: string;
  let caFile: string;
  let dataDir: string | undefined;
  const transports: KafkaTransport[] = [];

  /** A transport from these variables; `retries` low for the refusals, high for a fresh broker. */
  const transport = (env: Record<string, string>, retries = 1) => {
    const config = loadCoordinatorConfig({
      KAFKA_BROKERS: broker,
      ALLOW_PARTIAL_EMBEDDED: 'true',
      ...env,
    });
    const created = new KafkaTransport(
      {
        brokers: [broker],
        clientId: uniqueName('secure'),
        ...kafkaSecurityOptions(config.security.kafka),
        retry: { retries, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
        producer: { retry: { retries, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 } },
        consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
        logLevel: 'nothing',
      },
      { logger: { log: () => undefined } },
    );
    transports.push(created);
    return created;
  };

  beforeAll(async () => {
    const [plain, controller, secure] = [await freePort(), await freePort(), await freePort()];
    dataDir = join(repo, '.cache', 'kafka', uniqueName('secure'));
    brokerEnv = {
      ...process.env,
      KAFKA_DATA_DIR: dataDir,
      KAFKA_PORT: String(plain),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_SECURE_PORT: String(secure),
      KAFKA_SCRAM_USER: user,
      KAFKA_SCRAM_PASSWORD: password,
    };
    await run('bash', ['deploy/local/kafka-start.sh'], { env: brokerEnv, cwd: repo });
    broker = `127.0.0.1:${secure}`;
    caFile = join(dataDir, 'tls', 'ca.pem');
    expect(readFileSync(caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(transports.map((t) => t.close()));
    if (brokerEnv) await run('bash', ['deploy/local/kafka-stop.sh'], { env: brokerEnv, cwd: repo });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('publishes and consumes with the CA file and the SCRAM credentials', async () => {
    const secured = transport(
      {
        KAFKA_SSL_CA_FILE: caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: user,
        KAFKA_SASL_PASSWORD: password,
      },
      10,
    );
    const topic = uniqueName('secure_topic');
    await secured.administrator.ensureTopics([{ topic, partitions: 1 }]);
    await secured.publisher.publish([{ topic, key: 'k', headers: {}, value: '{"hello":1}' }]);
    const received: IncomingMessage[] = [];
    const groupId = uniqueName('secure_group');
    // A fresh broker loads its group coordinator for a moment: join again until it is ready.
    const consumer = await waitFor(
      'the consumer to join its group',
      async () => {
        const candidate = secured.createConsumer();
        try {
          await candidate.start({
            groupId,
            topics: [topic],
            handleBatch: async (messages) => {
              received.push(...messages);
              return { deadLetters: [] };
            },
          });
          return candidate;
        } catch {
          await candidate.stop().catch(() => undefined);
          return undefined;
        }
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    await waitFor('the message over SASL_SSL', () => received.length === 1, { timeoutMs: 30_000 });
    expect(received[0]?.value).toBe('{"hello":1}');
    await consumer.stop();
  }, 60_000);

  it('is ready only with the right credentials: the readiness check uses them too', async () => {
    const securityOf = (password: string) =>
      kafkaSecurityOptions(
        loadCoordinatorConfig({
          KAFKA_BROKERS: broker,
          ALLOW_PARTIAL_EMBEDDED: 'true',
          KAFKA_SSL_CA_FILE: caFile,
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: user,
          KAFKA_SASL_PASSWORD: password,
        }).security.kafka,
      );
    /** One check with `security`; its connection, kept for the next check, is closed after. */
    const checkOnce = async (security?: ReturnType<typeof securityOf>) => {
      const readiness = brokerReadiness([broker], security);
      try {
        await readiness.check();
      } finally {
        await readiness.close?.();
      }
    };
    await expect(checkOnce(securityOf(password))).resolves.toBeUndefined();
    await expect(checkOnce(securityOf('not-the-password'))).rejects.toThrow();
    await expect(checkOnce()).rejects.toThrow();
  }, 60_000);

  it('is refused with a wrong password', async () => {
    const wrong = transport({
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: user,
      KAFKA_SASL_PASSWORD: 'not-the-password',
    });
    await expect(
      wrong.administrator.ensureTopics([{ topic: uniqueName('never'), partitions: 1 }]),
    ).rejects.toThrow(/SASL|authentication|credentials/i);
  }, 60_000);

  it('refuses a broker whose certificate the system CAs do not vouch for', async () => {
    const untrusted = transport({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: user,
      KAFKA_SASL_PASSWORD: password,
    });
    await expect(
      untrusted.administrator.ensureTopics([{ topic: uniqueName('never'), partitions: 1 }]),
    ).rejects.toThrow(/certificate/i);
  }, 60_000);
});
