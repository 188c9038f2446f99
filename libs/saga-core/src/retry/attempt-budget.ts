import type { ErrorOutcome } from '#contracts';
import type { RetryPolicy } from './retry-policy.js';

/** Tells whether an error must not be retried: it says so itself, or the policy lists its code. */
export function isNonRetryable(outcome: ErrorOutcome, policy: RetryPolicy): boolean {
  return outcome.retryable === false || policy.nonRetryableErrorCodes.includes(outcome.code);
}

/** The 1-based rank of `attempt` within the budget that began at attempt `budgetFrom`. */
export function attemptInBudget(attempt: number, budgetFrom: number): number {
  return attempt - budgetFrom + 1;
}

/** Tells whether another attempt fits in the budget (always true for a policy without limit). */
export function hasAttemptsLeft(policy: RetryPolicy, attempt: number, budgetFrom: number): boolean {
  return attemptInBudget(attempt, budgetFrom) < policy.maxAttempts;
}
