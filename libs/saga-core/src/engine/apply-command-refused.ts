import type { CommandAction } from '#contracts';
import type { StepDefinition } from '../definition/saga-definition.js';
import { applyReply } from './apply-reply.js';
import type { CommandRefusedEvent } from './engine-event.js';
import type { TransitionDraft } from './transition-draft.js';

/** The failure code of a fail-fast step whose participant is unavailable. */
export const PARTICIPANT_UNAVAILABLE = 'PARTICIPANT_UNAVAILABLE';

/**
 * Whether a command of `step` is refused rather than held while its participant is unavailable:
 * only a forward command of a step that asks for it (`whenBreakerOpen: 'fail-fast'`) and whose
 * failure the saga can still undo: not a retriable step, which must go through, nor a retry of
 * the pivot (an earlier attempt went out and may have acted: compensating the steps before it
 * could leave its effect without theirs). The coordinator holds every other command until the
 * participant takes commands again.
 */
export function failsFastWhenUnavailable(
  step: StepDefinition,
  action: CommandAction,
  attempt: number,
): boolean {
  return (
    action === 'execute' &&
    step.whenBreakerOpen === 'fail-fast' &&
    step.kind !== 'retriable' &&
    (step.kind !== 'pivot' || attempt === 1)
  );
}

/**
 * A refused command fails its step with `PARTICIPANT_UNAVAILABLE`, not retried, and the saga
 * compensates. On a first attempt nothing ever reached the participant: a business failure, and
 * the step needs no compensation. On a retry an earlier attempt did go out and may have acted (it
 * timed out) or left its key open (it erred): a non-retryable error, so that the step is
 * compensated as unknown. The same fence as a reply's applies (the step must await that attempt).
 */
export function applyCommandRefused(draft: TransitionDraft, event: CommandRefusedEvent): void {
  const step = draft.definition.stepById.get(event.stepId);
  if (step === undefined) return draft.ignore(`ignored: no step ${event.stepId} in this saga`);
  if (!failsFastWhenUnavailable(step, 'execute', event.attempt)) {
    return draft.ignore(`ignored: step ${step.id} waits for its participant (${event.reason})`);
  }
  const message = `participant "${step.participant}" is unavailable (${event.reason}) and step "${step.id}" fails fast`;
  applyReply(draft, {
    type: 'reply',
    at: event.at,
    random: event.random,
    messageId: `refused:${draft.sagaId}:${step.id}:${event.attempt}`,
    stepId: step.id,
    action: 'execute',
    attempt: event.attempt,
    outcome:
      event.attempt === 1
        ? { status: 'failure', code: PARTICIPANT_UNAVAILABLE, message }
        : { status: 'error', code: PARTICIPANT_UNAVAILABLE, message, retryable: false },
  });
}
