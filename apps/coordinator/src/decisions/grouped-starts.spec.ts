import { jest } from '@jest/globals';
import type { StartSagaAnswer, StartSagaRequest } from '../application/saga-operations.js';
import { GroupedStarts, type TraceParent } from './grouped-starts.js';

/** A fake transaction per call, held open until the test ends it. */
class FakeTransactions {
  readonly calls: { keys: string[]; parents: TraceParent[]; end: (error?: Error) => void }[] = [];

  readonly startMany = (requests: readonly StartSagaRequest[], parents: readonly TraceParent[]) =>
    new Promise<(StartSagaAnswer | Error)[]>((resolve, reject) => {
      this.calls.push({
        keys: requests.map((r) => r.idempotencyKey),
        parents: [...parents],
        end: (error) =>
          error
            ? reject(error)
            : resolve(
                requests.map((r) =>
                  r.idempotencyKey.startsWith('bad')
                    ? new Error(`refused ${r.idempotencyKey}`)
                    : { sagaId: `saga-${r.idempotencyKey}`, created: true, status: 'running' },
                ),
              ),
      });
    });
}

const request = (key: string, size = 1): StartSagaRequest => ({
  sagaType: 'order',
  idempotencyKey: key,
  input: { size },
});

/** Options: a start weighs its input's `size`; an "unavailable" error fails a whole group. */
const options = (concurrency: number, maxGroup: number, maxGroupWeight = 1_000) => ({
  concurrency,
  maxGroup,
  maxGroupWeight,
  weigh: (r: StartSagaRequest) => (r.input as { size: number }).size,
  isolate: (error: unknown) => !String(error).includes('unavailable'),
  maxHeldWaitMs: 1_000,
  late: (waitedMs: number) => new Error(`waited ${waitedMs} ms`),
});

