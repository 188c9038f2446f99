/** How a retry delay is spread: `full` draws in [0, d), `equal` in [d/2, d), `none` waits exactly d. */
export type Jitter = 'full' | 'equal' | 'none';

/** How often and how patiently a step is retried; every field is optional and has a default. */
export interface RetryPolicyOptions {
  /** Attempts in all, the first one included; an integer ≥ 1 (default 3, or 5 for compensations). Retriable steps retry without limit: leave it out or pass Infinity. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt, in ms; ≥ 0 (default 100). */
  readonly initialDelayMs?: number;
  /** Factor applied to the delay after each attempt; ≥ 1 (default 2). */
  readonly backoffFactor?: number;
  /** Cap on the delay before jitter, in ms; ≥ initialDelayMs (default 30 000). */
  readonly maxDelayMs?: number;
  /** How the delay is randomised (default `full`). */
  readonly jitter?: Jitter;
  /** Error codes that fail the step at once instead of being retried (default none). */
  readonly nonRetryableErrorCodes?: readonly string[];
}

/** A retry policy with every default filled in and every field checked. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly backoffFactor: number;
  readonly maxDelayMs: number;
  readonly jitter: Jitter;
  readonly nonRetryableErrorCodes: readonly string[];
}

/** Defaults of a forward step's policy. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 100,
  backoffFactor: 2,
  maxDelayMs: 30_000,
  jitter: 'full',
  nonRetryableErrorCodes: [],
};

/** Defaults of a compensation's policy: like a step's, with five attempts. */
export const DEFAULT_COMPENSATION_RETRY_POLICY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 5,
};

/** The result of resolving options: the policy, or the name of the bad field and why. */
export type RetryPolicyResult =
  | { ok: true; policy: RetryPolicy }
  | { ok: false; field: keyof RetryPolicyOptions; message: string };

/** Fills in defaults and checks every field; `unlimited` forces maxAttempts to Infinity (retriable steps). */
export function resolveRetryPolicy(
  options: RetryPolicyOptions | undefined,
  defaults: RetryPolicy,
  unlimited = false,
): RetryPolicyResult {
  const policy: RetryPolicy = {
    ...defaults,
    ...options,
    nonRetryableErrorCodes: [
      ...(options?.nonRetryableErrorCodes ?? defaults.nonRetryableErrorCodes),
    ],
  };
  const fail = (field: keyof RetryPolicyOptions, message: string): RetryPolicyResult => ({
    ok: false,
    field,
    message,
  });
  if (unlimited) {
    if (options?.maxAttempts !== undefined && options.maxAttempts !== Infinity) {
      return fail(
        'maxAttempts',
        'retriable steps retry without limit: leave it out or use Infinity',
      );
    }
  } else if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    return fail('maxAttempts', 'must be an integer of at least 1');
  }
  if (!isFiniteAtLeast(policy.initialDelayMs, 0))
    return fail('initialDelayMs', 'must be a number ≥ 0');
  if (!isFiniteAtLeast(policy.backoffFactor, 1))
    return fail('backoffFactor', 'must be a number ≥ 1');
  if (!isFiniteAtLeast(policy.maxDelayMs, policy.initialDelayMs)) {
    return fail('maxDelayMs', 'must be a number ≥ initialDelayMs');
  }
  if (!['full', 'equal', 'none'].includes(policy.jitter)) {
    return fail('jitter', "must be 'full', 'equal' or 'none'");
  }
  if (policy.nonRetryableErrorCodes.some((code) => typeof code !== 'string' || code === '')) {
    return fail('nonRetryableErrorCodes', 'must hold non-empty strings');
  }
  return { ok: true, policy: unlimited ? { ...policy, maxAttempts: Infinity } : policy };
}

/** The delay in ms before the attempt that follows `attempt` (1-based), jittered with one draw in [0, 1). */
export function retryDelay(policy: RetryPolicy, attempt: number, random01: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 0 × a growth past Infinity is NaN (a step with no wait, retried a thousand times): no wait.
  const grown = policy.initialDelayMs * Math.pow(policy.backoffFactor, exponent);
  const base = Math.min(policy.maxDelayMs, Number.isNaN(grown) ? 0 : grown);
  switch (policy.jitter) {
    case 'none':
      return Math.floor(base);
    case 'equal':
      return Math.floor(base / 2 + (random01 * base) / 2);
    case 'full':
      return Math.floor(random01 * base);
  }
}

function isFiniteAtLeast(value: number, min: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min;
}
