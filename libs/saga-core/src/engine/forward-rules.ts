import type { ErrorOutcome, FailureOutcome, JsonValue } from '#contracts';
import type { StepDefinition } from '../definition/saga-definition.js';
import { attemptInBudget, hasAttemptsLeft, isNonRetryable } from '../retry/attempt-budget.js';
import { retryDelay } from '../retry/retry-policy.js';
import type { TimeoutOutcome } from '../state/attempt-outcome.js';
import type { SagaCause } from '../state/saga-cause.js';
import type { StepStateOf } from '../state/step-state.js';
import { beginCompensation } from './compensation-rules.js';
import { describeOutcome, outcomeDetail } from './describe-outcome.js';
import { stepWakeupId } from './message-ids.js';
import { buildJson } from './run-user-code.js';
import { emitCommand } from './send-command.js';
import type { TransitionDraft } from './transition-draft.js';

/** Sends one attempt of a step, with its reply timeout; a payload that cannot be built fails the step. */
export function sendStep(
  draft: TransitionDraft,
  step: StepDefinition,
  attempt: number,
  budgetFrom: number,
): void {
  const payload = buildJson(() => step.buildCommand(draft.context));
  if (!payload.ok) {
    const outcome: ErrorOutcome = {
      status: 'error',
      code: 'build-command-failed',
      message: payload.message,
      retryable: false,
    };
    draft.note(`step ${step.id}: its command could not be built`);
    failStep(draft, step, attempt - 1, outcome);
    return;
  }
  draft.setStep(step.id, { status: 'running', attempt, sentAt: draft.at, budgetFrom });
  emitCommand(draft, step, 'execute', attempt, payload.value);
  if (step.timeoutMs !== undefined) {
    draft.schedule(
      stepWakeupId(draft.sagaId, step.id, 'reply-timeout', attempt),
      draft.at + step.timeoutMs,
      {
        kind: 'reply-timeout',
        stepId: step.id,
        attempt,
      },
    );
  }
  draft.note(`sent ${step.id} attempt ${attempt}`);
}

/** Records a step's success: keeps the result, folds it into the context, and passes the pivot. */
export function recordSuccess(
  draft: TransitionDraft,
  step: StepDefinition,
  attempts: number,
  result: JsonValue,
): void {
  draft.setStep(step.id, { status: 'succeeded', attempts, result });
  if (step.kind === 'pivot') draft.pivotPassed = true;
  draft.publish('saga.step-completed', step, { attempts });
  draft.note(`step ${step.id} succeeded`);
  if (step.onSuccess === undefined) return;
  const onSuccess = step.onSuccess;
  // What it folds must be plain JSON like the rest of the state: a BigInt or a lone surrogate
  // (a string cut inside an emoji) would make every write of the saga fail.
  const folded = buildJson(() => onSuccess(draft.context, result) as JsonValue, 'the context');
  if (folded.ok) {
    draft.context = folded.value;
    return;
  }
  const outcome: ErrorOutcome = {
    status: 'error',
    code: 'on-success-failed',
    message: folded.message,
    retryable: false,
  };
  draft.note(`step ${step.id}: its result could not be folded into the context`);
  const fields = draft.fields;
  const stuckForward = fields.status === 'stuck' && fields.phase === 'forward';
  if (fields.status !== 'running' && !stuckForward) return;
  if (step.kind === 'compensatable' && stuckForward) {
    // The participant acted: compensated once an operator resumes the saga (resumeStuck).
    draft.setStep(step.id, { status: 'outcome-unknown', attempts });
  } else if (step.kind === 'compensatable') {
    // The participant acted: the step stays succeeded so that it is compensated.
    beginCompensation(draft, { type: 'step-failed', stepId: step.id, outcome });
  } else {
    // Past the point of no return: stop here until an operator resumes.
    draft.setStep(step.id, { status: 'failed', attempts, outcome });
  }
}

/** Handles an attempt that did not succeed while the saga runs: back off and retry, or fail the step. */
export function handleAttemptFailure(
  draft: TransitionDraft,
  step: StepDefinition,
  running: StepStateOf<'running'>,
  outcome: FailureOutcome | ErrorOutcome | TimeoutOutcome,
): void {
  const { attempt, budgetFrom } = running;
  const final =
    outcome.status === 'failure' ||
    (outcome.status === 'error' && isNonRetryable(outcome, step.retry));
  if (!final && hasAttemptsLeft(step.retry, attempt, budgetFrom)) {
    const delay = retryDelay(step.retry, attemptInBudget(attempt, budgetFrom), draft.nextRandom());
    const retryAt = draft.at + delay;
    draft.setStep(step.id, {
      status: 'backing-off',
      attempt,
      retryAt,
      lastOutcome: outcome,
      lastAttemptTimedOut: outcome.status === 'timeout',
      budgetFrom,
    });
    draft.schedule(stepWakeupId(draft.sagaId, step.id, 'retry', attempt), retryAt, {
      kind: 'retry',
      stepId: step.id,
      attempt,
    });
    draft.note(
      `step ${step.id} attempt ${attempt} ${describeOutcome(outcome)}; retry in ${delay} ms`,
    );
    return;
  }
  failStep(draft, step, attempt, outcome);
}

/** Fails a step for good: a compensatable step (or a failed pivot) starts compensation; past the pivot the saga halts. */
export function failStep(
  draft: TransitionDraft,
  step: StepDefinition,
  attempts: number,
  outcome: FailureOutcome | ErrorOutcome | TimeoutOutcome,
): void {
  const unknown = outcome.status === 'timeout';
  draft.setStep(
    step.id,
    unknown ? { status: 'outcome-unknown', attempts } : { status: 'failed', attempts, outcome },
  );
  draft.publish(
    'saga.step-failed',
    step,
    unknown ? { attempts, outcomeUnknown: true } : { attempts, outcome: outcomeDetail(outcome) },
  );
  draft.note(
    `step ${step.id} ${unknown ? 'outcome unknown' : 'failed'} after ${attempts} attempt(s): ${describeOutcome(outcome)}`,
  );
  // Only a saga that has not passed its pivot turns back; a failed pivot never happened, so it may.
  if (draft.fields.status !== 'running' || draft.pivotPassed) return;
  if (step.kind === 'compensatable' || (step.kind === 'pivot' && !unknown)) {
    const cause: SagaCause = unknown
      ? { type: 'step-outcome-unknown', stepId: step.id }
      : { type: 'step-failed', stepId: step.id, outcome };
    beginCompensation(draft, cause);
  }
}
