import type { ReplyOutcome } from '#contracts';
import {
  isFinal,
  type ClosedKey,
  type FinalOutcome,
  type HandlerContext,
  type IdempotencyStore,
  type OnceResult,
} from './idempotency-store.js';
import { RollbackActions } from './rollback-actions.js';

/** Options of the in-memory store. */
export interface InMemoryIdempotencyStoreOptions {
  /** False turns deduplication off (tests that prove a checker catches duplicates). Default true. */
  readonly dedupe?: boolean;
}

/**
 * An IdempotencyStore in a Map: for the embedded mode and tests. It forgets everything when the
 * process ends and never prunes, so a long-running process should use a durable store.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly outcomes = new Map<string, FinalOutcome>();
  private readonly running = new Map<string, Promise<OnceResult>>();
  private readonly dedupe: boolean;

  constructor(options: InMemoryIdempotencyStoreOptions = {}) {
    this.dedupe = options.dedupe ?? true;
  }

  async once(
    key: string,
    _commandType: string,
    work: (context: HandlerContext) => Promise<ReplyOutcome>,
    closes?: ClosedKey,
  ): Promise<OnceResult> {
    const changes = new RollbackActions();
    const context: HandlerContext = { transaction: undefined, onRollback: changes.register };
    if (!this.dedupe) return { outcome: await settle(work(context), changes), duplicate: false };
    // A copy that arrives while the first runs waits for it, as a row lock would make it.
    while (this.running.has(key)) await this.running.get(key)?.catch(() => undefined);
    const stored = this.outcomes.get(key);
    if (stored !== undefined) return { outcome: stored, duplicate: true };
    const run = settle(this.closeThenRun(closes, work, context), changes).then((outcome) => {
      if (isFinal(outcome)) this.outcomes.set(key, outcome);
      return { outcome, duplicate: false };
    });
    this.running.set(key, run);
    try {
      return await run;
    } finally {
      this.running.delete(key);
    }
  }

  /** Closes `closes.key` (after any command running under it), then runs the work. */
  private async closeThenRun(
    closes: ClosedKey | undefined,
    work: (context: HandlerContext) => Promise<ReplyOutcome>,
    context: HandlerContext,
  ): Promise<ReplyOutcome> {
    if (closes) {
      // No await between the check and the set when nothing runs under the key (no gap).
      while (this.running.has(closes.key))
        await this.running.get(closes.key)?.catch(() => undefined);
      if (!this.outcomes.has(closes.key)) this.outcomes.set(closes.key, closes.outcome);
    }
    return work(context);
  }

  /** The outcome stored under `key`, if any (for tests). */
  find(key: string): FinalOutcome | undefined {
    return this.outcomes.get(key);
  }
}

/**
 * The work's outcome; what it changed is taken back unless it succeeded (a technical error
 * applies nothing, nor does a refusal: a refused step is never compensated) or when it throws.
 */
async function settle(
  outcome: Promise<ReplyOutcome>,
  changes: RollbackActions,
): Promise<ReplyOutcome> {
  try {
    const settled = await outcome;
    if (settled.status !== 'success') changes.rollBack();
    return settled;
  } catch (error) {
    changes.rollBack();
    throw error;
  }
}
