import { advanceCompensation } from './advance-compensation.js';
import { advanceForward } from './advance-forward.js';
import { resumeStuck } from './apply-resume.js';
import type { RetryStepEvent } from './engine-event.js';
import { sendStep } from './forward-rules.js';
import { operatorNote } from './operator-note.js';
import { sendCompensation } from './send-compensation.js';
import type { TransitionDraft } from './transition-draft.js';

/**
 * Tries one step again now, with a fresh retry budget: a forward step awaiting its reply or
 * backing off on a running saga, a compensation on a compensating one. The attempt in flight is
 * fenced off (its reply and timers no longer match the step's attempt); participants see a new
 * attempt of the same command, which they apply at most once. On a stuck saga, naming a halted
 * step resumes the saga (every halted step is tried again, as `resume` does).
 */
export function applyRetryStep(draft: TransitionDraft, event: RetryStepEvent): void {
  const step = draft.definition.stepById.get(event.stepId);
  if (step === undefined) {
    return draft.reject('illegal-in-state', `the saga has no step ${event.stepId}`);
  }
  const state = draft.step(step.id);
  const status = draft.fields.status;
  const refuse = (why: string) =>
    draft.reject('illegal-in-state', `step ${step.id} is ${state.status}: ${why}`);
  const note = () => draft.note(operatorNote(`retry of ${step.id}`, event));
  if (status === 'stuck') {
    const halted =
      draft.fields.phase === 'compensation'
        ? state.status === 'compensation-exhausted'
        : state.status === 'failed' || state.status === 'outcome-unknown';
    if (!halted) return refuse('the saga is stuck on another step; resume it instead');
    note();
    return resumeStuck(draft);
  }
  if (status === 'running') {
    if (state.status !== 'running' && state.status !== 'backing-off') {
      return refuse('only a step awaiting its reply or backing off can be tried again');
    }
    note();
    sendStep(draft, step, state.attempt + 1, state.attempt + 1);
    return advanceForward(draft);
  }
  if (state.status !== 'compensating' && state.status !== 'compensation-backing-off') {
    return refuse('while the saga compensates, only a compensation in progress can be tried again');
  }
  note();
  sendCompensation(draft, step, state.attempt + 1, state.attempt + 1, state.outcomeUnknown);
  advanceCompensation(draft);
}
