// Sagas finish on the version they started with: a coordinator process killed with SIGKILL while
// sagas of a registered version 1 are in flight, and version 2 made active meanwhile, is
// replaced; the sagas of version 1 end on version 1 (their commands say so), and new starts get
// version 2. Real Kafka and Postgres, the built coordinator.
import { topicNames } from '#contracts';
import {
  createEnvironment,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import {
  killHard,
  launchCoordinator,
  type CoordinatorProcess,
} from '../support/coordinator-processes.js';
import { shipmentDocument, shipmentInput } from '../support/definition-documents.js';
import { readTopics } from '../support/topic-reader.js';
import { ADMIN_HEADERS } from '../support/test-credentials.js';

describe('a saga keeps its version across a coordinator killed with SIGKILL', () => {
  let environment: CoordinatorEnvironment | undefined;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  const lives: CoordinatorProcess[] = [];

  afterAll(async () => {
    await Promise.all(lives.map((life) => life.service.stop('SIGKILL')));
    await participants?.stop();
    await environment?.dispose();
  });

  const call = async (url: string, method: string, path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('ends the sagas of version 1 on version 1, and starts new ones on version 2', async () => {
    environment = await createEnvironment('e2e_versions');
    // Reply timeouts of 100 s: the sagas wait for the participants, started after the kill.
    const env = { ...environment.env, TIME_SCALE: '20', KAFKA_SESSION_TIMEOUT_MS: '6000' };
    const first = launchCoordinator(env);
    lives.push(first);
    const firstUrl = await first.url;

    const v1 = shipmentDocument('delivery', 1);
    expect((await call(firstUrl, 'PUT', '/saga-definitions/delivery/versions/1', v1)).status).toBe(
      201,
    );
    const started: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const answer = await call(firstUrl, 'POST', '/sagas', {
        sagaType: 'delivery',
        idempotencyKey: `before-${i}`,
        input: shipmentInput(`before-${i}`),
      });
      expect(answer.status).toBe(202);
      started.push(answer.body['sagaId'] as string);
    }
    const v2 = { ...shipmentDocument('delivery', 2), description: 'The same, second edition.' };
    expect((await call(firstUrl, 'PUT', '/saga-definitions/delivery/versions/2', v2)).status).toBe(
      201,
    );
    const routed = await call(firstUrl, 'PUT', '/saga-definitions/delivery/routing', {
      active: 2,
      reason: 'second edition',
    });
    expect(routed.status).toBe(200);

    await killHard(first);
    const second = launchCoordinator(env);
    lives.push(second);
    const secondUrl = await second.url;
    participants = await startKafkaParticipants(environment);

    const after = await call(secondUrl, 'POST', '/sagas', {
      sagaType: 'delivery',
      idempotencyKey: 'after',
      input: shipmentInput('after'),
    });
    expect(after.status).toBe(202);
    await waitForSagas(
      environment.db,
      [...started, after.body['sagaId'] as string],
      ['completed'],
      120_000,
    );

    const versions = await environment.db.query<{ id: string; saga_version: number }>(
      `SELECT id, saga_version FROM sagas WHERE saga_type = 'delivery'`,
    );
    const versionOf = new Map(versions.map((row) => [row.id, row.saga_version]));
    expect(started.map((id) => versionOf.get(id))).toEqual(started.map(() => 1));
    expect(versionOf.get(after.body['sagaId'] as string)).toBe(2);

    // Every command of a saga of version 1 said version 1, before the kill and after it.
    const topics = topicNames(environment.topicPrefix);
    const commands = await readTopics([topics.commands('shipping'), topics.commands('payment')]);
    const ofStarted = commands
      .map((record) => JSON.parse(record.value!) as { sagaId: string; sagaVersion: number })
      .filter((command) => started.includes(command.sagaId));
    expect(new Set(ofStarted.map((command) => command.sagaId)).size).toBe(10);
    expect(ofStarted.every((command) => command.sagaVersion === 1)).toBe(true);
  });
});
