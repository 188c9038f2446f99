// GET /sagas/stuck on the real Kafka and Postgres: a saga the engine halted as `stuck` (its
// compensation refused for good) and a running saga without progress for STUCK_AFTER_MS are
// listed with why; resume and cancel act on what is listed.
import type { CommandMessage, ReplyOutcome } from '#contracts';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { countStuckSagas } from '../../../apps/coordinator/src/stuck-sagas/index.js';
import {
  startCoordinatorApp,
  startOrder,
  type CoordinatorApp,
} from '../../support/coordinator-app.js';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { ScriptedParticipants, succeed } from '../../support/scripted-participants.js';
import { asKey } from '../../support/test-credentials.js';

interface StuckPage {
  items: {
    sagaId: string;
    status: string;
    kind: string;
    reason: string;
    updatedAt: string;
    noProgressSince: string;
  }[];
  nextCursor: string | null;
  stuckAfterMs: number;
}

describe('stuck sagas on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let app: CoordinatorApp;
  let participants: ScriptedParticipants;
  /** Whether the inventory can release a reservation yet. */
  let releaseWorks = false;
  /** Orders whose commands go unanswered (the saga waits on its participants). */
  const unanswered = new Set<string>();

  const script = (command: CommandMessage): ReplyOutcome | undefined => {
    const orderId = (command.payload as { orderId?: string }).orderId ?? '';
    if (unanswered.has(orderId)) return undefined;
    switch (command.commandType) {
      case 'payment.authorize':
        return { status: 'failure', code: 'CARD_DECLINED', message: 'declined' };
      case 'inventory.release':
        return releaseWorks
          ? succeed(command)
          : { status: 'error', code: 'LEDGER_LOCKED', message: 'locked', retryable: false };
      default:
        return succeed(command);
    }
  };

  const listStuck = async (query = ''): Promise<StuckPage> => {
    const response = await app.request('GET', `/sagas/stuck${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as StuckPage;
  };

  beforeAll(async () => {
    environment = await createEnvironment('it_stuck');
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      STUCK_AFTER_MS: '60000',
    });
    participants = await ScriptedParticipants.start(environment, { script });
  });

  afterAll(async () => {
    await participants?.stop();
    await app?.close();
    await environment?.dispose();
  });

  it('lists a stuck saga with the engine’s reason and an idle one since its last progress', async () => {
    const stuckId = await startOrder(app, 'stuck-1');
    await waitForSagas(environment.db, [stuckId], ['stuck']);
    unanswered.add('idle-1');
    const idleId = await startOrder(app, 'idle-1');
    await participants.waitForCommand({ sagaId: idleId });
    // No progress for an hour (the reply timeouts of the order saga would otherwise touch the
    // row), since a start at least as old.
    await environment.db.query(
      `UPDATE sagas SET updated_at = now() - interval '1 hour', created_at = now() - interval '1 hour' WHERE id = $1`,
      [idleId],
    );

    const page = await listStuck();
    expect(page.stuckAfterMs).toBe(60_000);
    const byId = Object.fromEntries(page.items.map((item) => [item.sagaId, item]));
    expect(Object.keys(byId).sort()).toEqual([stuckId, idleId].sort());
    expect(byId[stuckId]).toMatchObject({ status: 'stuck', kind: 'stuck' });
    expect(byId[stuckId]!.reason).toBe('compensation of reserve-inventory ran out of attempts');
    expect(byId[idleId]).toMatchObject({
      status: 'running',
      kind: 'idle',
      reason: `idle since ${byId[idleId]!.updatedAt}`,
      noProgressSince: byId[idleId]!.updatedAt,
    });
    expect(byId[stuckId]!.noProgressSince).toBe(byId[stuckId]!.updatedAt);
    // Longest without progress first, one per page.
    const first = await listStuck('?limit=1');
    expect(first.items.map((item) => item.sagaId)).toEqual([idleId]);
    const second = await listStuck(`?limit=1&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ nextCursor: null, items: [{ sagaId: stuckId }] });
    expect(
      await countStuckSagas({ query: (sql, params) => environment.db.query(sql, params) }, 60_000),
    ).toEqual({ stuck: 1, idle: 1 });

    const bad = await app.request('GET', '/sagas/stuck?limit=0&cursor=zz');
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: { field: string }[] }).problems;
    expect(problems.map((problem) => problem.field)).toEqual(['limit']);
    const cursor = await app.request('GET', '/sagas/stuck?cursor=zz');
    expect(((await cursor.json()) as { problems: { field: string }[] }).problems).toEqual([
      expect.objectContaining({ field: 'cursor' }),
    ]);
  });

  it('resumes a listed stuck saga and cancels a listed idle one', async () => {
    const { items } = await listStuck();
    const stuck = items.find((item) => item.kind === 'stuck')!;
    const idle = items.find((item) => item.kind === 'idle')!;
    releaseWorks = true;
    const resumed = await app.request('POST', `/sagas/${stuck.sagaId}/resume`, {
      headers: asKey('operator'),
    });
    expect(resumed.status).toBe(200);
    await waitForSagas(environment.db, [stuck.sagaId], ['compensated']);

    unanswered.clear();
    const cancelled = await app.request('POST', `/sagas/${idle.sagaId}/cancel`, {
      body: { reason: 'idle for an hour' },
    });
    expect(cancelled.status).toBe(200);
    await waitForSagas(environment.db, [idle.sagaId], ['compensated']);
    expect((await listStuck()).items).toEqual([]);
  });
});
