// Replies decided on a coordinator's cached saga states (DecisionRunner.decideOn), on the real
// Kafka and Postgres: one statement, no lock, and the version check is what keeps a reply from
// being applied twice when another instance moved the saga meanwhile.
import { HEADERS } from '#contracts';
import { enqueueOutbox } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { auditRecords, sagaRecord, type SagaRecord } from '../../support/saga-records.js';
import { ScriptedParticipants, succeed } from '../../support/scripted-participants.js';
import { waitFor } from '../../support/wait-for.js';

// Reply timeouts of 20 s: no timer fires by itself during a test.
const TIME_SCALE = '4';

const stepStatus = (record: SagaRecord, stepId: string): string | undefined =>
  (record.state.steps as Record<string, { status: string }>)[stepId]?.status;

describe('replies decided on cached saga states', () => {
  let environment: CoordinatorEnvironment;
  let first: CoordinatorRuntime;
  let second: CoordinatorRuntime;
  let participants: ScriptedParticipants;

  beforeAll(async () => {
    environment = await createEnvironment('it_state_cache');
    first = await startCoordinator(environment, { TIME_SCALE });
    second = await startCoordinator(environment, { TIME_SCALE });
    participants = await ScriptedParticipants.start(environment);
  });

  afterAll(async () => {
    await participants?.stop();
    await second?.stop();
    await first?.stop();
    await environment?.dispose();
  });

  /** How many reply decisions of `runtime` found their sagas `result` in its state cache. */
  async function lookups(runtime: CoordinatorRuntime, result: 'hit' | 'miss' | 'stale') {
    const counter = runtime.metrics.registry.getSingleMetric('saga_state_cache_lookups_total');
    const values = (await counter?.get())?.values ?? [];
    return values.find((value) => value.labels.result === result)?.value ?? 0;
  }

  it('decides a reply to a saga the instance decided last on its cached state', async () => {
    const { sagaId, reserve, authorize } = await participants.startOrder(first, 'cache-hit');
    const hits = await lookups(first, 'hit');
    const before = await sagaRecord(environment.db, sagaId);

    await first.decisions.applyReplies([participants.envelope(reserve, succeed(reserve))]);
    await first.decisions.applyReplies([participants.envelope(authorize, succeed(authorize))]);

    expect(await lookups(first, 'hit')).toBe(hits + 2);
    const after = await sagaRecord(environment.db, sagaId);
    expect(after!.row_version).toBe(before!.row_version + 2);
    expect(stepStatus(after!, 'reserve-inventory')).toBe('succeeded');
    // Both steps done: the saga's next command went out.
    await participants.waitForCommand({ sagaId, stepId: 'capture-payment' });
  });

  it('applies a reply once when another instance applied it after the cache was filled', async () => {
    const { sagaId, reserve } = await participants.startOrder(first, 'cache-stale');
    const reply = participants.envelope(reserve, succeed(reserve));
    const stale = await lookups(first, 'stale');

    // The other instance holds no state of the saga: it reads and locks the row, and applies it.
    await second.decisions.applyReplies([reply]);
    // The first instance's cache still holds the saga as it started: on that state the reply
    // looks new. Its statement fails the version check, and the decision taken again on the
    // stored state sees the reply as a copy.
    await first.decisions.applyReplies([reply]);

    expect(await lookups(first, 'stale')).toBe(stale + 1);
    const replies = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'reply' && row.step_id === 'reserve-inventory',
    );
    expect(replies.map((row) => row.applied)).toEqual([true, false]);
    const record = await sagaRecord(environment.db, sagaId);
    expect(stepStatus(record!, 'reserve-inventory')).toBe('succeeded');
  });

  it('applies a reply that its stale cached state would ignore, once another instance moved the saga', async () => {
    const { sagaId, reserve, authorize } = await participants.startOrder(first, 'cache-ignored');
    // The other instance takes the saga on: both answers, so the capture command goes out.
    await second.decisions.applyReplies([participants.envelope(reserve, succeed(reserve))]);
    await second.decisions.applyReplies([participants.envelope(authorize, succeed(authorize))]);
    const capture = (await participants.waitForCommand({ sagaId, stepId: 'capture-payment' }))
      .command;
    const stale = await lookups(first, 'stale');

    // On the first instance's cached state the capture was never sent: the reply looks stray.
    await first.decisions.applyReplies([participants.envelope(capture, succeed(capture))]);

    expect(await lookups(first, 'stale')).toBe(stale + 1);
    const record = await sagaRecord(environment.db, sagaId);
    expect(stepStatus(record!, 'capture-payment')).toBe('succeeded');
    const replies = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'reply' && row.step_id === 'capture-payment',
    );
    expect(replies.map((row) => row.applied)).toEqual([true]);
  });

  it('decides again on the stored state when outbox rows were queued for the saga', async () => {
    const { sagaId, reserve } = await participants.startOrder(first, 'cache-moved');
    const stale = await lookups(first, 'stale');
    const before = await sagaRecord(environment.db, sagaId);
    // What a release of held commands does (on any instance): rows of the saga queued, which
    // moves its version, so no decision made on the version before may pass.
    await environment.db.transaction((sql) =>
      enqueueOutbox(sql, [
        {
          sagaId,
          lane: 0,
          topic: first.topics.events,
          key: sagaId,
          headers: { [HEADERS.messageId]: `queued:${sagaId}` },
          payload: { queued: true },
        },
      ]),
    );
    const queued = await sagaRecord(environment.db, sagaId);
    expect(queued!.row_version).toBe(before!.row_version + 1);

    await first.decisions.applyReplies([participants.envelope(reserve, succeed(reserve))]);

    expect(await lookups(first, 'stale')).toBe(stale + 1);
    const record = await sagaRecord(environment.db, sagaId);
    expect(record!.row_version).toBe(queued!.row_version + 1);
    expect(stepStatus(record!, 'reserve-inventory')).toBe('succeeded');
  });

  it('fails the statement that waited on another writer of the saga, and decides again after it', async () => {
    const { sagaId, reserve } = await participants.startOrder(first, 'cache-raced');
    const stale = await lookups(first, 'stale');
    const before = await sagaRecord(environment.db, sagaId);
    // Another instance's decision: it locks the saga, and moves its version only once the
    // one statement of this instance (a decision's: writeDecision) waits on that lock.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: (pid: number) => void;
    const holdsLock = new Promise<number>((resolve) => (locked = resolve));
    const other = environment.db.transaction(
      async (sql) => {
        const [backend] = await sql.query<{ pid: number }>(
          `SELECT pg_backend_pid() AS pid FROM sagas WHERE id = $1 FOR UPDATE`,
          [sagaId],
        );
        locked(backend!.pid);
        await released;
        await sql.query(`UPDATE sagas SET row_version = row_version + 1 WHERE id = $1`, [sagaId]);
      },
      { maxAttempts: 1 },
    );
    const otherPid = await holdsLock;
    const applying = first.decisions.applyReplies([
      participants.envelope(reserve, succeed(reserve)),
    ]);
    await waitFor('the statement waiting on the saga lock', async () => {
      const [row] = await environment.db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE $1 = ANY(pg_blocking_pids(pid)) AND query LIKE '/* writeDecision */%'`,
        [otherPid],
      );
      return row!.waiting > 0 || undefined;
    });
    release();
    await other;
    await applying;

    expect(await lookups(first, 'stale')).toBe(stale + 1);
    const record = await sagaRecord(environment.db, sagaId);
    expect(record!.row_version).toBe(before!.row_version + 2);
    expect(stepStatus(record!, 'reserve-inventory')).toBe('succeeded');
    // The failed statement wrote nothing: one audit line for the reply, the one applied.
    const replies = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'reply' && row.step_id === 'reserve-inventory',
    );
    expect(replies.map((row) => row.applied)).toEqual([true]);
  });
  it('writes nothing for a saga deleted since its state was cached', async () => {
    const { sagaId, reserve, authorize } = await participants.startOrder(first, 'cache-deleted');
    const stale = await lookups(first, 'stale');
    const audit = (await auditRecords(environment.db, sagaId)).length;
    // As retention would, were it running: the saga and its timers (in its row) go, its audit stays.
    await environment.db.query(`DELETE FROM sagas WHERE id = $1`, [sagaId]);

    // The replies end both steps in flight and would start the next one, with its reply timeout.
    const unmatched = await first.decisions.applyReplies([
      participants.envelope(reserve, succeed(reserve)),
      participants.envelope(authorize, succeed(authorize)),
    ]);

    expect(unmatched.map((reply) => reply.index)).toEqual([0, 1]);
    expect(await lookups(first, 'stale')).toBe(stale + 1);
    expect(await auditRecords(environment.db, sagaId)).toHaveLength(audit);
  });
});
