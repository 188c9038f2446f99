import {
  decodeMessage,
  headerProblem,
  MESSAGE_TYPES,
  startSagaMessageSchema,
  type StartSagaMessage,
} from '#contracts';
import type { BatchHandler, DeadLetter, IncomingMessage } from '#saga-core';
import { SagaOperationError } from '../application/saga-errors.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import type { SensitiveData } from '../security/sensitive-data.js';

/** Added to the reason of a start dead-lettered without its value. */
const VALUE_DROPPED =
  'its value was dropped: it is not a JSON object, so it could not be checked for sensitive fields';

/**
 * Handles a batch from `saga.start`: each valid request starts its saga (idempotent by key, as
 * over HTTP) in one write. A malformed message, wrong headers, an unknown saga type, an
 * invalid input or a key reused with another input is dead-lettered with the reason (no retry
 * could fix it), its sensitive input fields redacted (see startDeadLetter); so is a repeated
 * start whose key's saga is of a version this instance does not run (its input cannot be
 * compared here), to replay.
 * A request that carries a W3C `traceparent` header starts a saga whose trace continues it.
 */
export function startBatchHandler(
  decisions: SagaDecisions,
  sensitive: SensitiveData,
): BatchHandler {
  return async (messages) => {
    const deadLetters: DeadLetter[] = [];
    const deadLetter = (message: IncomingMessage, reason: string) => {
      deadLetters.push(startDeadLetter(message, reason, sensitive));
    };
    const valid: { message: IncomingMessage; request: StartSagaMessage }[] = [];
    for (const message of messages) {
      if (message.value === null) {
        deadLetter(message, 'empty message: a start request needs a JSON body');
        continue;
      }
      const parsed = decodeMessage(startSagaMessageSchema, message.value);
      const problem = parsed.ok
        ? headerProblem(message.headers, MESSAGE_TYPES.start)
        : `invalid start request: ${parsed.reason}`;
      if (problem === undefined && parsed.ok) valid.push({ message, request: parsed.value });
      else deadLetter(message, problem ?? 'invalid start request');
    }
    const answers = await decisions.startMany(
      valid.map((item) => item.request),
      valid.map((item) => item.message.headers),
    );
    answers.forEach((answer, index) => {
      if (answer instanceof SagaOperationError) {
        deadLetter(valid[index]!.message, `refused: ${answer.message}`);
      } else if (answer instanceof Error) {
        throw answer;
      }
    });
    return { deadLetters };
  };
}

/**
 * The dead letter of a start request: its value as it came when nothing in it can be sensitive,
 * else a copy with the sensitive input fields redacted (those of every registered saga type when
 * it names none registered), or no value at all, said in the reason, when it is no JSON object
 * and so could not be checked (see SensitiveData.startDeadLetterValue).
 */
function startDeadLetter(
  message: IncomingMessage,
  reason: string,
  sensitive: SensitiveData,
): DeadLetter {
  if (message.value === null) return { message, reason };
  const kept = sensitive.startDeadLetterValue(message.value);
  switch (kept.keep) {
    case 'whole':
      return { message, reason };
    case 'redacted':
      return { message, reason, value: kept.value };
    case 'dropped':
      return { message, reason: `${reason}; ${VALUE_DROPPED}`, value: null };
  }
}
