import fc from 'fast-check';
import {
  DEFAULT_COMPENSATION_RETRY_POLICY,
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  retryDelay,
  type RetryPolicy,
} from './retry-policy.js';

const policy = (overrides: Partial<RetryPolicy>): RetryPolicy => ({
  ...DEFAULT_RETRY_POLICY,
  ...overrides,
});

describe('retry policies', () => {
  it('defaults to 3 attempts from 100 ms doubling up to 30 s with full jitter', () => {
    expect(resolveRetryPolicy(undefined, DEFAULT_RETRY_POLICY)).toEqual({
      ok: true,
      policy: {
        maxAttempts: 3,
        initialDelayMs: 100,
        backoffFactor: 2,
        maxDelayMs: 30_000,
        jitter: 'full',
        nonRetryableErrorCodes: [],
      },
    });
  });

  it('gives compensations five attempts by default', () => {
    expect(DEFAULT_COMPENSATION_RETRY_POLICY.maxAttempts).toBe(5);
  });

  it('accepts Infinity as the limit of a retriable step', () => {
    const resolved = resolveRetryPolicy({ maxAttempts: Infinity }, DEFAULT_RETRY_POLICY, true);
    expect(resolved.ok && resolved.policy.maxAttempts).toBe(Infinity);
  });

  it('refuses Infinity on a step that is not retriable', () => {
    expect(resolveRetryPolicy({ maxAttempts: Infinity }, DEFAULT_RETRY_POLICY)).toMatchObject({
      ok: false,
      field: 'maxAttempts',
    });
  });

  it('copies the non-retryable codes so later changes to the options do not leak in', () => {
    const codes = ['a'];
    const resolved = resolveRetryPolicy({ nonRetryableErrorCodes: codes }, DEFAULT_RETRY_POLICY);
    codes.push('b');
    expect(resolved.ok && resolved.policy.nonRetryableErrorCodes).toEqual(['a']);
  });
});

describe('retryDelay', () => {
  it('waits exactly the exponential delay without jitter', () => {
    const exact = policy({ jitter: 'none', initialDelayMs: 100, backoffFactor: 3 });
    expect([1, 2, 3].map((attempt) => retryDelay(exact, attempt, 0.5))).toEqual([100, 300, 900]);
  });

  it('caps the delay at maxDelayMs', () => {
    expect(retryDelay(policy({ jitter: 'none', maxDelayMs: 250 }), 10, 0.5)).toBe(250);
  });

  it('is a finite number of ms at any attempt, however large, even with no initial wait', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(0, 1, 100),
        fc.constantFrom(1, 2, 100),
        fc.constantFrom('none', 'equal', 'full'),
        (attempt, initialDelayMs, backoffFactor, jitter) => {
          const delay = retryDelay(
            policy({ initialDelayMs, backoffFactor, maxDelayMs: 30_000, jitter }),
            attempt,
            0.5,
          );
          return Number.isFinite(delay) && delay >= 0 && delay <= 30_000;
        },
      ),
    );
    expect(
      retryDelay(policy({ initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' }), 1025, 0.5),
    ).toBe(0);
  });

  it('keeps full jitter within [0, delay)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const cap = Math.min(30_000, 100 * 2 ** (attempt - 1));
          const delay = retryDelay(DEFAULT_RETRY_POLICY, attempt, random);
          return delay >= 0 && delay < Math.max(cap, 1);
        },
      ),
    );
  });

  it('keeps equal jitter within [delay / 2, delay]', () => {
    const equal = policy({ jitter: 'equal' });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const cap = Math.min(30_000, 100 * 2 ** (attempt - 1));
          const delay = retryDelay(equal, attempt, random);
          return delay >= Math.floor(cap / 2) && delay <= cap;
        },
      ),
    );
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(retryDelay(DEFAULT_RETRY_POLICY, 2, 0.123456))).toBe(true);
  });
});
