import { DEAD_LETTER_HEADERS, topicNames } from '#contracts';
import type { BatchOutcome, IncomingMessage } from '#saga-core';

/** Longest reason put in a header, in characters; longer ones are cut with an ellipsis. */
export const MAX_DEAD_LETTER_REASON_LENGTH = 1_000;

/** The dead-letter topic of `topic`, named by the wire contract (`<topic>.dlq`). */
export function deadLetterTopic(topic: string): string {
  return topicNames().deadLetter(topic);
}

/** Where a dead-lettered message came from, why, and when it was moved aside. */
export interface DeadLetterOrigin {
  readonly topic: string;
  readonly partition: number;
  /** The message's offset in its partition, as a decimal string. */
  readonly offset: string;
  readonly reason: string;
  readonly failedAt: Date;
  /** The dead letter carries a redacted copy of the value, not the value itself. */
  readonly valueRedacted?: boolean;
}

/** The headers added to a dead-lettered message (the original ones are kept beside them). */
export function deadLetterHeaders(origin: DeadLetterOrigin): Record<string, string> {
  return {
    [DEAD_LETTER_HEADERS.reason]: cutReason(origin.reason, MAX_DEAD_LETTER_REASON_LENGTH),
    [DEAD_LETTER_HEADERS.originalTopic]: origin.topic,
    [DEAD_LETTER_HEADERS.originalPartition]: String(origin.partition),
    [DEAD_LETTER_HEADERS.originalOffset]: origin.offset,
    [DEAD_LETTER_HEADERS.failedAt]: origin.failedAt.toISOString(),
    ...(origin.valueRedacted ? { [DEAD_LETTER_HEADERS.valueRedacted]: 'true' } : {}),
  };
}

/** `reason` in at most `length` characters, cut with an ellipsis. */
export function cutReason(reason: string, length: number): string {
  return reason.length > length ? `${reason.slice(0, length - 1)}…` : reason;
}

/** A handler's outcome that does not fit its batch: a programming error, retried like a failure. */
export class InvalidBatchOutcomeError extends Error {
  override name = 'InvalidBatchOutcomeError';
}

/** One message to dead-letter: its index in the batch and the reason. */
export interface DeadLetterChoice {
  readonly index: number;
  readonly reason: string;
  /** Replaces the original value in the dead letter (a redacted copy); absent: the original. */
  readonly value?: string | null;
}

/**
 * Finds each dead letter of `outcome` in `batch` (by identity), in batch order. Throws
 * InvalidBatchOutcomeError when the outcome is malformed, names a message that is not in the
 * batch, names one twice, or gives an empty reason: skipping would lose a message.
 */
export function matchDeadLetters(
  batch: readonly IncomingMessage[],
  outcome: BatchOutcome,
): DeadLetterChoice[] {
  if (outcome === null || typeof outcome !== 'object' || !Array.isArray(outcome.deadLetters)) {
    throw new InvalidBatchOutcomeError('the batch handler must resolve with { deadLetters: [] }');
  }
  const positions = new Map(batch.map((message, index) => [message, index]));
  const chosen = new Map<number, DeadLetterChoice>();
  for (const deadLetter of outcome.deadLetters) {
    const index = positions.get(deadLetter.message);
    if (index === undefined) {
      throw new InvalidBatchOutcomeError(
        'a dead letter names a message that is not in the batch (pass the message object received)',
      );
    }
    if (chosen.has(index)) {
      throw new InvalidBatchOutcomeError(`message #${index} of the batch is dead-lettered twice`);
    }
    if (typeof deadLetter.reason !== 'string' || deadLetter.reason.trim() === '') {
      throw new InvalidBatchOutcomeError(`the dead letter of message #${index} has no reason`);
    }
    const { reason, value } = deadLetter;
    chosen.set(index, { index, reason, ...(value === undefined ? {} : { value }) });
  }
  return [...chosen.values()].sort((a, b) => a.index - b.index);
}
