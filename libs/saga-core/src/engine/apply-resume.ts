import type { StepDefinition } from '../definition/saga-definition.js';
import { isNonRetryable } from '../retry/attempt-budget.js';
import type { SagaCause } from '../state/saga-cause.js';
import { advanceCompensation } from './advance-compensation.js';
import { advanceForward } from './advance-forward.js';
import { beginCompensation } from './compensation-rules.js';
import type { ResumeEvent, Wakeup } from './engine-event.js';
import { stepWakeupId } from './message-ids.js';
import { sendStep } from './forward-rules.js';
import { operatorNote } from './operator-note.js';
import { pivotSent } from './pivot-sent.js';
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
  draft.note(operatorNote('resumed', event));
  resumeStuck(draft);
}

/**
 * Takes a stuck saga back to running or compensating, trying again each halted step; back to
 * compensating with cause `deadline` if its deadline passed while it was stuck before its pivot
 * was sent.
 */
export function resumeStuck(draft: TransitionDraft): void {
  const fields = draft.fields;
  if (fields.status !== 'stuck') return;
  rearmInFlight(draft);
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
  const deadlineAt = draft.base.deadlineAt;
  if (deadlineAt !== undefined && draft.deadlinePassed && !pivotSent(draft)) {
    // Its deadline passed while it was stuck before the point of no return: it turns back now,
    // as it would have then (applyDeadline), rather than go on past its deadline.
    draft.note('the deadline passed while the saga was stuck');
    return beginCompensation(draft, { type: 'deadline', at: deadlineAt });
  }
  const failed = failedForGood(draft);
  if (failed !== undefined) {
    // A step before the point of no return failed for good while the saga was stuck (its reply
    // came meanwhile): it turns back now, as it would have then, rather than retry a refusal.
    draft.note(`step ${failed.stepId} failed for good while the saga was stuck`);
    return beginCompensation(draft, failed);
  }
  draft.setStatus({ status: 'running' });
  for (const step of draft.definition.steps) retryHaltedStep(draft, step);
  advanceForward(draft);
}

/**
 * The cause to compensate for, when a compensatable step or the pivot failed for good (a
 * business failure, a non-retryable error) before the pivot passed, or a compensatable step's
 * result could not be folded (it acted: left outcome-unknown): only a reply applied while the
 * saga was stuck leaves one so (running, it would have started compensation at once).
 */
function failedForGood(
  draft: TransitionDraft,
): Extract<SagaCause, { type: 'step-failed' | 'step-outcome-unknown' }> | undefined {
  if (draft.pivotPassed) return undefined;
  for (const step of draft.definition.steps) {
    const state = draft.step(step.id);
    if (step.kind === 'retriable') continue;
    if (state.status === 'outcome-unknown' && step.kind === 'compensatable') {
      return { type: 'step-outcome-unknown', stepId: step.id };
    }
    if (state.status !== 'failed') continue;
    const { outcome } = state;
    const final =
      outcome.status === 'failure' ||
      (outcome.status === 'error' && isNonRetryable(outcome, step.retry));
    if (final) return { type: 'step-failed', stepId: step.id, outcome };
  }
  return undefined;
}

/**
 * Arms again the timers of steps still in flight (a saga stopped by an undeliverable message):
 * the ones that came due while it was stuck were ignored. Reply timeouts count from now.
 */
function rearmInFlight(draft: TransitionDraft): void {
  for (const step of draft.definition.steps) {
    const state = draft.step(step.id);
    const id = (kind: Wakeup['kind']) =>
      stepWakeupId(draft.sagaId, step.id, kind, 'attempt' in state ? state.attempt : 0);
    if (state.status === 'running' && step.timeoutMs !== undefined) {
      const wakeup = { kind: 'reply-timeout', stepId: step.id, attempt: state.attempt } as const;
      draft.schedule(id('reply-timeout'), draft.at + step.timeoutMs, wakeup);
    } else if (state.status === 'backing-off') {
      const wakeup = { kind: 'retry', stepId: step.id, attempt: state.attempt } as const;
      draft.schedule(id('retry'), Math.max(state.retryAt, draft.at), wakeup);
    } else if (state.status === 'compensating' && step.compensation?.timeoutMs !== undefined) {
      const wakeup = {
        kind: 'compensation-timeout',
        stepId: step.id,
        attempt: state.attempt,
      } as const;
      draft.schedule(id('compensation-timeout'), draft.at + step.compensation.timeoutMs, wakeup);
    } else if (state.status === 'compensation-backing-off') {
      const wakeup = {
        kind: 'compensation-retry',
        stepId: step.id,
        attempt: state.attempt,
      } as const;
      draft.schedule(id('compensation-retry'), Math.max(state.retryAt, draft.at), wakeup);
    }
  }
}

function retryHaltedStep(draft: TransitionDraft, step: StepDefinition): void {
  const state = draft.step(step.id);
  if (state.status === 'failed' || state.status === 'outcome-unknown') {
    const attempt = state.attempts + 1;
    sendStep(draft, step, attempt, attempt);
  }
}
