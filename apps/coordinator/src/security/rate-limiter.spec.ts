import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the seconds to wait, then refills', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('shop').allowed)).toEqual([true, true, true]);
    expect(limiter.take('shop')).toEqual({ allowed: false, retryAfterSec: 1 });
    now = 500; // half a second: one request back
    expect(limiter.take('shop').allowed).toBe(true);
    expect(limiter.take('shop').allowed).toBe(false);
  });

  it('counts each client apart and forgets the least recent beyond its capacity', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxClients: 2 }, () => 0);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('b').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    limiter.take('c'); // forgets b, the least recently seen
    expect(limiter.take('b').allowed).toBe(true);
  });
});
