// POST /sagas while the instance is behind on replies, through the whole app on the real
// Postgres and Kafka: the POST waits unwritten until the replies are down to half, or is
// answered 429 once it waited HTTP_START_WAIT_MAX_MS. The backlog is set on the app's own
// RepliesFirst (the one its reply consumer feeds): with no saga running, no reply comes to
// move it meanwhile.
import { RepliesFirst } from '../../../apps/coordinator/src/resilience/replies-first.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { startCoordinatorApp, type CoordinatorApp } from '../../support/coordinator-app.js';
import {
  createEnvironment,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { orderInput } from '../../support/saga-load.js';
import { waitFor } from '../../support/wait-for.js';

const PARTITIONS = 6;

describe('POST /sagas while the replies are behind', () => {
  let environment: CoordinatorEnvironment;
  let app: CoordinatorApp | undefined;

  beforeAll(async () => {
    environment = await createEnvironment('it_wait_replies');
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    await environment?.dispose();
  });

  const start = (key: string) =>
    app!.request('POST', '/sagas', {
      body: { sagaType: 'order', idempotencyKey: key, input: orderInput(key) },
    });

  const sagasWithKey = async (key: string) =>
    (await environment.db.query(`SELECT id FROM sagas WHERE idempotency_key = $1`, [key])).length;

  /** The gauge of the POSTs not yet answered, from GET /metrics. */
  const pendingPosts = async () => {
    const text = await (await app!.request('GET', '/metrics')).text();
    return Number(/^saga_http_starts_pending (\d+)/m.exec(text)?.[1]);
  };

  it('waits unwritten while they are behind, and starts once they are down to half', async () => {
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      TOPIC_PARTITIONS: String(PARTITIONS),
      HTTP_START_WAIT_MAX_MS: '120000',
    });
    const repliesFirst = app.provider(RepliesFirst);
    repliesFirst.noteBacklog({ messages: 100, partitions: PARTITIONS });
    expect(repliesFirst.isBehind).toBe(true);

    const answer = start('waits');
    await waitFor('the POST to wait', async () => (await pendingPosts()) === 1);
    expect(await sagasWithKey('waits')).toBe(0);

    repliesFirst.noteBacklog({ messages: 50, partitions: PARTITIONS });
    const response = await answer;
    expect(response.status).toBe(202);
    expect(await sagasWithKey('waits')).toBe(1);
    expect(await pendingPosts()).toBe(0);
  });

  it('answers 429 with Retry-After once the POST waited as long as it may, and writes nothing', async () => {
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      TOPIC_PARTITIONS: String(PARTITIONS),
      HTTP_START_WAIT_MAX_MS: '300',
      LOG_LEVEL: 'error',
    });
    app.provider(RepliesFirst).noteBacklog({ messages: 1_000, partitions: PARTITIONS });

    const response = await start('refused');
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await response.json()) as { message: string }).message).toContain(
      'behind on the replies',
    );
    expect(await sagasWithKey('refused')).toBe(0);
  });
});
