import {
  cutDownOutcome,
  decodeMessage,
  headerProblem,
  MESSAGE_TYPES,
  replyMessageSchema,
  type ReplyMessage,
} from '#contracts';
import type { Span } from '@opentelemetry/api';
import type { BatchHandler, DeadLetter, IncomingMessage } from '#saga-core';
import { endSpan, startProcessSpan } from '#tracing';
import { replySpanAttributes } from '../observability/reply-span-attributes.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';

/**
 * How much larger than `maxReplyBytes` a reply may be and still be read, to be applied cut down
 * (cutDownOutcome); larger, it is dead-lettered unread.
 */
const MAX_READ_FACTOR = 16;

/**
 * Handles a batch from `saga.replies`: a reply is untrusted input. One that is larger than
 * `maxReplyBytes` is applied with its outcome cut down (its status, without its result or
 * details: the participant did act), unless it is malformed or much larger still. One that is
 * malformed, off-schema (unknown fields too) or whose headers contradict the contract is
 * dead-lettered with the reason; the rest are applied in one transaction, and one that names no
 * saga here (another deployment's, or long since deleted), or a saga of a definition version
 * this instance cannot run, is dead-lettered after it, changing nothing. Throwing (database
 * down) makes the consumer retry the whole batch; nothing is acknowledged before the
 * transaction commits.
 * Each valid reply gets a `process <topic>` span, child of the participant's `send` span,
 * ended once the batch commits.
 */
export function replyBatchHandler(decisions: SagaDecisions, maxReplyBytes: number): BatchHandler {
  return async (messages) => {
    const deadLetters: DeadLetter[] = [];
    const replies: ReplyMessage[] = [];
    const sources: IncomingMessage[] = [];
    const spans: Span[] = [];
    for (const message of messages) {
      if (message.value === null) {
        deadLetters.push({ message, reason: 'empty message: a reply needs a JSON body' });
        continue;
      }
      const bytes = Buffer.byteLength(message.value, 'utf8');
      if (bytes > MAX_READ_FACTOR * maxReplyBytes) {
        const reason = `reply larger than ${MAX_READ_FACTOR * maxReplyBytes} bytes, not read`;
        deadLetters.push({ message, reason });
        continue;
      }
      const decoded = decodeMessage(replyMessageSchema, message.value);
      // Too large to keep, yet read: the saga learns what the participant did, without the bulk.
      const parsed =
        decoded.ok && bytes > maxReplyBytes
          ? {
              ...decoded,
              value: {
                ...decoded.value,
                outcome: cutDownOutcome(
                  decoded.value.outcome,
                  `the reply was larger than ${maxReplyBytes} bytes (MAX_CONTEXT_BYTES)`,
                ),
              },
            }
          : decoded;
      if (!decoded.ok && bytes > maxReplyBytes) {
        deadLetters.push({ message, reason: `reply larger than ${maxReplyBytes} bytes` });
        continue;
      }
      const problem = parsed.ok
        ? headerProblem(message.headers, MESSAGE_TYPES.reply, parsed.value)
        : `invalid reply: ${parsed.reason}`;
      if (problem === undefined && parsed.ok) {
        replies.push(parsed.value);
        sources.push(message);
        // The saga attributes come from the checked body only: nothing checks a reply's
        // saga-type header, and the body names no type (the span goes without one).
        spans.push(
          startProcessSpan(message.topic, message.headers, replySpanAttributes(parsed.value), {
            sagaHeaders: false,
          }),
        );
      } else deadLetters.push({ message, reason: problem ?? 'invalid reply' });
    }
    try {
      for (const { index, reason } of await decisions.applyReplies(replies)) {
        deadLetters.push({ message: sources[index]!, reason });
      }
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    for (const span of spans) span.end();
    return { deadLetters };
  };
}
