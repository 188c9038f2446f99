// A canary in a sensitive field (the order's payment.cardToken) sent through the built
// coordinator process on the real Kafka and Postgres: it reaches the one command that needs it
// (payment.authorize, on the payment command topic) and nothing else — not a database row, not
// another topic (saga.events included), not a dead letter, not the API for a caller without read-sensitive, not a line
// the coordinator prints.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { REDACTED } from '#contracts';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { readyUrl, startService, type ServiceProcess } from '../support/service-process.js';
import { kafkaBrokers } from '../support/services.js';
import { asKey } from '../support/test-credentials.js';
import { publishRaw, readTopics } from '../support/topic-reader.js';
import { waitFor } from '../support/wait-for.js';

const entry = 'dist/apps/coordinator/src/main.js';

describe('a secret in a sensitive field', () => {
  const canary = `canary-${randomUUID()}`;
  let environment: CoordinatorEnvironment;
  let service: ServiceProcess | undefined;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let url: string;
  let sagaId: string;

  const input = (orderId: string) => ({
    orderId,
    customerId: 'c-1',
    items: [{ sku: 'pear', quantity: 1 }],
    amount: 20,
    currency: 'EUR',
    payment: { cardToken: canary },
  });
  const view = async (who: Parameters<typeof asKey>[0], path = `/sagas/${sagaId}`) => {
    const response = await fetch(`${url}${path}`, { headers: asKey(who) });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    environment = await createEnvironment('e2e_canary');
    service = startService(entry, { ...environment.env, PORT: '0', TIME_SCALE: '0.1' });
    url = await readyUrl(service);
    participants = await startKafkaParticipants(environment);
    const started = await fetch(`${url}/sagas`, {
      method: 'POST',
      headers: { ...asKey('orderStarter'), 'content-type': 'application/json' },
      body: JSON.stringify({
        sagaType: 'order',
        idempotencyKey: 'canary-order',
        input: input('o-1'),
      }),
    });
    expect(started.status).toBe(202);
    sagaId = ((await started.json()) as { sagaId: string }).sagaId;
    await waitFor(
      'the canary saga to complete',
      async () => ((await view('reader')).text.includes('"status":"completed"') ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // Two start requests over Kafka that end as dead letters: the key reused with another
    // input, and a request with an unknown field.
    const start = `${environment.topicPrefix}saga.start`;
    await publishRaw([
      {
        topic: start,
        key: 'conflict',
        headers: {},
        value: JSON.stringify({
          sagaType: 'order',
          idempotencyKey: 'canary-order',
          input: input('o-2'),
        }),
      },
      {
        topic: start,
        key: 'unknown-field',
        headers: {},
        value: JSON.stringify({
          sagaType: 'order',
          idempotencyKey: 'k-2',
          input: input('o-3'),
          admin: true,
        }),
      },
    ]);
    await waitFor(
      'both dead letters',
      async () => ((await readTopics([`${start}.dlq`])).length >= 2 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 180_000);

  afterAll(async () => {
    await participants?.stop();
    await service?.stop('SIGTERM');
    await environment?.dispose();
  });

  it('is not in any row of the coordinator’s database', async () => {
    const tables = await environment.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [environment.schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['sagas', 'outbox', 'saga_audit']),
    );
    for (const { table_name } of tables) {
      const rows = await environment.db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      for (const { row } of rows) expect(row).not.toContain(canary);
    }
    const [saga] = await environment.db.query<{ token: string }>(
      `SELECT state->'input'->'payment'->>'cardToken' AS token FROM sagas WHERE id = $1`,
      [sagaId],
    );
    expect(saga?.token).toMatch(/^enc:v1:test-1:/);
  });

  it('is on the payment command topic only, in the authorize command', async () => {
    const kafka = new Kafka({
      clientId: 'canary',
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    // saga.start itself is left out: the service that starts the saga wrote the secret there.
    const start = `${environment.topicPrefix}saga.start`;
    const topics = (await admin.listTopics()).filter(
      (t) => t.startsWith(environment.topicPrefix) && t !== start,
    );
    await admin.disconnect();
    const records = await readTopics(topics);
    const carrying = records.filter((r) =>
      `${r.value}${JSON.stringify(r.headers)}`.includes(canary),
    );
    expect(carrying.length).toBeGreaterThanOrEqual(1);
    for (const record of carrying) {
      expect(record.topic).toBe(`${environment.topicPrefix}payment.commands`);
      expect(JSON.parse(record.value ?? '{}')).toMatchObject({ commandType: 'payment.authorize' });
    }
    const deadLetters = records.filter((r) => r.topic.endsWith('saga.start.dlq'));
    expect(deadLetters).toHaveLength(2);
    for (const letter of deadLetters) {
      expect(JSON.parse(letter.value ?? '{}')).toMatchObject({
        input: { payment: { cardToken: REDACTED } },
      });
    }
  });

  it('is redacted in the API for every caller but one with read-sensitive', async () => {
    const reader = await view('reader');
    expect(reader.status).toBe(200);
    expect(reader.text).not.toContain(canary);
    expect(JSON.parse(reader.text)).toMatchObject({
      input: { payment: { cardToken: REDACTED } },
      context: { payment: { cardToken: REDACTED } },
    });
    expect((await view('reader', '/sagas')).text).not.toContain(canary);
    for (const who of ['starter', 'operator', 'revoked'] as const) {
      const refused = await view(who);
      expect(refused.status).toBeGreaterThanOrEqual(401);
      expect(refused.text).not.toContain(canary);
    }
    const privileged = JSON.parse((await view('sensitiveReader')).text) as { input: unknown };
    expect(privileged.input).toMatchObject({ payment: { cardToken: canary } });
  });

  it('is not in anything the coordinator process printed', () => {
    expect(service?.output().length).toBeGreaterThan(0);
    expect(service?.output()).not.toContain(canary);
  });
});
