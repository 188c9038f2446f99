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
    expect(time.pauses).toEqual([100, 100]);
    expect(retried).toEqual([terminated, terminated]);
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
    expect(tries).toBe(4);
    expect(time.now()).toBe(750);
  });
});
