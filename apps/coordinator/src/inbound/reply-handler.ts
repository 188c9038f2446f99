import {
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
 * Handles a batch from `saga.replies`: a reply is untrusted input. One that is larger than
 * `maxReplyBytes`, malformed, off-schema (unknown fields too) or whose headers contradict the
 * contract is dead-lettered with the reason; the rest are applied in one transaction, and one
 * that names no saga here (another deployment's, or long since deleted), or a saga of a
 * definition version this instance cannot run, is dead-lettered after it, changing nothing.
 * Throwing
 * (database down) makes the consumer retry the whole batch; nothing is acknowledged before the
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
      if (Buffer.byteLength(message.value, 'utf8') > maxReplyBytes) {
        deadLetters.push({ message, reason: `reply larger than ${maxReplyBytes} bytes` });
        continue;
      }
      const parsed = decodeMessage(replyMessageSchema, message.value);
      const problem = parsed.ok
        ? headerProblem(message.headers, MESSAGE_TYPES.reply, parsed.value)
        : `invalid reply: ${parsed.reason}`;
      if (problem === undefined && parsed.ok) {
        replies.push(parsed.value);
        sources.push(message);
        spans.push(
          startProcessSpan(message.topic, message.headers, replySpanAttributes(parsed.value)),
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
