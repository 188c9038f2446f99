import { retryWhileUnavailable } from './retry-while-unavailable.js';

/** A node-postgres error for a backend ended by pg_terminate_backend (SQLSTATE 57P01). */
const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
  code: '57P01',
});

/** A fake clock that a pause moves on. */
function fakeTime() {
  let at = 0;
  const pauses: number[] = [];
  return {
    now: () => at,
    sleep: async (ms: number) => {
      pauses.push(ms);
      at += ms;
    },
    pauses,
  };
}

describe('retryWhileUnavailable', () => {
  it('tries again after a lost connection, and resolves with what the work gives at last', async () => {
    const time = fakeTime();
    const retried: unknown[] = [];
    let tries = 0;
    const result = await retryWhileUnavailable(
      async () => {
        if (++tries < 3) throw terminated;
        return 'migrated';
      },
      { until: 10_000, pauseMs: 100, onRetry: (error) => retried.push(error), ...time },
    );
    expect(result).toBe('migrated');
    expect(tries).toBe(3);
    expect(time.pauses).toEqual([100, 200]);
    expect(retried).toEqual([terminated, terminated]);
  });

  it('tries again after a deadlock or a serialization failure: the transaction was rolled back whole', async () => {
    const time = fakeTime();
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    // As TypeORM throws it from a migration: the driver's error under `driverError`.
    const serialization = Object.assign(new Error('could not serialize access'), {
      name: 'QueryFailedError',
      driverError: { code: '40001' },
    });
    const failures = [deadlock, serialization];
    let tries = 0;
    const result = await retryWhileUnavailable(
      async () => {
        tries++;
        const failure = failures.shift();
        if (failure) throw failure;
        return 'migrated';
      },
      { until: 10_000, pauseMs: 100, ...time },
    );
    expect(result).toBe('migrated');
    expect(tries).toBe(3);
  });

  it('throws any other failure at once', async () => {
    const time = fakeTime();
    const refused = Object.assign(new Error('permission denied for schema x'), { code: '42501' });
    let tries = 0;
    const run = retryWhileUnavailable(
      async () => {
        tries++;
        throw refused;
      },
      { until: 10_000, ...time },
    );
    await expect(run).rejects.toBe(refused);
    expect(tries).toBe(1);
  });

  it('throws at once a failure that says another try cannot help, whatever its cause', async () => {
    const time = fakeTime();
    const cancelled = Object.assign(new Error('canceling statement due to user request'), {
      code: '57014',
    });
    const final = Object.assign(
      new Error('a migration statement was cancelled', { cause: cancelled }),
      {
        nonRetryable: true,
      },
    );
    let tries = 0;
    const run = retryWhileUnavailable(
      async () => {
        tries++;
        throw final;
      },
      { until: 10_000, ...time },
    );
    await expect(run).rejects.toBe(final);
    expect(tries).toBe(1);
  });

  it('pauses twice as long after each failure, up to its longest pause', async () => {
    const time = fakeTime();
    const run = retryWhileUnavailable(
      async () => {
        throw terminated;
      },
      { until: 10_000, pauseMs: 250, maxPauseMs: 1_000, ...time },
    );
    await expect(run).rejects.toBe(terminated);
    expect(time.pauses.slice(0, 5)).toEqual([250, 500, 1_000, 1_000, 1_000]);
  });

  it('gives up with the last failure once the next try would start past its deadline', async () => {
    const time = fakeTime();
    let tries = 0;
    const run = retryWhileUnavailable(
      async () => {
        tries++;
        throw terminated;
      },
      { until: 1_000, pauseMs: 250, ...time },
    );
    await expect(run).rejects.toBe(terminated);
    // Pauses of 250 and 500 ms; a third, of 1 000 ms, would end past the deadline.
    expect(tries).toBe(3);
    expect(time.now()).toBe(750);
  });
});

describe('retryWhileUnavailable for another service (the broker at start-up)', () => {
  const down = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { down: true });
  const unavailable = (error: unknown) => (error as { down?: boolean }).down === true;

  it('tries again while its test says unavailable, pausing longer each time, until it answers', async () => {
    const time = fakeTime();
    const retried: unknown[] = [];
    let calls = 0;
    const answer = await retryWhileUnavailable(
      async () => {
        calls++;
        if (calls < 4) throw down;
        return 'topics';
      },
      { until: 60_000, unavailable, onRetry: (error) => retried.push(error), ...time },
    );
    expect(answer).toBe('topics');
    expect(time.pauses).toEqual([250, 500, 1_000]);
    expect(retried).toHaveLength(3);
  });

  it('throws what its test does not call unavailable at once, a database error included, and the last failure once its time is up', async () => {
    const time = fakeTime();
    await expect(
      retryWhileUnavailable(
        async () => {
          throw terminated;
        },
        { until: 60_000, unavailable, ...time },
      ),
    ).rejects.toBe(terminated);
    expect(time.pauses).toEqual([]);
    let now = 0;
    let calls = 0;
    await expect(
      retryWhileUnavailable(
        async () => {
          calls++;
          now += 9_000; // kafkajs's own retries of a refused connection
          throw down;
        },
        { until: 20_000, unavailable, now: () => now, sleep: async (ms) => void (now += ms) },
      ),
    ).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(3);
  });
});
