import { abortableDelay, backoffDelayMs, resolveBackoff } from './retry-backoff.js';

describe('the batch retry back-off', () => {
  it('doubles from the initial delay up to the cap', () => {
    const backoff = resolveBackoff({ initialDelayMs: 100, maxDelayMs: 1_000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(backoff, n))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('has documented defaults', () => {
    expect(resolveBackoff()).toEqual({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 30_000 });
  });

  it.each([
    [{ initialDelayMs: -1 }, 'consumer.handlerRetry.initialDelayMs'],
    [{ multiplier: 0.5 }, 'consumer.handlerRetry.multiplier'],
    [{ initialDelayMs: 500, maxDelayMs: 100 }, 'consumer.handlerRetry.maxDelayMs'],
  ])('names the bad field of %j', (options, field) => {
    expect(() => resolveBackoff(options, 'consumer.handlerRetry')).toThrow(field);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = abortableDelay(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(abortableDelay(60_000, controller.signal)).resolves.toBe(false);
  });
});
