import type { ErrorOutcome, FailureOutcome } from '#contracts';

/** No reply came within the step's timeout: the participant may or may not have acted. */
export interface TimeoutOutcome {
  readonly status: 'timeout';
  /** The timeout that ran out, in ms. */
  readonly afterMs: number;
}

/** Why an attempt did not succeed: a business failure, a technical error or a timeout. */
export type AttemptFailure = FailureOutcome | ErrorOutcome | TimeoutOutcome;
