import { hasAttemptsLeft, isNonRetryable } from './attempt-budget.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';

describe('the attempt budget', () => {
  it('counts attempts from the start of the current budget', () => {
    expect(hasAttemptsLeft(DEFAULT_RETRY_POLICY, 2, 1)).toBe(true);
    expect(hasAttemptsLeft(DEFAULT_RETRY_POLICY, 3, 1)).toBe(false);
    expect(hasAttemptsLeft(DEFAULT_RETRY_POLICY, 5, 4)).toBe(true);
  });

  it('never runs out without a limit', () => {
    expect(hasAttemptsLeft({ ...DEFAULT_RETRY_POLICY, maxAttempts: Infinity }, 1e9, 1)).toBe(true);
  });

  it('treats an error as non-retryable when it says so or when the policy lists its code', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, nonRetryableErrorCodes: ['bad-input'] };
    expect(
      isNonRetryable({ status: 'error', code: 'x', message: '', retryable: false }, policy),
    ).toBe(true);
    expect(isNonRetryable({ status: 'error', code: 'bad-input', message: '' }, policy)).toBe(true);
    expect(
      isNonRetryable({ status: 'error', code: 'x', message: '', retryable: true }, policy),
    ).toBe(false);
  });
});
