import type { ErrorOutcome } from '#contracts';
import type { CompensationDefinition, StepDefinition } from '../definition/saga-definition.js';
import { stepWakeupId } from './message-ids.js';
import { buildJson } from './run-user-code.js';
import { emitCommand } from './send-command.js';
import type { TransitionDraft } from './transition-draft.js';

/** Sends one attempt of a step's compensation, with its timeout; a payload that cannot be built exhausts it. */
export function sendCompensation(
  draft: TransitionDraft,
  step: StepDefinition,
  attempt: number,
  budgetFrom: number,
  outcomeUnknown: boolean,
): void {
  const compensation = step.compensation as CompensationDefinition;
  const payload = buildJson(() => compensation.buildCommand(draft.context));
  if (!payload.ok) {
    const lastOutcome: ErrorOutcome = {
      status: 'error',
      code: 'build-command-failed',
      message: payload.message,
      retryable: false,
    };
    draft.setStep(step.id, {
      status: 'compensation-exhausted',
      attempts: attempt - 1,
      lastOutcome,
      outcomeUnknown,
    });
    draft.note(`compensation of ${step.id}: its command could not be built`);
    return;
  }
  draft.setStep(step.id, {
    status: 'compensating',
    attempt,
    sentAt: draft.at,
    outcomeUnknown,
    budgetFrom,
  });
  emitCommand(draft, step, 'compensate', attempt, payload.value, outcomeUnknown);
  if (compensation.timeoutMs !== undefined) {
    draft.schedule(
      stepWakeupId(draft.sagaId, step.id, 'compensation-timeout', attempt),
      draft.at + compensation.timeoutMs,
      { kind: 'compensation-timeout', stepId: step.id, attempt },
    );
  }
  draft.note(`sent compensation of ${step.id} attempt ${attempt}`);
}
