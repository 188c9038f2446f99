import type { FinalOutcome, IdempotencyStore } from './idempotency-store.js';

/**
 * An IdempotencyStore in a Map: for the embedded mode and tests. It forgets everything when the
 * process ends and never prunes, so a long-running process should use a durable store.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly outcomes = new Map<string, FinalOutcome>();

  async find(key: string): Promise<FinalOutcome | undefined> {
    return this.outcomes.get(key);
  }

  async record(key: string, outcome: FinalOutcome): Promise<FinalOutcome> {
    const kept = this.outcomes.get(key);
    if (kept !== undefined) return kept;
    this.outcomes.set(key, outcome);
    return outcome;
  }
}
