import type { StepDefinition } from '../definition/saga-definition.js';
import type { TimeoutOutcome } from '../state/attempt-outcome.js';
import type { StepStateOf } from '../state/step-state.js';
import { advanceCompensation } from './advance-compensation.js';
import { advanceForward } from './advance-forward.js';
import { beginCompensation, handleCompensationFailure } from './compensation-rules.js';
import type { WakeupEvent } from './engine-event.js';
import { handleAttemptFailure, sendStep } from './forward-rules.js';
import { deadlineWakeupId } from './message-ids.js';
import { pivotSent } from './pivot-sent.js';
import { sendCompensation } from './send-compensation.js';
import type { TransitionDraft } from './transition-draft.js';

/** Applies a timer that came due, unless it is stale (the step or the saga has moved on). */
export function applyWakeup(draft: TransitionDraft, event: WakeupEvent): void {
  if (event.kind === 'deadline') return applyDeadline(draft);
  if (draft.fields.status === 'stuck') {
    // Only a message that could not be sent leaves a stuck saga with steps in flight: their
    // timers wait for the resume, which arms them afresh.
    return draft.ignore(`ignored: ${event.kind} of ${event.stepId} while the saga is stuck`);
  }
  const step = draft.definition.stepById.get(event.stepId);
  if (step === undefined) return draft.ignore(`ignored: no step ${event.stepId} in this saga`);
  const state = draft.step(step.id);
  const stale = () =>
    draft.ignore(
      `ignored: stale ${event.kind} of ${step.id} attempt ${event.attempt}; the step is ${state.status}`,
    );
  if (!('attempt' in state) || state.attempt !== event.attempt) return stale();
  if (event.kind === 'retry' && state.status === 'backing-off') {
    sendStep(draft, step, state.attempt + 1, state.budgetFrom);
    return advanceForward(draft);
  }
  if (event.kind === 'reply-timeout' && state.status === 'running') {
    return applyReplyTimeout(draft, step, state, timeoutOf(step.timeoutMs));
  }
  if (event.kind === 'compensation-retry' && state.status === 'compensation-backing-off') {
    sendCompensation(draft, step, state.attempt + 1, state.budgetFrom, state.outcomeUnknown);
    return advanceCompensation(draft);
  }
  if (event.kind === 'compensation-timeout' && state.status === 'compensating') {
    const outcome = timeoutOf(step.compensation?.timeoutMs);
    return handleCompensationFailure(draft, step, state, outcome);
  }
  return stale();
}

function applyReplyTimeout(
  draft: TransitionDraft,
  step: StepDefinition,
  running: StepStateOf<'running'>,
  outcome: TimeoutOutcome,
): void {
  if (draft.fields.status === 'running') {
    handleAttemptFailure(draft, step, running, outcome);
    return advanceForward(draft);
  }
  // Compensating: no retry; the participant may have acted, so the step is compensated all the same.
  draft.setStep(step.id, { status: 'outcome-unknown', attempts: running.attempt });
  draft.publish('saga.step-failed', step, { attempts: running.attempt, outcomeUnknown: true });
  draft.note(`step ${step.id} attempt ${running.attempt} timed out while compensating`);
  advanceCompensation(draft);
}

/**
 * A deadline already due by the time of another event, whose timer has not fired yet (after an
 * outage the replies may be decided before the timers): applied first, as its timer would have
 * been, and the timer cancelled. So whether a saga turns back does not hang on which event is
 * decided first.
 */
export function applyDueDeadline(draft: TransitionDraft): void {
  const deadlineAt = deadlineThatApplies(draft);
  if (deadlineAt === undefined || draft.at < deadlineAt) return;
  applyDeadline(draft);
  draft.cancelWakeup(deadlineWakeupId(draft.sagaId));
}

/** Before the point of no return a passed deadline fails the saga; after it, it is recorded and the saga goes on. */
function applyDeadline(draft: TransitionDraft): void {
  const deadlineAt = deadlineThatApplies(draft);
  if (deadlineAt === undefined) {
    return draft.ignore('ignored: the deadline no longer applies');
  }
  const fields = draft.fields;
  draft.deadlinePassed = true;
  draft.publish('saga.deadline-passed', undefined, { deadlineAt });
  if (fields.status === 'running' && !pivotSent(draft)) {
    draft.note('the deadline passed');
    return beginCompensation(draft, { type: 'deadline', at: deadlineAt });
  }
  draft.note('the deadline passed after the point of no return; going on');
}

/**
 * The saga's deadline while it still applies: not yet passed, and the saga still going forward
 * (running, or stuck before it turned back).
 */
function deadlineThatApplies(draft: TransitionDraft): number | undefined {
  const fields = draft.fields;
  const forward =
    fields.status === 'running' || (fields.status === 'stuck' && fields.phase === 'forward');
  return forward && !draft.deadlinePassed ? draft.base.deadlineAt : undefined;
}

function timeoutOf(afterMs: number | undefined): TimeoutOutcome {
  return { status: 'timeout', afterMs: afterMs ?? 0 };
}
