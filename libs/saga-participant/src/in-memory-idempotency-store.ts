import type { ReplyOutcome } from '#contracts';
import {
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
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
  /** How long an outcome is kept, ms (default 7 days, as the Postgres store's retention job). */
  readonly retentionMs?: number;
  /** The clock, epoch ms (tests give a fake). */
  readonly now?: () => number;
}

/**
 * An IdempotencyStore in a Map: for the embedded mode and tests. It forgets everything when the
 * process ends, so a process that must survive restarts should use a durable store; it forgets
 * an outcome `retentionMs` after it was stored, so a long-running process stays bounded.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  /** In the order they were stored, which is the order they expire in. */
  private readonly outcomes = new Map<string, { outcome: FinalOutcome; at: number }>();
  private readonly running = new Map<string, Promise<OnceResult>>();
  private readonly dedupe: boolean;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(options: InMemoryIdempotencyStoreOptions = {}) {
    this.dedupe = options.dedupe ?? true;
    this.retentionMs = options.retentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS;
    this.now = options.now ?? Date.now;
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
    this.forgetExpired();
    const stored = this.outcomes.get(key);
    if (stored !== undefined) return { outcome: stored.outcome, duplicate: true };
    const run = settle(this.closeThenRun(closes, work, context), changes).then((outcome) => {
      if (isFinal(outcome)) this.store(key, outcome);
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
      if (!this.outcomes.has(closes.key)) this.store(closes.key, closes.outcome);
    }
    return work(context);
  }

  /** The outcome stored under `key`, if any (for tests). */
  find(key: string): FinalOutcome | undefined {
    return this.outcomes.get(key)?.outcome;
  }

  /** Keys are stored once: the Map's order stays the order of their times. */
  private store(key: string, outcome: FinalOutcome): void {
    this.outcomes.set(key, { outcome, at: this.now() });
  }

  /** Forgets the outcomes stored more than `retentionMs` ago, oldest first. */
  private forgetExpired(): void {
    const before = this.now() - this.retentionMs;
    for (const [key, { at }] of this.outcomes) {
      if (at >= before) return;
      this.outcomes.delete(key);
    }
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
