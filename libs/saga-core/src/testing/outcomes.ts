import type { ErrorOutcome, FailureOutcome, JsonValue, SuccessOutcome } from '#contracts';

/** A success reply outcome. */
export function success(result: JsonValue = null): SuccessOutcome {
  return { status: 'success', result };
}

/** A business refusal: final, never retried. */
export function failure(code: string, message = code): FailureOutcome {
  return { status: 'failure', code, message };
}

/** A technical error: retried unless `retryable` is false or the step lists the code as non-retryable. */
export function error(code: string, retryable?: boolean): ErrorOutcome {
  return {
    status: 'error',
    code,
    message: code,
    ...(retryable === undefined ? {} : { retryable }),
  };
}
