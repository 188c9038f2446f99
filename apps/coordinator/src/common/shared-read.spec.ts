import { sharedRead } from './shared-read.js';

/** A read that counts its calls and settles only when the test says, on a clock it moves. */
function controlledRead() {
  const clock = { ms: 0 };
  const pending: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
  let calls = 0;
  const read = sharedRead(
    () => {
      calls++;
      return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
    },
    { reuseMs: 1_000, now: () => clock.ms },
  );
  return {
    read,
    clock,
    calls: () => calls,
    /** Settles the reads in flight (once they started), then lets their callers run. */
    settle: async (outcome: number | Error) => {
      await new Promise(setImmediate);
      for (const { resolve, reject } of pending.splice(0)) {
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      }
      await new Promise(setImmediate);
    },
  };
}

describe('sharedRead', () => {
  it('gives callers at the same time the one read in flight', async () => {
    const { read, calls, settle } = controlledRead();

    const answers = Promise.all([read(), read(), read()]);
    await settle(7);

    expect(await answers).toEqual([7, 7, 7]);
    expect(calls()).toBe(1);
  });

  it('answers later callers with the settled value for reuseMs, then reads again', async () => {
    const { read, clock, calls, settle } = controlledRead();
    const first = read();
    await settle(7);
    await first;

    clock.ms += 999;
    expect(await read()).toBe(7);
    expect(calls()).toBe(1);

    clock.ms += 1;
    const again = read();
    await settle(8);
    expect(await again).toBe(8);
    expect(calls()).toBe(2);
  });

  it('reuses a failure as it reuses a value', async () => {
    const { read, clock, calls, settle } = controlledRead();
    const first = read();
    await settle(new Error('connect ECONNREFUSED'));
    await expect(first).rejects.toThrow('ECONNREFUSED');

    clock.ms += 500;
    await expect(read()).rejects.toThrow('ECONNREFUSED');
    expect(calls()).toBe(1);
  });

  it('waits on a slow read past reuseMs rather than starting another', async () => {
    const { read, clock, calls, settle } = controlledRead();
    const first = read();

    clock.ms += 5_000;
    const later = read();
    await settle(7);

    expect([await first, await later]).toEqual([7, 7]);
    expect(calls()).toBe(1);
  });

  it('turns a read that throws at once into a rejection', async () => {
    const read = sharedRead((): Promise<number> => {
      throw new Error('no connection');
    });

    await expect(read()).rejects.toThrow('no connection');
  });
});
