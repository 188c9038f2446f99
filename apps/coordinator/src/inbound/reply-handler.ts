import { decodeMessage, replyMessageSchema, type ReplyMessage } from '#contracts';
import type { BatchHandler, DeadLetter } from '#saga-core';
import type { SagaDecisions } from '../decisions/saga-decisions.js';

/**
 * Handles a batch from `saga.replies`: malformed replies are dead-lettered with the reason, the
 * rest are applied in one transaction. Throwing (database down) makes the consumer retry the
 * whole batch; nothing is acknowledged before the transaction commits.
 */
export function replyBatchHandler(decisions: SagaDecisions): BatchHandler {
  return async (messages) => {
    const deadLetters: DeadLetter[] = [];
    const replies: ReplyMessage[] = [];
    for (const message of messages) {
      if (message.value === null) {
        deadLetters.push({ message, reason: 'empty message: a reply needs a JSON body' });
        continue;
      }
      const parsed = decodeMessage(replyMessageSchema, message.value);
      if (parsed.ok) replies.push(parsed.value);
      else deadLetters.push({ message, reason: `invalid reply: ${parsed.reason}` });
    }
    await decisions.applyReplies(replies);
    return { deadLetters };
  };
}
