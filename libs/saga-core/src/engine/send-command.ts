import type { CommandAction, JsonValue } from '#contracts';
import type { StepDefinition } from '../definition/saga-definition.js';
import { commandMessageId, idempotencyKey } from './message-ids.js';
import type { TransitionDraft } from './transition-draft.js';

/** Emits the `send-command` effect for one attempt of a step or of its compensation. */
export function emitCommand(
  draft: TransitionDraft,
  step: StepDefinition,
  action: CommandAction,
  attempt: number,
  payload: JsonValue,
  outcomeUnknown = false,
): void {
  const sagaId = draft.sagaId;
  const compensate = action === 'compensate';
  draft.effects.push({
    type: 'send-command',
    command: {
      messageId: commandMessageId(sagaId, step.id, action, attempt),
      sagaId,
      sagaType: draft.base.sagaType,
      sagaVersion: draft.base.sagaVersion,
      stepId: step.id,
      action,
      attempt,
      participant: step.participant,
      commandType: compensate ? (step.compensation?.command ?? step.command) : step.command,
      idempotencyKey: idempotencyKey(sagaId, step.id, action),
      payload,
      ...(compensate ? { outcomeUnknown } : {}),
    },
  });
}
