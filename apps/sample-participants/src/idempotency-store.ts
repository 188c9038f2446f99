import type { FailureOutcome, SuccessOutcome } from '#contracts';

/** An outcome worth remembering: final, so a duplicate command gets it again unchanged. */
export type FinalOutcome = SuccessOutcome | FailureOutcome;

/**
 * What a participant has already answered, by idempotency key. Only final outcomes are kept:
 * after a technical `error` the coordinator retries under the same key, and the retry must run.
 */
export interface IdempotencyStore {
  /** The outcome recorded under `key`, or undefined when there is none. */
  find(key: string): Promise<FinalOutcome | undefined>;
  /** Records `outcome` under `key` unless one is there already; resolves with the one kept (the first wins). */
  record(key: string, outcome: FinalOutcome): Promise<FinalOutcome>;
}
