import type { BatchHandler, BatchOutcome, DeadLetter, IncomingMessage } from '#saga-core';

/** Options of {@link isolatePoison}. */
export interface IsolatePoisonOptions {
  /** The reason to dead-letter with when `error` says a message can never be applied (a data error); else undefined. */
  poisonReason(error: unknown): string | undefined;
  /** The copy of the value to dead-letter instead of the original (its sensitive fields redacted); default: the original. */
  redact?(message: IncomingMessage): string | undefined;
  /** Hears of each message set aside, with its reason. */
  onPoison?(message: IncomingMessage, reason: string): void;
}

/**
 * Wraps `handle` so that a batch which fails for a reason no retry can fix (a data error: the
 * database refused a value) is split in halves, each handled on its own, down to the single
 * message that fails: that one is dead-lettered with the reason and the others are applied.
 * Halves run in order, so each partition's messages keep theirs. Any other error propagates
 * as it is (the batch is retried); a half applied before it is applied again then, which the
 * handlers' dedupe (the saga state's fencing, idempotency keys) makes harmless.
 */
export function isolatePoison(handle: BatchHandler, options: IsolatePoisonOptions): BatchHandler {
  const run = async (messages: readonly IncomingMessage[]): Promise<BatchOutcome> => {
    try {
      return await handle(messages);
    } catch (error) {
      const reason = options.poisonReason(error);
      if (reason === undefined || messages.length === 0) throw error;
      if (messages.length === 1) {
        const message = messages[0]!;
        options.onPoison?.(message, reason);
        const value = options.redact?.(message);
        return { deadLetters: [{ message, reason, ...(value === undefined ? {} : { value }) }] };
      }
      const middle = Math.ceil(messages.length / 2);
      const deadLetters: DeadLetter[] = [];
      for (const half of [messages.slice(0, middle), messages.slice(middle)]) {
        const outcome = await run(half);
        deadLetters.push(...outcome.deadLetters);
      }
      return { deadLetters };
    }
  };
  return run;
}