/** Lets every settled promise run its continuations (no timers involved). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupedStarts', () => {
  it('sends a start at once when a transaction slot is free', async () => {
    const tx = new FakeTransactions();
    const grouped = new GroupedStarts(tx.startMany, options(1, 10));
    const answer = grouped.submit(request('a'), { traceparent: 'tp-a' });
    expect(tx.calls.map((c) => c.keys)).toEqual([['a']]);
    expect(tx.calls[0]!.parents).toEqual([{ traceparent: 'tp-a' }]);
    tx.calls[0]!.end();
    await expect(answer).resolves.toEqual({ sagaId: 'saga-a', created: true, status: 'running' });
  });

  it('puts the starts that waited for a busy slot in one transaction, each with its answer', async () => {
    const tx = new FakeTransactions();
    const grouped = new GroupedStarts(tx.startMany, options(1, 10));
    const first = grouped.submit(request('a'), undefined);
    const waiting = ['b', 'bad-c', 'd'].map((key) =>
      grouped.submit(request(key), { traceparent: `tp-${key}` }),
    );
    expect(tx.calls).toHaveLength(1);
    tx.calls[0]!.end();
    await first;
    await settle();
    expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b', 'bad-c', 'd']]);
    expect(tx.calls[1]!.parents).toEqual([
      { traceparent: 'tp-b' },
      { traceparent: 'tp-bad-c' },
      { traceparent: 'tp-d' },
    ]);
    tx.calls[1]!.end();
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => (a instanceof Error ? a.message : a.sagaId))).toEqual([
      'saga-b',
      'refused bad-c',
      'saga-d',
    ]);
  });

  it('runs up to `concurrency` transactions at once and caps each group at `maxGroup`', async () => {
    const tx = new FakeTransactions();
    const grouped = new GroupedStarts(tx.startMany, options(2, 2));
    const answers = ['a', 'b', 'c', 'd', 'e', 'f'].map((key) =>
      grouped.submit(request(key), undefined),
    );
    expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b']]);
    tx.calls[1]!.end();
    await settle();
    expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b'], ['c', 'd']]);
    tx.calls[0]!.end();
    await settle();
    expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b'], ['c', 'd'], ['e', 'f']]);
    tx.calls[2]!.end();
    tx.calls[3]!.end();
    expect(await Promise.all(answers)).toHaveLength(6);
  });

  it('fails every start of a transaction the database failed, and the next starts still go', async () => {
    const tx = new FakeTransactions();
    const grouped = new GroupedStarts(tx.startMany, options(1, 10));
    const first = grouped.submit(request('a'), undefined);
    const second = grouped.submit(request('b'), undefined);
    const third = grouped.submit(request('c'), undefined);
    tx.calls[0]!.end(new Error('database unavailable'));
    await expect(first).rejects.toThrow('database unavailable');
    await settle();
    tx.calls[1]!.end(new Error('database unavailable'));
    await expect(second).rejects.toThrow('database unavailable');
    await expect(third).rejects.toThrow('database unavailable');
    const later = grouped.submit(request('d'), undefined);
    expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c'], ['d']]);
    tx.calls[2]!.end();
    await expect(later).resolves.toMatchObject({ sagaId: 'saga-d' });
  });

  it('tries each start of a group alone when the group failed for a reason of one start', async () => {
    const tx = new FakeTransactions();
    const grouped = new GroupedStarts(tx.startMany, options(1, 10));
    const first = grouped.submit(request('a'), undefined);
    const group = Promise.allSettled(
      ['b', 'poison', 'c'].map((key) => grouped.submit(request(key), undefined)),
    );
    tx.calls[0]!.end();
    await first;
    await settle();
    tx.calls[1]!.end(new Error('cannot open a stored input'));
    for (let call = 2; call < 5; call++) {
      await settle();
      const keys = tx.calls[call]!.keys;
      tx.calls[call]!.end(
        keys[0] === 'poison' ? new Error('cannot open a stored input') : undefined,
      );
    }
    const outcomes = await group;
    expect(tx.calls.map((c) => c.keys)).toEqual([
      ['a'],
      ['b', 'poison', 'c'],
      ['b'],
      ['poison'],
      ['c'],
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('closes a group before it passes the weight cap, and lets a heavier start go alone', async () => {
    const tx = new FakeTransactions();
    const grouped = new GroupedStarts(tx.startMany, options(1, 10, 100));
    const sizes: [string, number][] = [
      ['a', 1],
      ['b', 30],
      ['c', 30],
      ['huge', 500],
      ['d', 1],
      ['e', 1],
    ];
    const answers = sizes.map(([key, size]) => grouped.submit(request(key, size), undefined));
    for (let call = 0; call < 4; call++) {
      await settle();
      tx.calls[call]!.end();
    }
    await Promise.all(answers);
    expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c'], ['huge'], ['d', 'e']]);
  });

  describe('held', () => {
    afterEach(() => jest.useRealTimers());

    it('begins no write while held; released, it sends them a group at a time, asking again before each', async () => {
      const tx = new FakeTransactions();
      const grouped = new GroupedStarts(tx.startMany, options(1, 2));
      grouped.hold(true);
      const answers = ['a', 'b', 'c', 'd'].map((key) => grouped.submit(request(key), undefined));
      await settle();
      expect(tx.calls).toHaveLength(0);
      expect(grouped.pendingCount).toBe(4);

      grouped.hold(false);
      expect(tx.calls.map((c) => c.keys)).toEqual([['a', 'b']]);
      expect(grouped.pendingCount).toBe(4); // two in the write, two waiting
      grouped.hold(true); // held again while the first group runs
      tx.calls[0]!.end();
      await settle();
      expect(tx.calls).toHaveLength(1);
      expect(grouped.pendingCount).toBe(2);

      grouped.hold(false);
      expect(tx.calls.map((c) => c.keys)).toEqual([
        ['a', 'b'],
        ['c', 'd'],
      ]);
      tx.calls[1]!.end();
      await expect(Promise.all(answers)).resolves.toHaveLength(4);
    });

    it('answers with late() each start that waited maxHeldWaitMs while held, writing none of them', async () => {
      jest.useFakeTimers();
      const tx = new FakeTransactions();
      const grouped = new GroupedStarts(tx.startMany, options(1, 10));
      grouped.hold(true);
      const first = grouped.submit(request('a'), undefined);
      await jest.advanceTimersByTimeAsync(400);
      const second = grouped.submit(request('b'), undefined);

      await jest.advanceTimersByTimeAsync(599);
      expect(grouped.pendingCount).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      await expect(first).resolves.toEqual(new Error('waited 1000 ms'));
      expect(grouped.pendingCount).toBe(1);

      grouped.hold(false);
      expect(tx.calls.map((c) => c.keys)).toEqual([['b']]);
      tx.calls[0]!.end();
      await expect(second).resolves.toMatchObject({ created: true });
      expect(jest.getTimerCount()).toBe(0);
    });

    it('refuses at once, when held, the starts that waited long enough for a slot, then the next when its time comes', async () => {
      jest.useFakeTimers();
      const tx = new FakeTransactions();
      const grouped = new GroupedStarts(tx.startMany, options(1, 10));
      const running = grouped.submit(request('a'), undefined);
      const slow = grouped.submit(request('b', 5), undefined);
      await jest.advanceTimersByTimeAsync(1_500);
      const later = grouped.submit(request('c', 7), undefined);
      expect(grouped.waitingWeight).toBe(12);

      grouped.hold(true);
      await expect(slow).resolves.toEqual(new Error('waited 1500 ms'));
      expect(grouped.waitingWeight).toBe(7);
      await jest.advanceTimersByTimeAsync(999);
      expect(grouped.pendingCount).toBe(2); // 'a' in its write, 'c' waiting
      await jest.advanceTimersByTimeAsync(1);
      await expect(later).resolves.toEqual(new Error('waited 1000 ms'));
      expect(grouped.pendingCount).toBe(1);
      expect(grouped.waitingWeight).toBe(0);

      tx.calls[0]!.end();
      await expect(running).resolves.toMatchObject({ created: true });
      expect(tx.calls).toHaveLength(1);
    });

    it('lets a start wait for a slot as long as it takes while not held', async () => {
      jest.useFakeTimers();
      const tx = new FakeTransactions();
      const grouped = new GroupedStarts(tx.startMany, options(1, 10));
      const first = grouped.submit(request('a'), undefined);
      const second = grouped.submit(request('b'), undefined);
      await jest.advanceTimersByTimeAsync(5_000);
      tx.calls[0]!.end();
      await first;
      await jest.advanceTimersByTimeAsync(0); // the slot frees after the answer
      expect(tx.calls.map((c) => c.keys)).toEqual([['a'], ['b']]);
      tx.calls[1]!.end();
      await expect(second).resolves.toMatchObject({ created: true });
    });
  });
});
