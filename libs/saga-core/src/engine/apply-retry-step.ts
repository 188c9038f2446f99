import type { StepState } from '../state/step-state.js';
import { advanceCompensation } from './advance-compensation.js';
import { advanceForward } from './advance-forward.js';
import { resumeStuck } from './apply-resume.js';
import type { RetryStepEvent, WakeupKind } from './engine-event.js';
import { sendStep } from './forward-rules.js';
import { stepWakeupId } from './message-ids.js';
import { operatorNote } from './operator-note.js';
import { sendCompensation } from './send-compensation.js';
import type { TransitionDraft } from './transition-draft.js';

/** The timer each in-flight or backing-off status has armed for its current attempt. */
const ARMED: Partial<Record<StepState['status'], WakeupKind>> = {
  running: 'reply-timeout',
  'backing-off': 'retry',
  compensating: 'compensation-timeout',
  'compensation-backing-off': 'compensation-retry',
};

/**
 * Tries one step again now, with a fresh retry budget: a forward step awaiting its reply or
 * backing off (on a running saga, or awaited by a compensating one), a compensation awaiting
 * its reply or backing off. The attempt before it is fenced off (its reply and timers no longer
 * match; its timer is cancelled); participants see a new attempt of the same command, which
 * they apply at most once. On a stuck saga, naming a step that halted it or that is in flight
 * resumes the saga (every halted step is tried again, as `resume` does; or, before the pivot
 * with its deadline passed, the saga compensates).
 */
export function applyRetryStep(draft: TransitionDraft, event: RetryStepEvent): void {
  const step = draft.definition.stepById.get(event.stepId);
  if (step === undefined) {
    return draft.reject('illegal-in-state', `the saga has no step ${event.stepId}`);
  }
  const state = draft.step(step.id);
  const refuse = (why: string) =>
    draft.reject('illegal-in-state', `step ${step.id} is ${state.status}: ${why}`);
  const note = () => draft.note(operatorNote(`retry of ${step.id}`, event));
  const fields = draft.fields;
  if (fields.status === 'stuck') {
    const halted =
      fields.phase === 'compensation'
        ? state.status === 'compensation-exhausted'
        : state.status === 'failed' || state.status === 'outcome-unknown';
    const inFlight = state.status === 'running' || state.status === 'compensating';
    if (!halted && !inFlight) return refuse('the saga is stuck on another step; resume it');
    note();
    return resumeStuck(draft);
  }
  const kind = ARMED[state.status];
  if (kind === undefined || !('attempt' in state)) {
    return refuse('only a step awaiting its reply or backing off can be tried again');
  }
  const forward = state.status === 'running' || state.status === 'backing-off';
  if (fields.status === 'compensating' && state.status === 'backing-off') {
    return refuse('the saga compensates: this step is not tried again');
  }
  note();
  draft.cancelWakeup(stepWakeupId(draft.sagaId, step.id, kind, state.attempt));
  const attempt = state.attempt + 1;
  if (forward) {
    // On a compensating saga, the step's outcome is what its compensation waits for.
    sendStep(draft, step, attempt, attempt);
    return fields.status === 'running' ? advanceForward(draft) : advanceCompensation(draft);
  }
  const outcomeUnknown = 'outcomeUnknown' in state && state.outcomeUnknown;
  sendCompensation(draft, step, attempt, attempt, outcomeUnknown);
  advanceCompensation(draft);
}
