// The dead-letter index and the stuck-sagas queries in the embedded mode (PGlite and the
// in-process broker, as `npm start` runs with nothing configured): dead letters are recorded
// and replayed there too.
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES } from '#contracts';
import { loadCoordinatorConfig } from '../../../apps/coordinator/src/config/coordinator-config.js';
import { DeadLetterQueries } from '../../../apps/coordinator/src/dead-letters/dead-letter-queries.js';
import { DeadLetterReplayer } from '../../../apps/coordinator/src/dead-letters/dead-letter-replayer.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-core.module.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  countStuckSagas,
  listStuckSagas,
} from '../../../apps/coordinator/src/stuck-sagas/index.js';
import { waitFor } from '../../support/wait-for.js';

describe('dead letters in the embedded mode', () => {
  let runtime: CoordinatorRuntime;
  let queries: DeadLetterQueries;
  const sql = {
    query: <Row>(text: string, params?: unknown[]) => runtime.database.query<Row>(text, params),
  };

  beforeAll(async () => {
    runtime = await createCoordinatorRuntime({
      config: loadCoordinatorConfig({}),
      registry: createSampleSagaRegistry(),
    });
    queries = new DeadLetterQueries(runtime.database);
    await runtime.start();
  }, 60_000);
  afterAll(() => runtime?.stop());

  it('records a refused start, and a replay that is still refused lands as a new record', async () => {
    const start = { sagaType: 'refund', idempotencyKey: 'r-1', input: {} };
    await runtime.transport.publisher.publish([
      {
        topic: runtime.topics.start,
        key: 'r-1',
        headers: {
          [HEADERS.messageType]: MESSAGE_TYPES.start,
          [HEADERS.contentType]: JSON_CONTENT_TYPE,
        },
        value: JSON.stringify(start),
      },
    ]);
    const [first] = await waitFor('the dead letter to be recorded', async () => {
      const page = await queries.list({ limit: 10 });
      return page.items.length === 1 ? page.items : undefined;
    });
    expect(first).toMatchObject({ originalTopic: runtime.topics.start, value: start, key: 'r-1' });
    expect(first!.reason).toMatch(/^refused: /);

    const replayed = await new DeadLetterReplayer(
      runtime.database,
      runtime.transport.publisher,
    ).replayOne(first!.id, 'ops-dan');
    expect(replayed).toMatchObject({ replayedBy: 'ops-dan', replayCount: 1 });
    const again = await waitFor('the replay to be dead-lettered again', async () => {
      const page = await queries.list({ limit: 10, replayed: false });
      return page.items.length === 1 ? page.items[0] : undefined;
    });
    expect(again).toMatchObject({ value: start, reason: first!.reason });
    expect(again.id).not.toBe(first!.id);
  });

  it('answers the stuck-sagas queries on the embedded Postgres', async () => {
    expect(await countStuckSagas(sql, 60_000)).toEqual({ stuck: 0, idle: 0 });
    expect(await listStuckSagas(sql, { stuckAfterMs: 60_000, limit: 10 })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});
