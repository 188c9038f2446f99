import type { Database } from './database.js';
import {
  MAX_BATCHES_PER_TURN,
  RetentionLoop,
  type PurgeTask,
  type TaskOutcome,
} from './retention-loop.js';
import type { SqlRunner } from './sql-runner.js';

/** A database whose advisory locks `lockFree` grants or not; transactions just run. */
function fakeDatabase(lockFree: (key: number) => boolean): Database {
  const sql: SqlRunner = {
    query: async <T>(text: string, parameters?: unknown[]) =>
      (/advisory/.test(text) ? [{ locked: lockFree(parameters![0] as number) }] : []) as T[],
  };
  return {
    transaction: (work: (runner: SqlRunner) => unknown) => work(sql),
  } as unknown as Database;
}

/** A task that deletes `batches` in turn, then nothing. */
function deleting(name: string, batches: number[], lockKey?: number): PurgeTask {
  const left = [...batches];
  return {
    name,
    ...(lockKey === undefined ? {} : { lockKey }),
    deleteBatch: async () => left.shift() ?? 0,
  };
}

describe('RetentionLoop', () => {
  it('tells how each task ended: done with what it deleted over its batches, or failed', async () => {
    const outcomes: [string, TaskOutcome][] = [];
    const broken = new Error('relation "saga_audit" does not exist');
    const loop = new RetentionLoop(
      fakeDatabase(() => true),
      [
        deleting('sagas', [2, 2, 1]),
        { name: 'audit', deleteBatch: () => Promise.reject(broken) },
        deleting('outbox', [0]),
      ],
      {
        lockNamespace: 1,
        batchSize: 2,
        batchPauseMs: 0,
        onTaskRun: (...run) => outcomes.push(run),
      },
    );

    await expect(loop.runOnce()).rejects.toBe(broken);

    expect(outcomes).toEqual([
      ['sagas', { done: 5 }],
      ['audit', { failed: broken }],
      ['outbox', { done: 0 }],
    ]);
  });

  it('says nothing of a task another instance holds, and locks each task by its key', async () => {
    const outcomes: [string, TaskOutcome][] = [];
    const keys: number[] = [];
    const heldElsewhere = 1_005;
    let roundDone = (): void => undefined;
    const done = new Promise<void>((resolve) => (roundDone = resolve));
    const loop = new RetentionLoop(
      fakeDatabase((key) => {
        keys.push(key);
        return key !== heldElsewhere;
      }),
      [deleting('audit', [1], 5), deleting('sagas', [3], 0)],
      {
        lockNamespace: 1,
        batchPauseMs: 0,
        intervalMs: 3_600_000,
        onTaskRun: (...run) => {
          outcomes.push(run);
          roundDone();
        },
      },
    );

    // A background round (it tries each lock once).
    loop.start();
    await done;
    await loop.stop();

    expect(keys).toEqual([1_005, 1_000]);
    expect(outcomes).toEqual([['sagas', { done: 3 }]]);
  });

  it('starts no other task once stopped: the batch in hand finishes, and that is all', async () => {
    const ran: string[] = [];
    let finishBatch = (): void => undefined;
    const slow: PurgeTask = {
      name: 'sagas',
      deleteBatch: () =>
        new Promise<number>((resolve) => {
          ran.push('sagas');
          finishBatch = () => resolve(1);
        }),
    };
    const other = (name: string): PurgeTask => ({
      name,
      deleteBatch: async () => {
        ran.push(name);
        return 0;
      },
    });
    const loop = new RetentionLoop(
      fakeDatabase(() => true),
      [slow, other('audit'), other('outbox')],
      { lockNamespace: 1, batchPauseMs: 0, intervalMs: 3_600_000 },
    );

    loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = loop.stop();
    finishBatch();
    await stopped;

    expect(ran).toEqual(['sagas']);
  });

  it('refuses two tasks with one lock key (one would skip the other)', () => {
    expect(
      () =>
        new RetentionLoop(
          fakeDatabase(() => true),
          [deleting('a', []), deleting('b', [], 0)],
          {
            lockNamespace: 1,
          },
        ),
    ).toThrow('two retention tasks share the lock key 0');
  });

  it('ends a task’s turn after its most batches, so that the next tasks run, and goes on at once', async () => {
    const turns: string[] = [];
    let reached = (): void => undefined;
    const threeTurns = new Promise<void>((resolve) => (reached = resolve));
    // Expired sagas come as fast as they are deleted: every batch is full.
    const endless: PurgeTask = { name: 'sagas', deleteBatch: async (_sql, limit) => limit };
    const loop = new RetentionLoop(
      fakeDatabase(() => true),
      [endless, deleting('outbox', [1])],
      {
        lockNamespace: 1,
        batchSize: 2,
        batchPauseMs: 0,
        intervalMs: 3_600_000,
        onTaskRun: (task, outcome) => {
          turns.push(`${task}:${'done' in outcome ? outcome.done : 'failed'}`);
          if (turns.length === 3) reached();
        },
      },
    );

    loop.start();
    await threeTurns;
    await loop.stop();
    expect(turns.slice(0, 2)).toEqual([`sagas:${2 * MAX_BATCHES_PER_TURN}`, 'outbox:1']);
    // Rows were left: the next round came at once, not an interval later.
    expect(turns[2]).toBe(`sagas:${2 * MAX_BATCHES_PER_TURN}`);
  });
});
