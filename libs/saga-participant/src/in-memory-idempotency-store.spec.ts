import type { ReplyOutcome } from '#contracts';
import type { HandlerContext } from './idempotency-store.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';

const success: ReplyOutcome = { status: 'success', result: { n: 1 } };
const failure: ReplyOutcome = { status: 'failure', code: 'NO', message: 'refused' };
const error: ReplyOutcome = { status: 'error', code: 'INTERNAL', message: 'crashed' };

describe('the in-memory idempotency store', () => {
  it('runs the work once and answers the duplicate with the stored outcome', async () => {
    const store = new InMemoryIdempotencyStore();
    let runs = 0;
    const work = async () => (runs++, success);
    expect(await store.once('k', 'a.b', work)).toEqual({ outcome: success, duplicate: false });
    expect(await store.once('k', 'a.b', work)).toEqual({ outcome: success, duplicate: true });
    expect(runs).toBe(1);
  });

  it('forgets an outcome once it is older than the retention, so a long-running process stays bounded', async () => {
    let now = 0;
    const day = 24 * 3_600_000;
    const store = new InMemoryIdempotencyStore({ now: () => now });
    for (let n = 0; n < 1_000; n++) await store.once(`old-${n}`, 'a.b', async () => success);
    now = 6 * day;
    await store.once('recent', 'a.b', async () => success);
    expect(store.find('old-0')).toEqual(success); // within the 7 days: still a duplicate
    expect((await store.once('old-1', 'a.b', async () => failure)).duplicate).toBe(true);

    now = 7 * day + 1;
    await store.once('new', 'a.b', async () => success);
    expect(store.find('old-0')).toBeUndefined();
    expect(store.find('old-999')).toBeUndefined();
    expect(store.find('recent')).toEqual(success);
    expect(store.find('new')).toEqual(success);
  });

  it('keeps a business failure but forgets a technical error, so the retry runs', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.once('refused', 'a.b', async () => failure);
    await store.once('crashed', 'a.b', async () => error);
    expect(store.find('refused')).toEqual(failure);
    expect(store.find('crashed')).toBeUndefined();
    expect((await store.once('crashed', 'a.b', async () => success)).outcome).toEqual(success);
  });

  it('makes a concurrent copy wait for the first and answers it with the first outcome', async () => {
    const store = new InMemoryIdempotencyStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const work = async () => {
      runs++;
      await gate;
      return success;
    };
    const first = store.once('k', 'a.b', work);
    const second = store.once('k', 'a.b', work);
    release();
    expect(await Promise.all([first, second])).toEqual([
      { outcome: success, duplicate: false },
      { outcome: success, duplicate: true },
    ]);
    expect(runs).toBe(1);
  });

  it('runs every copy when deduplication is turned off', async () => {
    const store = new InMemoryIdempotencyStore({ dedupe: false });
    let runs = 0;
    await store.once('k', 'a.b', async () => (runs++, success));
    await store.once('k', 'a.b', async () => (runs++, success));
    expect(runs).toBe(2);
  });

  it('passes the work no transaction', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.once('k', 'a.b', async (context) => {
      expect(context.transaction).toBeUndefined();
      return success;
    });
  });

  it('takes back what the work changed in memory when its outcome is a technical error', async () => {
    const store = new InMemoryIdempotencyStore();
    const changed: string[] = [];
    const work = async (context: HandlerContext) => {
      changed.push('x');
      context.onRollback(() => changed.pop());
      return error;
    };
    await store.once('k', 'a.b', work);
    expect(changed).toEqual([]);
    await store.once('k2', 'a.b', async (context) => {
      changed.push('y');
      context.onRollback(() => changed.pop());
      return success;
    });
    expect(changed).toEqual(['y']);
  });

  it('takes back what the work changed in memory when it refuses: a refusal applies nothing', async () => {
    const store = new InMemoryIdempotencyStore();
    const changed: string[] = [];
    await store.once('k', 'a.b', async (context) => {
      changed.push('x');
      context.onRollback(() => changed.pop());
      return failure;
    });
    expect(changed).toEqual([]);
    expect(store.find('k')).toEqual(failure);
  });

  describe('the late-command rule', () => {
    const refusal = { status: 'failure', code: 'ALREADY_COMPENSATED', message: 'late' } as const;
    const closes = { key: 'saga:step', outcome: refusal };

    it('refuses a command that arrives after its compensation, without running it', async () => {
      const store = new InMemoryIdempotencyStore();
      await store.once('saga:step:compensate', 'a.undo', async () => success, closes);
      let runs = 0;
      const late = await store.once('saga:step', 'a.do', async () => (runs++, success));
      expect(late).toEqual({ outcome: refusal, duplicate: true });
      expect(runs).toBe(0);
    });

    it('leaves the outcome of a command that ran before its compensation as it was', async () => {
      const store = new InMemoryIdempotencyStore();
      await store.once('saga:step', 'a.do', async () => success);
      await store.once('saga:step:compensate', 'a.undo', async () => success, closes);
      expect(store.find('saga:step')).toEqual(success);
    });

    it('lets a command still running finish before the compensation runs', async () => {
      const store = new InMemoryIdempotencyStore();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const order: string[] = [];
      const forward = store.once('saga:step', 'a.do', async () => {
        await gate;
        order.push('do');
        return success;
      });
      const undo = store.once(
        'saga:step:compensate',
        'a.undo',
        async () => (order.push('undo'), success),
        closes,
      );
      release();
      await Promise.all([forward, undo]);
      expect(order).toEqual(['do', 'undo']);
      expect(store.find('saga:step')).toEqual(success);
    });

    it('keeps the key closed when the compensation fails with a technical error (its retry closes it anyway)', async () => {
      const store = new InMemoryIdempotencyStore();
      await store.once('saga:step:compensate', 'a.undo', async () => error, closes);
      expect(store.find('saga:step')).toEqual(refusal);
    });
  });
});
