import type { ErrorOutcome, FailureOutcome } from '#contracts';
import type { StepDefinition } from '../definition/saga-definition.js';
import { advanceCompensation } from './advance-compensation.js';
import { advanceForward } from './advance-forward.js';
import { handleCompensationFailure } from './compensation-rules.js';
import { describeOutcome, outcomeDetail } from './describe-outcome.js';
import type { ReplyEvent } from './engine-event.js';
import { handleAttemptFailure, recordSuccess } from './forward-rules.js';
import { stepWakeupId } from './message-ids.js';
import type { TransitionDraft } from './transition-draft.js';

/** Applies a participant's reply, once it passed the fence: right step, right action, the attempt it waits for. */
export function applyReply(draft: TransitionDraft, event: ReplyEvent): void {
  const step = draft.definition.stepById.get(event.stepId);
  if (step === undefined) return draft.ignore(`ignored: no step ${event.stepId} in this saga`);
  const fence = fenceReply(draft, step, event);
  if (fence !== undefined) return draft.ignore(`ignored: ${fence}`);
  if (event.action === 'execute') applyExecuteReply(draft, step, event);
  else applyCompensateReply(draft, step, event);
}

function fenceReply(
  draft: TransitionDraft,
  step: StepDefinition,
  event: ReplyEvent,
): string | undefined {
  const state = draft.step(step.id);
  const waiting = event.action === 'execute' ? 'running' : 'compensating';
  if (state.status === waiting && state.attempt === event.attempt) return undefined;
  const what = `${event.action} ${step.id} attempt ${event.attempt}`;
  if (state.status === waiting)
    return `a reply to ${what}, which waits for attempt ${state.attempt}`;
  const answered = event.action === 'execute' ? EXECUTED : COMPENSATED;
  if (answered.has(state.status))
    return `a duplicate or late reply to ${what}; the step is ${state.status}`;
  return `a reply to ${what}, but the step is ${state.status} and waits for no such reply`;
}

/** Step statuses reached only after an execute command went out. */
const EXECUTED: ReadonlySet<string> = new Set([
  'backing-off',
  'succeeded',
  'failed',
  'outcome-unknown',
  'compensating',
  'compensation-backing-off',
  'compensated',
  'compensation-exhausted',
]);

/** Step statuses reached only after a compensate command went out. */
const COMPENSATED: ReadonlySet<string> = new Set([
  'compensation-backing-off',
  'compensated',
  'compensation-exhausted',
]);

function applyExecuteReply(draft: TransitionDraft, step: StepDefinition, event: ReplyEvent): void {
  const running = draft.step(step.id);
  if (running.status !== 'running') return;
  if (step.timeoutMs !== undefined) {
    draft.cancelWakeup(stepWakeupId(draft.sagaId, step.id, 'reply-timeout', event.attempt));
  }
  const outcome = event.outcome;
  if (draft.fields.status === 'running') {
    if (outcome.status === 'success') recordSuccess(draft, step, event.attempt, outcome.result);
    else handleAttemptFailure(draft, step, running, outcome);
    advanceForward(draft);
    return;
  }
  // Compensating: a step still in flight is awaited, never retried; a late success will be undone.
  if (outcome.status === 'success') {
    recordSuccess(draft, step, event.attempt, outcome.result);
  } else {
    recordLateFailure(draft, step, event.attempt, outcome);
  }
  advanceCompensation(draft);
}

function recordLateFailure(
  draft: TransitionDraft,
  step: StepDefinition,
  attempts: number,
  outcome: FailureOutcome | ErrorOutcome,
): void {
  draft.setStep(step.id, { status: 'failed', attempts, outcome });
  draft.publish('saga.step-failed', step, { attempts, outcome: outcomeDetail(outcome) });
  draft.note(`step ${step.id} ${describeOutcome(outcome)} while compensating`);
}

function applyCompensateReply(
  draft: TransitionDraft,
  step: StepDefinition,
  event: ReplyEvent,
): void {
  const compensating = draft.step(step.id);
  if (compensating.status !== 'compensating') return;
  if (step.compensation?.timeoutMs !== undefined) {
    draft.cancelWakeup(stepWakeupId(draft.sagaId, step.id, 'compensation-timeout', event.attempt));
  }
  const outcome = event.outcome;
  if (outcome.status !== 'success') {
    handleCompensationFailure(draft, step, compensating, outcome);
    return;
  }
  draft.setStep(step.id, { status: 'compensated', attempts: event.attempt });
  draft.publish('saga.step-compensated', step, { attempts: event.attempt });
  draft.note(`step ${step.id} compensated`);
  advanceCompensation(draft);
}
