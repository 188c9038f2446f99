// Saga definitions registered over HTTP, on two coordinator instances sharing the real Kafka and
// Postgres: the second serves what the first registered without a restart, sagas of it complete
// and compensate as the document says, a version never changes, and no invalid document is
// stored.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { topicNames } from '#contracts';
import { KafkaTransport } from '#messaging';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { startCoordinatorApp, type CoordinatorApp } from '../../support/coordinator-app.js';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import {
  oneStepDocument,
  shipmentDocument,
  shipmentInput,
  type Document,
} from '../../support/definition-documents.js';
import { kafkaBrokers } from '../../support/services.js';
import { ADMIN_HEADERS } from '../../support/test-credentials.js';
import { waitFor } from '../../support/wait-for.js';

const INSTANCE = { DEFINITIONS_POLL_MS: '200', RAMP_CHECK_MS: '60000' };

describe('saga definitions registered over HTTP', () => {
  let environment: CoordinatorEnvironment;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>>;
  let first: CoordinatorApp;
  let second: CoordinatorApp;

  beforeAll(async () => {
    environment = await createEnvironment('it_registered_definitions');
    participants = await startKafkaParticipants(environment);
    first = await startCoordinatorApp(environment, createSampleSagaRegistry(), INSTANCE);
    second = await startCoordinatorApp(environment, createSampleSagaRegistry(), INSTANCE);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await participants?.stop();
    await environment?.dispose();
  });

  const put = (app: CoordinatorApp, name: string, version: number, body: unknown) =>
    app.request('PUT', `/saga-definitions/${name}/versions/${version}`, { body });

  async function startSaga(
    app: CoordinatorApp,
    sagaType: string,
    input: unknown,
    version?: number,
  ) {
    const response = await app.request('POST', '/sagas', {
      body: {
        sagaType,
        idempotencyKey: randomUUID(),
        input,
        ...(version ? { sagaVersion: version } : {}),
      },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { sagaId: string }).sagaId;
  }

  const sagaOf = async (app: CoordinatorApp, sagaId: string) =>
    (await (await app.request('GET', `/sagas/${sagaId}`)).json()) as {
      status: string;
      sagaVersion: number;
    };

  const endsAs = (app: CoordinatorApp, sagaId: string, status: string) =>
    waitFor(`saga ${sagaId} to be ${status}`, async () => {
      const saga = await sagaOf(app, sagaId);
      return saga.status === status ? saga : undefined;
    });

  it('is served by the other instance without a restart, and runs as its document says', async () => {
    const registered = await put(first, 'delivery', 1, shipmentDocument('delivery', 1));
    expect(registered.status).toBe(201);
    const at = Date.now();
    await waitFor(
      'the second instance to serve delivery v1',
      async () => (await second.request('GET', '/saga-definitions/delivery/versions/1')).ok,
      { intervalMs: 20 },
    );
    console.log(`the second instance served delivery v1 ${Date.now() - at} ms after its 201`);
    // Its input schema is for callers with `read`, not in the open AsyncAPI document.
    const asyncapi = await (await second.request('GET', '/asyncapi.json')).text();
    expect(asyncapi).not.toContain('"delivery"');

    const completed = await startSaga(second, 'delivery', shipmentInput(randomUUID()));
    expect((await endsAs(second, completed, 'completed')).sagaVersion).toBe(1);
    // The payment declines more than 10,000: the pivot fails, the shipment is cancelled.
    const declined = await startSaga(second, 'delivery', shipmentInput(randomUUID(), 50_000));
    await endsAs(second, declined, 'compensated');
    const steps = (await (await second.request('GET', `/sagas/${declined}`)).json()) as {
      steps: { stepId: string; status: string }[];
    };
    expect(steps.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['ship', 'compensated'],
      ['charge', 'failed'],
    ]);
  });

  it('keeps a version as it was first registered: the same document is a 200, another a 409', async () => {
    const document = shipmentDocument('parcel', 1);
    expect((await put(first, 'parcel', 1, document)).status).toBe(201);
    expect((await put(second, 'parcel', 1, document)).status).toBe(200);
    const changed = await put(second, 'parcel', 1, { ...document, description: 'another' });
    expect(changed.status).toBe(409);
    expect(((await changed.json()) as { message: string }).message).toContain('register a new one');
    const shown = (await (
      await first.request('GET', '/saga-definitions/parcel/versions/1')
    ).json()) as {
      description: string;
    };
    expect(shown.description).toBe(document['description']);
  });

  it('takes a document in YAML, as people write it', async () => {
    const text = readFileSync('examples/definitions/shipment.v1.yaml', 'utf8');
    expect((await putYaml(first, 'shipment', 1, text)).status).toBe(201);
    expect((await putYaml(second, 'shipment', 1, text)).status).toBe(200);
  });

  it('creates the command topics of a participant new to the coordinator, and shows it', async () => {
    const participant = `loyalty${Date.now()}`;
    expect((await put(first, 'points', 1, oneStepDocument('points', 1, participant))).status).toBe(
      201,
    );
    const transport = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'it-topics' });
    try {
      const commands = topicNames(environment.topicPrefix).commands(participant);
      const topics = topicNames(environment.topicPrefix);
      const missing = await transport.administrator.missingTopics([
        commands,
        topics.deadLetter(commands),
      ]);
      expect(missing).toEqual([]);
    } finally {
      await transport.close();
    }
    // Both instances know it: its breaker and load are shown beside the others'.
    expect((await first.request('GET', `/participants/${participant}`)).status).toBe(200);
    await waitFor(
      'the second instance to show the new participant',
      async () => (await second.request('GET', `/participants/${participant}`)).ok,
    );
  });

  it('indexes the dead letters of a participant new to running instances, without a restart', async () => {
    const participant = `gifts${Date.now()}`;
    expect((await put(first, 'gift', 1, oneStepDocument('gift', 1, participant))).status).toBe(201);
    const topics = topicNames(environment.topicPrefix);
    const deadLetterTopic = topics.deadLetter(topics.commands(participant));
    const key = randomUUID();
    // Published once both instances know the participant: whichever the group hands the
    // partition to records it.
    await waitFor(
      'the second instance to know the new participant',
      async () => (await second.request('GET', `/participants/${participant}`)).ok,
    );
    await participants.transport.publisher.publish([
      { topic: deadLetterTopic, key, headers: {}, value: '{"refused":"by its participant"}' },
    ]);
    const query = new URLSearchParams({ topic: deadLetterTopic });
    for (const app of [first, second]) {
      const listed = await waitFor(`${deadLetterTopic} to be indexed`, async () => {
        const response = await app.request('GET', `/dead-letters?${query}`);
        const page = (await response.json()) as { items: { key: string | null }[] };
        return page.items.length > 0 ? page.items : undefined;
      });
      expect(listed.map((item) => item.key)).toEqual([key]);
    }
  });

  describe('refuses an invalid document with a 400 naming the field, and stores nothing', () => {
    const nested = (depth: number): unknown => {
      let value: unknown = {};
      for (let level = 0; level < depth; level++) value = [value];
      return { name: 'broken', version: 1, steps: value };
    };
    const base = () => shipmentDocument('broken', 1);
    const edit = (change: (document: Document) => void) => () => {
      const document = base();
      change(document);
      return document;
    };
    const cases: [what: string, body: () => unknown, field: string][] = [
      ['a dependsOn cycle', edit((d) => (d.steps[0].dependsOn = ['charge'])), 'steps.0.dependsOn'],
      [
        'an unknown step in dependsOn',
        edit((d) => (d.steps[1].dependsOn = ['pack'])),
        'steps.1.dependsOn',
      ],
      [
        'a payload that does not parse',
        edit((d) => (d.steps[0].payload = '{"a": ')),
        'steps.0.payload',
      ],
      [
        'a payload naming an unknown variable',
        edit((d) => (d.steps[0].payload = 'order.id')),
        'steps.0.payload',
      ],
      [
        'a bad onSuccess expression',
        edit((d) => (d.steps[0].onSuccess.shipmentId = 'result.')),
        'steps.0.onSuccess.shipmentId',
      ],
      [
        'a bad compensation payload',
        edit((d) => (d.steps[0].compensation.payload = ')')),
        'steps.0.compensation.payload',
      ],
      [
        'a compensation on a pivot',
        edit((d) => (d.steps[1].compensation = { command: 'payment.void', payload: '{}' })),
        'steps.1.compensation',
      ],
      ['a missing participant', edit((d) => delete d.steps[0].participant), 'steps.0.participant'],
      [
        'a participant name with spaces',
        edit((d) => (d.steps[0].participant = 'ship ping')),
        'steps.0.participant',
      ],
      ['a missing command', edit((d) => delete d.steps[1].command), 'steps.1.command'],
      ['an unknown kind', edit((d) => (d.steps[0].kind = 'maybe')), 'steps.0.kind'],
      ['a negative timeout', edit((d) => (d.steps[0].timeoutMs = -1)), 'steps.0.timeoutMs'],
      ['an unknown retry policy', edit((d) => (d.steps[0].retry = 'patient')), 'steps.0.retry'],
      ['duplicate step ids', edit((d) => (d.steps[1].id = 'ship')), 'steps.1.id'],
      ['no steps', edit((d) => (d.steps = [])), 'steps'],
      ['an unknown field', edit((d) => (d.owner = 'team-a')), 'owner'],
      ['an input that is not an object', edit((d) => (d.input = { type: 'string' })), 'input.type'],
      [
        'a result schema that is not a schema',
        edit((d) => (d.steps[0].result = { type: 'strange' })),
        'steps.0.result',
      ],
      ['a name other than the URL says', edit((d) => (d.name = 'other')), 'name'],
      ['a version other than the URL says', edit((d) => (d.version = 2)), 'version'],
      ['a huge document', edit((d) => (d.input.properties = hugeProperties())), '(root)'],
      // Past 64 levels, refused before any recursive copy (about 5,000 overflowed the stack).
      ['a document nested 1,000 levels deep', () => nested(1_000), 'body'],
    ];

    it.each(cases)('%s', async (_what, body, field) => {
      const before = await environment.db.query<{ count: string }>(
        `SELECT count(*) FROM saga_definitions`,
      );
      const response = await put(first, 'broken', 1, body());
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { problems?: { field: string }[] };
      expect(problem.problems?.map((p) => p.field)).toContain(field);
      const after = await environment.db.query<{ count: string }>(
        `SELECT count(*) FROM saga_definitions`,
      );
      expect(after[0]!.count).toBe(before[0]!.count);
      expect((await first.request('GET', '/saga-definitions/broken/versions/1')).status).toBe(404);
    });

    it('a YAML body that does not read', async () => {
      const response = await putYaml(first, 'broken', 1, 'name: [unclosed');
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { problems?: { field: string }[] };
      expect(problem.problems?.map((p) => p.field)).toEqual(['(root)']);
    });
  });
});

function putYaml(app: CoordinatorApp, name: string, version: number, text: string) {
  return fetch(`${app.url}/saga-definitions/${name}/versions/${version}`, {
    method: 'PUT',
    headers: { ...ADMIN_HEADERS, 'content-type': 'application/yaml' },
    body: text,
  });
}

/** Input properties enough to pass 256 KiB. */
function hugeProperties(): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: 6_000 }, (_, i) => [`field${i}`, { type: 'string', maxLength: 10 }]),
  );
}
