import type { KafkaMessage } from 'kafkajs';
import { describeError } from '#errors';
import type { IncomingMessage } from '#saga-core';
import type { DeadLetterChoice } from './dead-letter.js';
import { toIncomingMessage } from './kafka-message-mapping.js';
import { contractHeaderProblem, holdsInvalidUtf8, invalidUtf8Problem } from './utf8-check.js';

/** What a consumer refuses itself (see BatchProcessorOptions). */
export interface TriageOptions {
  /**
   * Refuses a message whose key, value or a header of the contract is not valid UTF-8, and
   * leaves out its other headers that are not (default false: bad bytes read as U+FFFD).
   */
  readonly requireUtf8?: boolean;
  /**
   * Without requireUtf8, marks a message whose key, value or a header is not valid UTF-8
   * `bytesReplaced` (default false: not checked).
   */
  readonly markReplacedBytes?: boolean;
  /** The value to dead-letter for a message refused (undefined: the original). */
  readonly redactDeadLetter?: (message: IncomingMessage) => string | undefined;
}

/** A chunk triaged: the messages refused (their indexes and reasons), and those to hand over. */
export interface TriagedChunk {
  readonly refused: DeadLetterChoice[];
  /** The index in the chunk of each message of `incoming`. */
  readonly handed: number[];
  readonly incoming: IncomingMessage[];
}

/**
 * Refuses, each with its reason, the messages of `chunk` that are not text (with requireUtf8)
 * and those that cannot be read as an IncomingMessage at all: a record that throws is
 * dead-lettered, never thrown out of eachBatch, where kafkajs would crash the consumer on it
 * again at each restart. Maps the others.
 */
export function triageChunk(
  topic: string,
  chunk: readonly KafkaMessage[],
  options: TriageOptions,
): TriagedChunk {
  const triaged: TriagedChunk = { refused: [], handed: [], incoming: [] };
  const redact = options.redactDeadLetter;
  chunk.forEach((message, index) => {
    let reason: string | undefined;
    let incoming: IncomingMessage;
    try {
      let headerProblem: string | undefined;
      const notText = (name: string) => void (headerProblem ??= contractHeaderProblem(name));
      incoming = toIncomingMessage(topic, message, options.requireUtf8 ? notText : undefined);
      reason = options.requireUtf8 ? (invalidUtf8Problem(message) ?? headerProblem) : undefined;
      // Read with U+FFFD for its bad bytes: the handler is told the text is not what was sent.
      if (options.markReplacedBytes && !options.requireUtf8 && holdsInvalidUtf8(message)) {
        incoming = { ...incoming, bytesReplaced: true };
      }
    } catch (error) {
      // Unread, it cannot be redacted either: where values are redacted, it goes without one.
      const value = redact === undefined ? {} : { value: null };
      triaged.refused.push({
        index,
        reason: `the record cannot be read: ${describeError(error)}`,
        ...value,
      });
      return;
    }
    if (reason === undefined) {
      triaged.handed.push(index);
      triaged.incoming.push(incoming);
      return;
    }
    // Its value may be fine and a header not: what it carries is redacted all the same; one the
    // hook cannot redact goes without it (a hook that throws must not hold the partition).
    let value: string | null | undefined;
    try {
      value = redact?.(incoming);
    } catch {
      value = null;
    }
    triaged.refused.push({ index, reason, ...(value === undefined ? {} : { value }) });
  });
  return triaged;
}
