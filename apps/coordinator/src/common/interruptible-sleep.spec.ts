import { jest } from '@jest/globals';
import { InterruptibleSleep } from './interruptible-sleep.js';

describe('InterruptibleSleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends a sleep after its time', async () => {
    const pause = new InterruptibleSleep();
    let done = false;
    const sleeping = pause.sleep(1_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it('ends a sleep at once when woken', async () => {
    const pause = new InterruptibleSleep();
    const sleeping = pause.sleep(60_000);
    pause.wake();
    await sleeping;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a wake that came while nobody slept for the next sleep only', async () => {
    const pause = new InterruptibleSleep();
    pause.wake();
    await pause.sleep(60_000);
    let done = false;
    void pause.sleep(1_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(500);
    expect(done).toBe(false);
  });
});
