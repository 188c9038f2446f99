import type { FailureOutcome, ReplyOutcome, SuccessOutcome } from '#contracts';
import type { SqlRunner } from '#postgres';

/** An outcome worth remembering: final, so a duplicate command gets it again unchanged. */
export type FinalOutcome = SuccessOutcome | FailureOutcome;

/** What a handler gets besides its command: the transaction its own writes belong in. */
export interface HandlerContext {
  /**
   * The transaction that also claims the command's idempotency key and stores its outcome
   * (Postgres store); undefined with a store that has no database (in memory).
   */
  readonly transaction: SqlRunner | undefined;
  /**
   * Registers how to take back a change the handler made outside `transaction` (in memory):
   * it runs if the transaction does not commit, so the work can run again from a clean slate,
   * and when the handler refuses, as its writes in `transaction` are then undone.
   */
  readonly onRollback: (undo: () => void) => void;
}

/**
 * A key that a compensation closes (the late-command rule): unless that key already has a
 * record, it is given `outcome` before the compensation runs, so a command that arrives later
 * under it is answered with that refusal and never applied.
 */
export interface ClosedKey {
  readonly key: string;
  readonly outcome: FailureOutcome;
}

/** What {@link IdempotencyStore.once} did. */
export interface OnceResult {
  readonly outcome: ReplyOutcome;
  /** True when the outcome was stored earlier and the work did not run. */
  readonly duplicate: boolean;
}

/**
 * Runs a command's work at most once per idempotency key and remembers its final outcome.
 * Only final outcomes are kept: after a technical `error` the store forgets the attempt (a
 * database store rolls the work's writes back), and the coordinator's retry runs again. A
 * refusal (`failure`) is kept without the work's writes and changes: a refused step is never
 * compensated, so it must have applied nothing.
 */
export interface IdempotencyStore {
  /**
   * Answers with the outcome stored under `key` when there is one; otherwise runs `work`, and
   * stores its outcome when final. Concurrent calls with one key run `work` once: the later
   * call waits for the first and gets its outcome. With `closes`, the work runs only after
   * that key is closed (a command under it still running is waited for), in the same
   * transaction (a store with transactions undoes the closing with the work's technical error;
   * the compensation's retry closes it again).
   * Rejects when the store itself fails.
   */
  once(
    key: string,
    commandType: string,
    work: (context: HandlerContext) => Promise<ReplyOutcome>,
    closes?: ClosedKey,
  ): Promise<OnceResult>;
}

/** True for the outcomes a store keeps. */
export function isFinal(outcome: ReplyOutcome): outcome is FinalOutcome {
  return outcome.status !== 'error';
}

/**
 * How long an answered idempotency record is kept by default, by either store: 7 days. A
 * duplicate or late command that arrives later is no longer recognised.
 */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 7 * 24 * 3_600_000;
