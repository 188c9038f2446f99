import { decodeMessage, startSagaMessageSchema, type StartSagaMessage } from '#contracts';
import type { BatchHandler, DeadLetter, IncomingMessage } from '#saga-core';
import { SagaOperationError } from '../application/saga-errors.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';

/**
 * Handles a batch from `saga.start`: each valid request starts its saga (idempotent by key, as
 * over HTTP) in one transaction. A malformed message, an unknown saga type, an invalid input or
 * a key reused with another input is dead-lettered with the reason: no retry could fix it. A
 * request that carries a W3C `traceparent` header starts a saga whose trace continues it.
 */
export function startBatchHandler(decisions: SagaDecisions): BatchHandler {
  return async (messages) => {
    const deadLetters: DeadLetter[] = [];
    const valid: { message: IncomingMessage; request: StartSagaMessage }[] = [];
    for (const message of messages) {
      if (message.value === null) {
        deadLetters.push({ message, reason: 'empty message: a start request needs a JSON body' });
        continue;
      }
      const parsed = decodeMessage(startSagaMessageSchema, message.value);
      if (parsed.ok) valid.push({ message, request: parsed.value });
      else deadLetters.push({ message, reason: `invalid start request: ${parsed.reason}` });
    }
    const answers = await decisions.startMany(
      valid.map((item) => item.request),
      valid.map((item) => item.message.headers),
    );
    answers.forEach((answer, index) => {
      if (answer instanceof SagaOperationError) {
        deadLetters.push({ message: valid[index]!.message, reason: `refused: ${answer.message}` });
      } else if (answer instanceof Error) {
        throw answer;
      }
    });
    return { deadLetters };
  };
}
