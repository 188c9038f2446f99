import type { ErrorOutcome, FailureOutcome } from '#contracts';
import type { CompensationDefinition, StepDefinition } from '../definition/saga-definition.js';
import { attemptInBudget, hasAttemptsLeft, isNonRetryable } from '../retry/attempt-budget.js';
import { retryDelay } from '../retry/retry-policy.js';
import type { TimeoutOutcome } from '../state/attempt-outcome.js';
import type { SagaCause } from '../state/saga-cause.js';
import type { StepStateOf } from '../state/step-state.js';
import { advanceCompensation } from './advance-compensation.js';
import { causeDetail } from './cause-detail.js';
import { describeOutcome } from './describe-outcome.js';
import { deadlineWakeupId, stepWakeupId } from './message-ids.js';
import type { TransitionDraft } from './transition-draft.js';

/** Turns a running saga into a compensating one: no new step starts, back-offs are abandoned, in-flight steps are awaited. */
export function beginCompensation(draft: TransitionDraft, cause: SagaCause): void {
  draft.setStatus({ status: 'compensating', cause });
  draft.publish('saga.compensating', undefined, causeDetail(cause));
  draft.note(`compensating (${cause.type})`);
  if (draft.base.deadlineAt !== undefined && !draft.deadlinePassed) {
    draft.cancelWakeup(deadlineWakeupId(draft.sagaId));
  }
  for (const step of draft.definition.steps) {
    const state = draft.step(step.id);
    if (state.status === 'pending') {
      draft.setStep(step.id, { status: 'skipped' });
    } else if (state.status === 'backing-off') {
      draft.cancelWakeup(stepWakeupId(draft.sagaId, step.id, 'retry', state.attempt));
      // A step whose last attempt timed out may have acted: it is compensated as if it had succeeded.
      const last = state.lastOutcome;
      draft.setStep(
        step.id,
        last.status === 'timeout'
          ? { status: 'outcome-unknown', attempts: state.attempt }
          : { status: 'failed', attempts: state.attempt, outcome: last },
      );
    }
  }
  advanceCompensation(draft);
}

/** Handles a compensation attempt that did not succeed: back off and retry, or give up on it. */
export function handleCompensationFailure(
  draft: TransitionDraft,
  step: StepDefinition,
  running: StepStateOf<'compensating'>,
  outcome: FailureOutcome | ErrorOutcome | TimeoutOutcome,
): void {
  const policy = (step.compensation as CompensationDefinition).retry;
  const { attempt, budgetFrom, outcomeUnknown } = running;
  // A compensation must not be refused: a business failure is as final as a non-retryable error.
  const final =
    outcome.status === 'failure' || (outcome.status === 'error' && isNonRetryable(outcome, policy));
  if (!final && hasAttemptsLeft(policy, attempt, budgetFrom)) {
    const delay = retryDelay(policy, attemptInBudget(attempt, budgetFrom), draft.nextRandom());
    const retryAt = draft.at + delay;
    draft.setStep(step.id, {
      status: 'compensation-backing-off',
      attempt,
      retryAt,
      lastOutcome: outcome as ErrorOutcome | TimeoutOutcome,
      outcomeUnknown,
      budgetFrom,
    });
    draft.schedule(stepWakeupId(draft.sagaId, step.id, 'compensation-retry', attempt), retryAt, {
      kind: 'compensation-retry',
      stepId: step.id,
      attempt,
    });
    draft.note(
      `compensation of ${step.id} attempt ${attempt} ${describeOutcome(outcome)}; retry in ${delay} ms`,
    );
  } else {
    draft.setStep(step.id, {
      status: 'compensation-exhausted',
      attempts: attempt,
      lastOutcome: outcome,
      outcomeUnknown,
    });
    draft.note(
      `compensation of ${step.id} gave up after attempt ${attempt}: ${describeOutcome(outcome)}`,
    );
  }
  advanceCompensation(draft);
}
