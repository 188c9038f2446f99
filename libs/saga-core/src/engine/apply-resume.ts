import type { StepDefinition } from '../definition/saga-definition.js';
import { advanceCompensation } from './advance-compensation.js';
import { advanceForward } from './advance-forward.js';
import type { ResumeEvent } from './engine-event.js';
import { sendStep } from './forward-rules.js';
import { sendCompensation } from './send-compensation.js';
import type { TransitionDraft } from './transition-draft.js';

/** Resumes a stuck saga: what halted it is tried again with a fresh retry budget. */
export function applyResume(draft: TransitionDraft, event: ResumeEvent): void {
  const fields = draft.fields;
  if (fields.status !== 'stuck') {
    return draft.reject(
      'illegal-in-state',
      `the saga is ${fields.status}: only a stuck saga can be resumed`,
    );
  }
  draft.note(`resumed by ${event.actor}`);
  if (fields.phase === 'compensation') {
    draft.setStatus({ status: 'compensating', cause: fields.cause });
    for (const step of draft.definition.steps) {
      const state = draft.step(step.id);
      if (state.status === 'compensation-exhausted') {
        const attempt = state.attempts + 1;
        sendCompensation(draft, step, attempt, attempt, state.outcomeUnknown);
      }
    }
    return advanceCompensation(draft);
  }
  draft.setStatus({ status: 'running' });
  for (const step of draft.definition.steps) retryHaltedStep(draft, step);
  advanceForward(draft);
}

function retryHaltedStep(draft: TransitionDraft, step: StepDefinition): void {
  const state = draft.step(step.id);
  if (state.status === 'failed' || state.status === 'outcome-unknown') {
    const attempt = state.attempts + 1;
    sendStep(draft, step, attempt, attempt);
  }
}
