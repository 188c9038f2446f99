import { nextRun } from './next-run.js';

describe('nextRun', () => {
  it('answers every call made during a run with the one run that follows it', async () => {
    const releases: (() => void)[] = [];
    let runs = 0;
    const next = nextRun(async () => {
      runs++;
      await new Promise<void>((resolve) => releases.push(resolve));
    });

    const first = next();
    await Promise.resolve();
    const during = Array.from({ length: 100 }, () => next());
    expect(new Set(during).size).toBe(1);
    expect(during[0]).not.toBe(first);
    releases.shift()!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2); // the follower began only once the first was done
    releases.shift()!();
    await Promise.all(during);
    expect(runs).toBe(2);
  });

  it('gives a run’s failure to its callers and still runs the next', async () => {
    let runs = 0;
    const next = nextRun(async () => {
      if (runs++ === 0) throw new Error('down');
    });
    await expect(next()).rejects.toThrow('down');
    await expect(next()).resolves.toBeUndefined();
  });
});
