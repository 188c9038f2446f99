import { jest } from '@jest/globals';
import { RepeatingRound } from './repeating-round.js';

describe('a repeating round', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one interval after the previous round ended, never two at once, until stopped', async () => {
    const started: number[] = [];
    let finish: () => void = () => undefined;
    const repeating = new RepeatingRound(100, () => {
      started.push(Date.now());
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const t0 = Date.now();
    await jest.advanceTimersByTimeAsync(99);
    expect(started).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(started).toEqual([t0 + 100]);
    await jest.advanceTimersByTimeAsync(500); // the round is still under way
    expect(started).toHaveLength(1);
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toEqual([t0 + 100, t0 + 700]);

    let stopped = false;
    const stopping = repeating.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false); // waits for the round under way
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveLength(2);
  });

  it('keeps going after a round that throws', async () => {
    let rounds = 0;
    const repeating = new RepeatingRound(10, async () => {
      rounds += 1;
      throw new Error('database down');
    });
    await jest.advanceTimersByTimeAsync(30);
    expect(rounds).toBe(3);
    await repeating.stop();
  });
});
